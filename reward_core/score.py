"""`reward-core score`: score saved completions (JSONL) offline with the rewards of a spec."""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import RewardCoreError

__all__ = ["score_file", "ScoreSummary"]


@dataclass
class RewardStats:
    log_name: str
    values: list[float | None] = field(default_factory=list)
    seconds: float = 0.0

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
        if correlation:
            print("\ncorrelation (Pearson, rows where both scored):", file=out)
            for a, b, r in self.correlations():
                print(f"  {a} ~ {b}: {'undefined' if r is None else format(r, '+.3f')}", file=out)


def score_file(
    spec: Any,
    input_path: str | Path,
    output_path: str | Path,
    *,
    batch_size: int = 64,
    progress: IO[str] | None = sys.stderr,
) -> ScoreSummary:
    """Score every line of `input_path` (JSON objects with `completion`, optional `prompt` and columns).

    Writes each good line to `output_path` with `rewards` ({log name: score}) and `reward` (the weighted sum of
    the scores that are not None, as TRL computes it). A bad line (invalid JSON, no `completion`, a malformed
    completion) is reported with its line number and skipped; the others are scored.
    """
    from . import load_rewards

    rewards = load_rewards(spec)
    summary = ScoreSummary(rewards=[RewardStats(r.log_name) for r in rewards])
    with open(input_path, encoding="utf-8") as lines:
        total = sum(1 for _ in lines)
    with open(output_path, "w", encoding="utf-8") as sink:
        for batch in _batches(Path(input_path), batch_size, summary):
            rows = _score_batch(rewards, batch, summary)
            for _line_no, row, scores in rows:
                row = dict(row, rewards=scores)
                present = [(s, w) for s, w in zip(scores.values(), rewards.reward_weights) if s is not None]
                row["reward"] = sum(s * w for s, w in present) if present else None
                sink.write(json.dumps(row) + "\n")
            if progress is not None:
                _progress(progress, batch[-1][0], total)
    if progress is not None:
        print(file=progress)
    for line_no, error in summary.bad_lines:
        print(f"line {line_no}: {error}", file=progress or sys.stderr)
    return summary


def _batches(path: Path, size: int, summary: ScoreSummary) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                summary.bad_lines.append((line_no, f"invalid JSON ({exc.msg} at column {exc.colno}); fix or remove the line"))
                continue
            if not isinstance(row, dict) or "completion" not in row:
                summary.bad_lines.append((line_no, "expected a JSON object with a 'completion' key (and optionally 'prompt' and dataset columns)"))
                continue
            batch.append((line_no, row))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def _score_batch(rewards: Any, batch: list[tuple[int, dict[str, Any]]], summary: ScoreSummary) -> list:
    """Score a batch with every reward; if a reward rejects the batch, score its rows one by one to find the bad ones."""
    try:
        columns = _columns([row for _, row in batch])
        results = []
        for stats, resolved in zip(summary.rewards, rewards):
            start = time.perf_counter()
            results.append(resolved.reward.score(**columns))
            stats.seconds += time.perf_counter() - start
    except RewardCoreError:
        if len(batch) == 1:
            raise
        rows = []
        for item in batch:
            try:
                rows += _score_batch(rewards, [item], summary)
            except RewardCoreError as exc:
                summary.bad_lines.append((item[0], str(exc)))
        return rows
    rows = []
    for index, (line_no, row) in enumerate(batch):
        scores = {r.log_name: result[index] for r, result in zip(rewards, results)}
        for stats, value in zip(summary.rewards, scores.values()):
            stats.values.append(value)
        summary.scored += 1
        rows.append((line_no, row, scores))
    return rows


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = sorted({k for row in rows for k in row} - {"prompt", "completion", "rewards", "reward"})
    columns: dict[str, Any] = {
        "prompts": [row.get("prompt", "") for row in rows],
        "completions": [row["completion"] for row in rows],
    }
    for key in keys:
        columns[key] = [row.get(key) for row in rows]
    return columns


def _progress(out: IO[str], done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    out.write(f"\rscoring [{'#' * filled}{'.' * (width - filled)}] {done}/{total} lines")
    out.flush()


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
