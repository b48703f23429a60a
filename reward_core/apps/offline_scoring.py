"""`reward-core score`: score saved completions (JSONL) offline with the rewards of a spec or a run's manifest.

Two line formats are read, and may be mixed:

- flat: `{"prompt": ..., "completion": ..., "<column>": ...}`: every key other than `prompt`, `completion`,
  `rewards` and `reward` is a per-row column passed to the rewards;
- saved completions (`completions.jsonl` of a training run): `{"step": ..., "prompt": ..., "completion": ...,
  "columns": {"<column>": ...}, "rewards": {"<log name>": score or null}}`, recognised by `columns` being a
  JSON object: only those columns are passed to the rewards (`step` and `rewards` are the run's record).

A line's recorded `rewards` are compared with the new scores, so re-scoring a run through its manifest shows
whether the scores reproduce. Rewards that give reasons add `reasons` ({log name: "code" or "code: detail"})
to each output line, and the summary counts each reward's codes, with the first completion of each.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import MissingDependencyError, RewardCoreError, RewardInputError, ScoreFileError
from ..interpolation import check_depth
from ..reasons import reason_code

__all__ = ["score_file", "plot_scores", "ScoreSummary", "RewardStats", "row_columns"]

#: Keys of a flat line that are not dataset columns.
_RESERVED = frozenset({"prompt", "completion", "rewards", "reward"})
#: Names no column may have: `reward.score(prompts, completions, **columns)` and a reward method's `self`.
_CALL_NAMES = frozenset({"self", "reward"})
PLOT_EXTRA = "pip install 'reward-core[plot]'"


@dataclass
class RewardStats:
    log_name: str
    values: list[float | None] = field(default_factory=list)
    seconds: float = 0.0
    #: Rows whose line recorded a score for this reward, and those whose new score differs from it.
    recorded: int = 0
    differing: int = 0
    first_difference: tuple[int, Any, Any] | None = None  # (line number, recorded, new)
    #: How many rows got each reason code, and the first (line number, reason, completion) of each.
    reasons: dict[str, int] = field(default_factory=dict)
    examples: dict[str, tuple[int, str, Any]] = field(default_factory=dict)

    def count_reason(self, line_no: int, reason: str, completion: Any) -> None:
        code = reason_code(reason)
        self.reasons[code] = self.reasons.get(code, 0) + 1
        self.examples.setdefault(code, (line_no, reason, completion))

    def compare(self, line_no: int, recorded: Any, new: float | None) -> None:
        self.recorded += 1
        if not _same_score(recorded, new):
            self.differing += 1
            if self.first_difference is None:
                self.first_difference = (line_no, recorded, new)

    def summary(self) -> dict[str, Any]:
        present = [v for v in self.values if v is not None]
        mean = sum(present) / len(present) if present else None
        std = math.sqrt(sum((v - mean) ** 2 for v in present) / len(present)) if present else None
        per = self.seconds / len(self.values) * 1000 if self.values else None
        return {"reward": self.log_name, "mean": mean, "std": std, "none": len(self.values) - len(present),
                "ms_per_completion": per}


@dataclass
class ScoreSummary:
    """What `score_file` did: rows scored, bad lines (line number and error), per-reward statistics."""

    scored: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    rewards: list[RewardStats] = field(default_factory=list)
    #: The weighted total of each scored row (None when every reward scored it None), as TRL sums them.
    totals: list[float | None] = field(default_factory=list)

    def correlations(self) -> list[tuple[str, str, float | None]]:
        """Pearson correlation of each pair of rewards, over rows both scored."""
        out = []
        for i, a in enumerate(self.rewards):
            for b in self.rewards[i + 1 :]:
                pairs = [(x, y) for x, y in zip(a.values, b.values) if x is not None and y is not None]
                out.append((a.log_name, b.log_name, _pearson(pairs)))
        return out

    def print(self, out: IO[str], correlation: bool = False) -> None:
        print(f"\nscored {self.scored} completion(s); {len(self.bad_lines)} bad line(s)", file=out)
        header = f"{'reward':<36} {'mean':>9} {'std':>9} {'None':>6} {'ms/completion':>14}"
        print(header, file=out)
        for stats in self.rewards:
            s = stats.summary()
            fmt = lambda v, spec: format(v, spec) if v is not None else "-"  # noqa: E731
            print(f"{s['reward']:<36} {fmt(s['mean'], '9.4f'):>9} {fmt(s['std'], '9.4f'):>9} {s['none']:>6} "
                  f"{fmt(s['ms_per_completion'], '14.3f'):>14}", file=out)
        if self.rewards:
            t = RewardStats("(weighted total)", self.totals).summary()
            print(f"{t['reward']:<36} {fmt(t['mean'], '9.4f'):>9} {fmt(t['std'], '9.4f'):>9} {t['none']:>6}", file=out)
        compared = [s for s in self.rewards if s.recorded]
        if compared:
            print("\nre-scored vs the scores recorded in the input:", file=out)
            for stats in compared:
                same = stats.recorded - stats.differing
                line = f"  {stats.log_name}: {same}/{stats.recorded} identical"
                if stats.first_difference is not None:
                    line_no, old, new = stats.first_difference
                    line += f" (first difference: line {line_no}, recorded {json.dumps(old)}, now {json.dumps(new)})"
                print(line, file=out)
        explained = [s for s in self.rewards if s.reasons]
        if explained:
            print("\nwhy (each reason's count and share, and its first completion):", file=out)
            for stats in explained:
                print(f"  {stats.log_name}:", file=out)
                for code, count in sorted(stats.reasons.items(), key=lambda item: -item[1]):
                    line_no, reason, completion = stats.examples[code]
                    print(f"    {code:<18} {count:>6} {count / len(stats.values):>6.1%}   line {line_no}: "
                          f"{_preview(reason, 60)} <- {_preview(completion, 60)}", file=out)
        if correlation:
            print("\ncorrelation (Pearson, rows where both scored):", file=out)
            for a, b, r in self.correlations():
                print(f"  {a} ~ {b}: {'undefined' if r is None else format(r, '+.3f')}", file=out)


def score_file(
    spec: Any,
    input_path: str | Path,
    output_path: str | Path | None = None,
    *,
    batch_size: int = 64,
    progress: IO[str] | None = sys.stderr,
    allow_version_drift: bool | None = None,
    plot: str | Path | None = None,
) -> ScoreSummary:
    """Score every line of `input_path` (flat lines or a run's saved completions; see the module docstring).

    `spec` is anything `load_rewards` takes (a run's `reward_manifest.json` rebuilds the run's rewards;
    `allow_version_drift` is passed on) or an already `LoadedRewards`. With `output_path`, writes each good
    line there with `rewards` ({log name: score}) and `reward` (the weighted sum of the scores that are not
    None, as TRL computes it). A bad line (invalid JSON, no `completion`, a malformed completion) is reported
    with its line number and skipped; the others are scored. With `plot`, saves a histogram per reward and
    of the weighted total there (PNG; needs matplotlib, checked before anything is scored).
    """
    from ..resolve import LoadedRewards, load_rewards

    if plot is not None:
        _matplotlib()  # fail before scoring, not after
        if _is_dir(plot) or not _is_dir(Path(plot).parent):
            raise ScoreFileError(f"cannot save the plot to {str(plot)!r}: give a file path in an existing folder "
                                 "(e.g. --plot scores.png)")
    rewards = spec if isinstance(spec, LoadedRewards) else load_rewards(spec, allow_version_drift=allow_version_drift)
    summary = ScoreSummary(rewards=[RewardStats(r.log_name) for r in rewards])
    try:
        with open(input_path, "rb") as lines:
            total = sum(1 for _ in lines)
    except OSError as exc:
        raise ScoreFileError(f"the input {str(input_path)!r} cannot be read: {exc.strerror or exc}; give a JSONL "
                             "file, one JSON object per line") from None
    with _output(output_path) as sink:
        for batch in _batches(Path(input_path), batch_size, summary):
            rows = _score_batch(rewards, batch, summary)
            for line_no, row, scores, reasons in rows:
                recorded = row.get("rewards")
                if isinstance(recorded, dict):
                    for stats, (log_name, value) in zip(summary.rewards, scores.items()):
                        if log_name in recorded:
                            stats.compare(line_no, recorded[log_name], value)
                present = [(s, w) for s, w in zip(scores.values(), rewards.reward_weights) if s is not None]
                total_score = sum(s * w for s, w in present) if present else None
                summary.totals.append(total_score)
                line = dict(row, rewards=scores, reward=total_score)
                if reasons:
                    line["reasons"] = reasons
                sink.write(json.dumps(line) + "\n")
            if progress is not None:
                _progress(progress, batch[-1][0], total)
    if progress is not None:
        print(file=progress)
    for line_no, error in summary.bad_lines:
        print(f"line {line_no}: {error}", file=progress or sys.stderr)
    if plot is not None:
        plot_scores(summary, plot)
    return summary


def plot_scores(summary: ScoreSummary, path: str | Path) -> Path:
    """Save a histogram of each reward's scores and of the weighted total (one subplot each) to `path`.

    Uses matplotlib's Agg canvas directly (no pyplot, no global backend change); the format follows the
    suffix (`.png`, `.svg`, `.pdf`...). Raises `MissingDependencyError` when matplotlib is not installed.
    """
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [(s.log_name, s.values) for s in summary.rewards] + [("weighted total", summary.totals)]
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    for index, (title, values) in enumerate(panels):
        axes = figure.add_subplot(rows, columns, index + 1)
        present = [v for v in values if v is not None]
        missing = len(values) - len(present)
        if present:
            distinct = len(set(present))
            axes.hist(present, bins=max(1, min(30, distinct)), color="#4c72b0" if index < len(panels) - 1 else "#dd8452",
                      edgecolor="white")
            mean = sum(present) / len(present)
            axes.axvline(mean, color="black", linestyle="--", linewidth=1, label=f"mean {mean:.3g}")
            axes.legend(fontsize="small", loc="best")
        else:
            axes.text(0.5, 0.5, "no scores", ha="center", va="center", transform=axes.transAxes)
        axes.set_title(title + (f" ({missing} None)" if missing else ""), fontsize="medium")
        axes.set_xlabel("score")
        axes.set_ylabel("completions")
    figure.suptitle(f"{summary.scored} completion(s) scored")
    path = Path(path)
    figure.savefig(path, dpi=100)
    return path


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError(
            f"plotting scores (--plot) needs matplotlib, which is not installed: {PLOT_EXTRA}"
        ) from None
    return matplotlib


def _output(path: str | Path | None) -> Any:
    """The open output file (`_NoSink` without one); a directory, a missing folder or no permission is a
    `ScoreFileError` before anything is scored."""
    if path is None:
        return _NoSink()
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        problem = "it is a directory" if _is_dir(path) else exc.strerror or str(exc)
        raise ScoreFileError(
            f"cannot write the output {str(path)!r}: {problem}; give a file path in an existing folder "
            "(e.g. --output scored.jsonl)"
        ) from None


def _is_dir(path: str | Path) -> bool:
    try:
        return Path(path).is_dir()
    except OSError:  # a name too long for the file system
        return False


class _NoSink:
    """Stands in for the output file when only the summary (or a plot) is wanted."""

    def __enter__(self) -> _NoSink:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, text: str) -> int:
        return len(text)


def _same_score(recorded: Any, new: float | None) -> bool:
    if recorded is None or new is None:
        return recorded is None and new is None
    if isinstance(recorded, bool) or not isinstance(recorded, (int, float)):
        return False
    try:
        return math.isclose(recorded, new, rel_tol=1e-9, abs_tol=1e-12)
    except OverflowError:  # a recorded int beyond the float range: no score is that
        return False


def _batches(path: Path, size: int, summary: ScoreSummary) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    with path.open("rb") as lines:  # decoded line by line: one corrupt line is reported, not the whole file
        for line_no, raw in enumerate(lines, start=1):
            problem, row = _read_line(raw, line_no)
            if problem is not None:
                summary.bad_lines.append((line_no, problem))
                continue
            if row is None:  # a blank line
                continue
            batch.append((line_no, row))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def _read_line(raw: bytes, line_no: int) -> tuple[str | None, dict[str, Any] | None]:
    """(why the line is bad, None) or (None, the row); (None, None) for a blank line."""
    try:
        line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte {exc.start}: {exc.reason}); save the file as UTF-8", None
    if not line.strip():
        return None, None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"invalid JSON ({exc.msg} at column {exc.colno}); fix or remove the line", None
    except (ValueError, RecursionError) as exc:  # an integer past Python's 4,300 digits; nesting past its stack
        return f"unreadable JSON ({type(exc).__name__}: {str(exc)[:120]}); fix or remove the line", None
    if not isinstance(row, dict) or "completion" not in row:
        return "expected a JSON object with a 'completion' key (and optionally 'prompt' and dataset columns)", None
    try:
        check_depth(row, "the line", RewardInputError)
    except RewardInputError as exc:
        return f"{exc}; fix or remove the line", None
    taken = sorted(_CALL_NAMES & row_columns(row).keys())
    if taken:
        return (f"column(s) {taken} collide with the arguments every reward is called with; rename them "
                f"(reserved: {sorted(_CALL_NAMES)})"), None
    return None, row


def _score_batch(rewards: Any, batch: list[tuple[int, dict[str, Any]]], summary: ScoreSummary) -> list:
    """Score a batch with every reward; if a reward rejects the batch, score its rows one by one to find the bad ones."""
    try:
        columns = _columns([row for _, row in batch])
        results = []
        for stats, resolved in zip(summary.rewards, rewards):
            start = time.perf_counter()
            results.append(resolved.reward.score(**columns))
            stats.seconds += time.perf_counter() - start
    except RewardCoreError as exc:
        if len(batch) == 1:  # the line is bad: reported and skipped (also when it is a batch of its own)
            summary.bad_lines.append((batch[0][0], str(exc)))
            return []
        rows = []
        for item in batch:
            rows += _score_batch(rewards, [item], summary)
        return rows
    rows = []
    given = [(r.log_name, stats, result.reasons) for r, stats, result in zip(rewards, summary.rewards, results)
             if getattr(result, "reasons", None) is not None]
    for index, (line_no, row) in enumerate(batch):
        scores = {r.log_name: result[index] for r, result in zip(rewards, results)}
        for stats, value in zip(summary.rewards, scores.values()):
            stats.values.append(value)
        reasons = {}
        for log_name, stats, texts in given:
            reasons[log_name] = texts[index]
            if texts[index] is not None:
                stats.count_reason(line_no, texts[index], row["completion"])
        summary.scored += 1
        rows.append((line_no, row, scores, reasons))
    return rows


def row_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The dataset columns of one line: its `columns` object (saved completions), else its other keys (flat)."""
    columns = row.get("columns")
    if isinstance(columns, dict):
        return columns
    return {k: v for k, v in row.items() if k not in _RESERVED}


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    per_row = [row_columns(row) for row in rows]
    keys = sorted({k for cols in per_row for k in cols} - {"prompts", "completions"})
    columns: dict[str, Any] = {
        "prompts": [row.get("prompt", "") for row in rows],
        "completions": [row["completion"] for row in rows],
    }
    for key in keys:
        columns[key] = [cols.get(key) for cols in per_row]
    return columns


def _progress(out: IO[str], done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    out.write(f"\rscoring [{'#' * filled}{'.' * (width - filled)}] {done}/{total} lines")
    out.flush()


def _preview(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pearson(pairs: list[tuple[float, float]]) -> float | None:
    if len(pairs) < 2:
        return None
    xs, ys = zip(*pairs)
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    if sx == 0 or sy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pairs) / (sx * sy)
