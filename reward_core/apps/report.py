"""What a training run shows and leaves behind: the reward curves, a terminal table, every scored completion.

- `plot_rewards` draws `rewards.png`: one line per reward's mean over steps (TRL logs `rewards/<log name>/mean`)
  and the weighted total (`reward`). matplotlib (Agg backend) is imported only there.
- `format_table` / `print_table`: first, last and best (max) value of each reward, with a unicode sparkline.
- `CompletionLog` wraps the reward functions given to `GRPOTrainer` and records, for each scored completion,
  the prompt, the completion, the dataset columns and exactly the scores each reward returned to TRL;
  `write_jsonl` writes them as `completions.jsonl`.

Nothing here imports torch, transformers or TRL.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "TOTAL",
    "CompletionLog",
    "RewardSummary",
    "format_table",
    "print_table",
    "plot_rewards",
    "reason_shares",
    "reward_series",
    "rise",
    "sparkline",
    "summarize",
    "write_log_history",
]

#: TRL's key for the weighted total of the rewards (the mean over the step's completions).
TOTAL = "reward"
#: Keyword arguments of a reward call that are not dataset columns.
NOT_COLUMNS = frozenset({"completion_ids", "trainer_state", "log_extra", "log_metric", "environments"})
SPARK_CHARS = "▁▂▃▄▅▆▇█"


def reward_key(log_name: str) -> str:
    """The `log_history` key TRL logs a reward's per-step mean under."""
    return f"rewards/{log_name}/mean"


def training_rows(log_history: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The per-step training rows of `trainer.state.log_history` (those holding the weighted total)."""
    return [row for row in log_history if TOTAL in row]


def reward_series(
    log_history: Sequence[Mapping[str, Any]], log_names: Sequence[str]
) -> dict[str, list[tuple[int, float | None]]]:
    """`{label: [(step, value), ...]}` for each reward's logged mean (keyed by log name) and the weighted total.

    A value is None where TRL logged none (every row of the step skipped by that reward).
    """
    rows = training_rows(log_history)
    keys = {name: reward_key(name) for name in log_names}
    keys[TOTAL] = TOTAL
    return {
        label: [(int(row.get("step", i + 1)), _number(row.get(key))) for i, row in enumerate(rows)]
        for label, key in keys.items()
    }


def rise(values: Sequence[float | None], window: int = 5) -> tuple[float | None, float | None, float | None]:
    """`(mean of the first `window` values, mean of the last `window`, last minus first)`, Nones ignored.

    Each is None when there is nothing to average.
    """
    first = _mean(values[:window])
    last = _mean(values[-window:])
    return first, last, (last - first if first is not None and last is not None else None)


def sparkline(values: Sequence[float | None], width: int = 32) -> str:
    """`values` as `▁▂▃▄▅▆▇█`, scaled from their min to their max; at most `width` characters.

    Longer series are averaged into `width` buckets; a missing value (None, NaN) is a space; a constant series
    is a flat `▄` line.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    points: list[float | None] = [_number(v) for v in values]
    if len(points) > width:
        bounds = [round(i * len(points) / width) for i in range(width + 1)]
        points = [_mean(points[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]
    present = [p for p in points if p is not None]
    if not present:
        return " " * len(points)
    low, high = min(present), max(present)
    top = len(SPARK_CHARS) - 1
    chars = []
    for p in points:
        if p is None:
            chars.append(" ")
        elif high == low:
            chars.append(SPARK_CHARS[top // 2])
        else:
            chars.append(SPARK_CHARS[round((p - low) / (high - low) * top)])
    return "".join(chars)


@dataclass(frozen=True)
class RewardSummary:
    """One row of the terminal table: a reward's (or the total's) first, last and best (max) logged value."""

    label: str
    weight: float | None
    first: float | None
    last: float | None
    best: float | None
    values: tuple[float | None, ...]


def summarize(
    log_history: Sequence[Mapping[str, Any]],
    log_names: Sequence[str],
    weights: Sequence[float] | None = None,
) -> list[RewardSummary]:
    """A `RewardSummary` per reward (in `log_names` order), then one for the weighted total."""
    series = reward_series(log_history, log_names)
    weight_of = dict(zip(log_names, weights)) if weights is not None else {}
    out = []
    for label, points in series.items():
        values = tuple(v for _, v in points)
        present = [v for v in values if v is not None]
        out.append(
            RewardSummary(
                label=label,
                weight=weight_of.get(label),
                first=next((v for v in values if v is not None), None),
                last=next((v for v in reversed(values) if v is not None), None),
                best=max(present) if present else None,
                values=values,
            )
        )
    return out


def format_table(
    log_history: Sequence[Mapping[str, Any]],
    log_names: Sequence[str],
    weights: Sequence[float] | None = None,
    *,
    window: int = 5,
    spark_width: int = 32,
) -> str:
    """The compact per-reward table: weight, first, last, best (max) and a sparkline, then the total's rise."""
    rows = summarize(log_history, log_names, weights)
    steps = len(rows[-1].values) if rows else 0
    labels = [r.label if r.label != TOTAL else "reward (weighted total)" for r in rows]
    width = max(len(label) for label in [*labels, "reward"]) + 2
    fmt = lambda v: f"{v:>8.3f}" if v is not None else f"{'-':>8}"  # noqa: E731
    lines = [
        f"rewards over {steps} logged step(s) (TRL's rewards/<name>/mean and the weighted total `reward`):",
        f"{'reward':<{width}}{'weight':>8}{'first':>8}{'last':>8}{'best':>8}  curve",
    ]
    for label, row in zip(labels, rows):
        weight = f"{row.weight:>8.2f}" if row.weight is not None else f"{'':>8}"
        lines.append(
            f"{label:<{width}}{weight}{fmt(row.first)}{fmt(row.last)}{fmt(row.best)}  "
            f"{sparkline(row.values, spark_width)}"
        )
    first, last, delta = rise(rows[-1].values, window) if rows else (None, None, None)
    if first is not None and last is not None and delta is not None:
        n = min(window, steps)
        lines.append(f"weighted total: mean of the first {n} step(s) {first:.3f}, of the last {n} {last:.3f} "
                     f"({delta:+.3f})")
    shares = reason_shares(log_history, log_names, window)
    if shares:
        lines.append(f"why: each reason's share of the completions, first {window} step(s) -> last {window}:")
        for name, codes in shares.items():
            cells = ", ".join(f"{code} {_percent(a)} -> {_percent(b)}" for code, (a, b) in codes.items())
            lines.append(f"  {name}: {cells}")
    return "\n".join(lines)


def reason_shares(
    log_history: Sequence[Mapping[str, Any]], log_names: Sequence[str], window: int = 5
) -> dict[str, dict[str, tuple[float | None, float | None]]]:
    """`{log name: {code: (mean share over the first `window` steps, over the last)}}` from the
    `<log name>/reason/<code>` metrics the guard logs; codes that never occur are left out."""
    rows = training_rows(log_history)
    out: dict[str, dict[str, tuple[float | None, float | None]]] = {}
    for name in log_names:
        prefix = f"{name}/reason/"
        codes = sorted({key[len(prefix):] for row in rows for key in row if key.startswith(prefix)})
        found = {}
        for code in codes:
            values = [_number(row.get(prefix + code)) for row in rows]
            first, last, _ = rise(values, window)
            if any(v for v in values if v):
                found[code] = (first, last)
        if found:
            out[name] = found
    return out


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def print_table(
    log_history: Sequence[Mapping[str, Any]],
    log_names: Sequence[str],
    weights: Sequence[float] | None = None,
    **options: Any,
) -> None:
    """Print `format_table` (with a blank line before it)."""
    print("\n" + format_table(log_history, log_names, weights, **options), flush=True)


def plot_rewards(
    log_history: Sequence[Mapping[str, Any]],
    log_names: Sequence[str],
    path: str | os.PathLike[str],
    *,
    weights: Sequence[float] | None = None,
    title: str | None = None,
    smooth: int | None = None,
) -> Path:
    """Draw each reward's mean and the weighted total over steps into `path` (a PNG); return the path.

    `weights` (aligned with `log_names`) are shown in the legend.
    With more than 20 steps each series is drawn faint as logged, with its moving average (`smooth` steps,
    default about a twentieth of the run) on top. Uses matplotlib's Agg backend, imported here only.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = reward_series(log_history, log_names)
    weight_of = dict(zip(log_names, weights)) if weights is not None else {}
    steps = len(series[TOTAL])
    if smooth is None:
        smooth = max(1, steps // 20) if steps > 20 else 1
    fig, ax = plt.subplots(figsize=(9, 5), dpi=100)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, points) in enumerate(series.items()):
        xs = [s for s, v in points if v is not None]
        ys = [v for _, v in points if v is not None]
        if not xs:
            continue
        total = label == TOTAL
        color = "black" if total else colors[i % len(colors)]
        name = "reward (weighted total)" if total else label
        if label in weight_of:
            name += f" (weight {weight_of[label]:g})"
        if smooth > 1:
            ax.plot(xs, ys, color=color, alpha=0.25, linewidth=1)
            ax.plot(xs, _moving_average(ys, smooth), color=color, linewidth=2.5 if total else 1.8, label=name)
        else:
            ax.plot(xs, ys, color=color, linewidth=2.5 if total else 1.5, marker="o" if steps <= 20 else None,
                    label=name)
    if title is None:
        first, last, _ = rise([v for _, v in series[TOTAL]])
        title = "GRPO rewards per step"
        if first is not None and last is not None:
            title += f": weighted total {first:.2f} → {last:.2f} (means of the first and last 5 steps)"
    ax.set_title(title)
    ax.set_xlabel("step")
    ax.set_ylabel("mean over the step's completions" + (f" (moving average of {smooth})" if smooth > 1 else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_log_history(log_history: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write TRL's `trainer.state.log_history` as JSON (NaN and inf become null); return the path."""
    path = Path(path)
    path.write_text(json.dumps([{k: _jsonable(v) for k, v in row.items()} for row in log_history], indent=2) + "\n")
    return path


class CompletionLog:
    """Every completion a run scored, with exactly the scores each reward returned to TRL.

    `wrap(reward_funcs)` returns the functions to give `GRPOTrainer`: each calls the original and records its
    output; its `__name__` is the original's, so TRL's log keys (`rewards/<name>/mean`) do not change, and it
    is `async def` when the original is, so TRL still runs it on its async path. The k-th call of every reward
    belongs to the k-th scored batch (TRL calls each reward once per batch), which is how the scores of one
    completion are matched. Rewards that are not plain callables (reward models) are passed through and their
    scores recorded as None.

    `records` holds `{"step", "prompt", "completion", "columns", "rewards", "reasons"}` per completion (`reasons`,
    `{log name: reason}`, only for rewards that give them): `step` is the
    training step the batch was generated for (TRL's `global_step` + 1 when scored, the step its metrics are
    logged under), `columns` the dataset columns TRL passed (not `completion_ids`, `trainer_state` or TRL's
    callbacks), `rewards` `{log name: score or None}`. Under several processes each one records its own shard.
    Everything held is plain data, so wrapped rewards pickle when the originals do.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.batches: list[dict[str, Any]] = []
        self._calls: list[int] = []

    def wrap(self, reward_funcs: Sequence[Any]) -> list[Any]:
        """The reward functions to pass to `GRPOTrainer`, recording into this log."""
        from ..calling import is_async_reward

        wrapped = []
        for func in reward_funcs:
            name = _callable_name(func)
            index = len(self.names)
            self.names.append(name)
            self._calls.append(0)
            if isinstance(func, str) or _is_module(func) or not callable(func):
                wrapped.append(func)
            elif is_async_reward(func):
                wrapped.append(_AsyncRecordingReward(func, name, self, index))
            else:
                wrapped.append(_RecordingReward(func, name, self, index))
        return wrapped

    def record(self, index: int, kwargs: Mapping[str, Any], scores: Any) -> None:
        """Store reward `index`'s `scores` for the batch of its next call (`kwargs` as TRL passed them)."""
        call = self._calls[index]
        self._calls[index] += 1
        while len(self.batches) <= call:
            self.batches.append({})
        batch = self.batches[call]
        if not batch:
            completions = list(kwargs.get("completions") or [])
            n = len(completions)
            prompts = kwargs.get("prompts")
            state = kwargs.get("trainer_state")
            batch["step"] = state.global_step + 1 if state is not None and hasattr(state, "global_step") else None
            batch["prompts"] = list(prompts) if isinstance(prompts, (list, tuple)) else [None] * n
            batch["completions"] = completions
            batch["columns"] = {
                key: list(value)
                for key, value in kwargs.items()
                if key not in NOT_COLUMNS and key not in ("prompts", "completions")
                and isinstance(value, (list, tuple)) and len(value) == n
            }
            batch["scores"] = {}
            batch["reasons"] = {}
        batch["scores"][self.names[index]] = list(scores) if isinstance(scores, (list, tuple)) else scores
        reasons = getattr(scores, "reasons", None)
        if isinstance(reasons, list):
            batch["reasons"][self.names[index]] = reasons

    @property
    def records(self) -> list[dict[str, Any]]:
        """One `{"step", "prompt", "completion", "columns", "rewards"}` per recorded completion, in order."""
        out = []
        for batch in self.batches:
            if not batch:
                continue
            for i, completion in enumerate(batch["completions"]):
                rewards = {}
                for name in self.names:
                    scores = batch["scores"].get(name)
                    rewards[name] = _score(scores[i]) if isinstance(scores, list) and i < len(scores) else None
                record = {
                    "step": batch["step"],
                    "prompt": batch["prompts"][i],
                    "completion": completion,
                    "columns": {key: values[i] for key, values in batch["columns"].items()},
                    "rewards": rewards,
                }
                reasons = {name: texts[i] for name, texts in batch["reasons"].items() if i < len(texts)}
                if reasons:
                    record["reasons"] = reasons
                out.append(record)
        return out

    @staticmethod
    def write_jsonl(records: Iterable[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
        """Write `records` one JSON object a line; return the path."""
        path = Path(path)
        with path.open("w", encoding="utf-8") as sink:
            for record in records:
                sink.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        return path


class _RecordingReward:
    """A reward function that records what it returns into a `CompletionLog` (see `CompletionLog.wrap`)."""

    def __init__(self, reward: Callable[..., Any], name: str, log: CompletionLog, index: int) -> None:
        self.reward = reward
        self.log = log
        self.index = index
        self.__name__ = name
        self.__doc__ = getattr(reward, "__doc__", None)

    def __call__(self, prompts: Any = None, completions: Any = None, **kwargs: Any) -> Any:
        scores = self.reward(prompts=prompts, completions=completions, **kwargs)
        self.log.record(self.index, {"prompts": prompts, "completions": completions, **kwargs}, scores)
        return scores

    def __repr__(self) -> str:
        return f"<recording {self.reward!r}>"


class _AsyncRecordingReward(_RecordingReward):
    """`_RecordingReward` for an `async def` reward (TRL gathers these on its event-loop thread)."""

    async def __call__(self, prompts: Any = None, completions: Any = None, **kwargs: Any) -> Any:
        scores = await self.reward(prompts=prompts, completions=completions, **kwargs)
        self.log.record(self.index, {"prompts": prompts, "completions": completions, **kwargs}, scores)
        return scores


def _callable_name(func: Any) -> str:
    import functools

    inner = func
    while isinstance(inner, functools.partial):
        inner = inner.func
    return getattr(inner, "__name__", type(inner).__name__)


def _is_module(func: Any) -> bool:
    import sys

    nn = sys.modules.get("torch.nn")
    return nn is not None and isinstance(func, nn.Module)


def _score(value: Any) -> float | int | None:
    if value is None or type(value) in (float, int):
        return value
    number = _number(value)
    return number


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None and math.isfinite(v)]
    return sum(present) / len(present) if present else None


def _moving_average(values: Sequence[float], window: int) -> list[float]:
    """Trailing mean over up to `window` values (shorter at the start), one per value."""
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out
