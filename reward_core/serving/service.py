"""Score batches with one loaded spec, for every protocol: the part of the server that knows no HTTP.

One `RewardService` (one instance of each reward) per server process, shared by every request, so a
reward's own limits are global to the process: a judge's `max_concurrency` semaphore lives on the server's
one event loop and bounds the requests of all clients together.

- async rewards run on the event loop, concurrently with each other and with other requests' batches;
- sync rewards run off the loop, each in its own one-thread executor: the loop keeps answering (`/healthz`)
  during a long batch, two rewards of a batch run in parallel, and a reward never runs on two threads at
  once (rewards need not be thread-safe).
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import RewardInputError
from ..reward import is_async_reward
from .errors import BadRequestError, PayloadTooLargeError

__all__ = ["RewardService", "Batch", "weighted_total", "finite_or", "DEFAULT_MAX_BATCH"]

log = logging.getLogger("reward_core.serving")

#: Completions one request may carry (`--max-batch`).
DEFAULT_MAX_BATCH = 8192


class Batch:
    """A validated batch: `completions`, `prompts` (or None) and per-row `columns`, all of one length."""

    __slots__ = ("prompts", "completions", "columns")

    def __init__(self, prompts: list | None, completions: list, columns: dict[str, Any]) -> None:
        self.prompts = prompts
        self.completions = completions
        self.columns = columns

    def __len__(self) -> int:
        return len(self.completions)


def weighted_total(scores: Sequence[Sequence[float | None]], weights: Sequence[float], n: int) -> list[float | None]:
    """The weighted sum of each row; None where any reward with a non-zero weight scored the row None."""
    total: list[float | None] = []
    for row in range(n):
        acc: float | None = 0.0
        for column, weight in zip(scores, weights):
            value = column[row]
            if weight == 0:
                continue
            if value is None:
                acc = None
                break
            acc += weight * value
        total.append(acc)
    return total


class RewardService:
    """The rewards of one spec, scored for any protocol. Built once per server process.

    `spec` is anything `load_rewards` takes, or an already `LoadedRewards`.
    """

    def __init__(self, spec: Any, *, max_batch: int = DEFAULT_MAX_BATCH, log_batches: bool = False) -> None:
        from ..spec import LoadedRewards, load_rewards

        self.loaded = spec if isinstance(spec, LoadedRewards) else load_rewards(spec)
        self.max_batch = max_batch
        self.log_batches = log_batches
        self.log_names = self.loaded.log_names
        self.weights = self.loaded.reward_weights
        self._async = [is_async_reward(r.reward) for r in self.loaded]
        self._executors = [
            None if is_async else ThreadPoolExecutor(1, thread_name_prefix=f"reward-{r.log_name}")
            for r, is_async in zip(self.loaded, self._async)
        ]
        self._manifest: dict[str, Any] | None = None
        self.in_flight = 0
        self.batches = 0
        self.rows = 0
        self.failures = 0
        self.started = time.time()

    # -- description -----------------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The spec's manifest (`LoadedRewards.manifest()`), computed once: the spec is fixed at start."""
        if self._manifest is None:
            self._manifest = self.loaded.manifest()
        return self._manifest

    def describe(self) -> dict[str, Any]:
        """`GET /v1/rewards`: the manifest (per reward: name, pinned name, log name, weight, params, on_error,
        distribution and version; the installed `packages`), plus `scoring`: per log name, whether the reward
        is async and its score range. `load_rewards` takes the answer as it is (it reads only `rewards`)."""
        scoring = {}
        for r, is_async in zip(self.loaded, self._async):
            score_range = getattr(r.reward.reward, "score_range", None)
            scoring[r.log_name] = {"async": is_async, "score_range": list(score_range) if score_range else None}
        return {**self.manifest(), "scoring": scoring}

    def stats(self) -> dict[str, Any]:
        return {"in_flight": self.in_flight, "batches": self.batches, "rows": self.rows,
                "failed_batches": self.failures, "uptime_s": round(time.time() - self.started, 3)}

    # -- validation ------------------------------------------------------------------------------------
    def batch(self, prompts: Any, completions: Any, columns: Any) -> Batch:
        """Check the shapes of a batch (raises `BadRequestError` saying what is wrong)."""
        if not isinstance(completions, list):
            raise BadRequestError(f"'completions' must be a list (one entry per completion), got {_kind(completions)}")
        n = len(completions)
        if n > self.max_batch:
            raise PayloadTooLargeError(
                f"{n} completions in one request; this server takes at most {self.max_batch} (--max-batch): "
                "split the batch"
            )
        if prompts is not None:
            if not isinstance(prompts, list) or len(prompts) != n:
                got = len(prompts) if isinstance(prompts, list) else _kind(prompts)
                raise BadRequestError(f"'prompts' must be a list with one prompt per completion ({n}), got {got}")
        if columns is None:
            columns = {}
        if not isinstance(columns, dict):
            raise BadRequestError(f"'columns' must be an object of per-row lists, got {_kind(columns)}")
        for key, value in columns.items():
            if key in ("prompts", "completions", "log_metric", "log_extra", "trainer_state"):
                raise BadRequestError(f"column name {key!r} is reserved; rename the column")
            if not isinstance(value, list) or len(value) != n:
                got = len(value) if isinstance(value, list) else _kind(value)
                raise BadRequestError(f"column {key!r} must be a list with one value per completion ({n}), got {got}")
        return Batch(prompts, completions, dict(columns))

    # -- scoring ---------------------------------------------------------------------------------------
    async def score(self, batch: Batch) -> dict[str, Any]:
        """Score `batch` with every reward: `{"rewards": {log name: [...]}, "reward": [...], "metrics": {...}}`.

        A reward's typed input error (a malformed completion) becomes `BadRequestError` (400). A reward that
        fails otherwise scores its rows None, counted in `metrics` as `<log name>/failed_rows`; the server goes on.
        """
        self.in_flight += 1
        started = time.perf_counter()
        try:
            metrics: dict[str, list[float]] = {}

            def log_metric(name: str, value: float) -> None:
                metrics.setdefault(name, []).append(float(value))

            results = await asyncio.gather(
                *(self._one(i, batch, log_metric) for i in range(len(self.log_names))), return_exceptions=True
            )
            n = len(batch)
            failed: dict[str, str] = {}
            for index, (log_name, result) in enumerate(zip(self.log_names, results)):
                if isinstance(result, RewardInputError):
                    raise BadRequestError(f"reward {log_name!r}: {result}") from result
                if isinstance(result, BaseException):
                    if not isinstance(result, Exception):
                        raise result
                    failed[log_name] = f"{type(result).__name__}: {result}"[:300]
                    log.warning("reward %r failed on a batch of %d rows: %s", log_name, n, failed[log_name])
                    results[index] = [None] * n
                    metrics.setdefault(f"{log_name}/failed_rows", []).append(float(n))
            self.batches += 1
            self.rows += n
            self.failures += bool(failed)
            if self.log_batches:
                print(f"reward-core serve: batch of {n} rows in {time.perf_counter() - started:.3f} s, "
                      f"{len(failed)} reward(s) failed{': ' + ', '.join(failed) if failed else ''}",
                      file=sys.stderr, flush=True)
            return {
                "rewards": dict(zip(self.log_names, results)),
                "reward": weighted_total(results, self.weights, n),
                "weights": dict(zip(self.log_names, self.weights)),
                "metrics": {k: sum(v) / len(v) for k, v in metrics.items() if v},
            }
        finally:
            self.in_flight -= 1

    async def _one(self, index: int, batch: Batch, log_metric: Any) -> list:
        reward = self.loaded.rewards[index].reward
        kwargs = {**batch.columns, "log_metric": log_metric}
        if self._async[index]:
            return await reward(prompts=batch.prompts, completions=batch.completions, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executors[index], lambda: reward(prompts=batch.prompts, completions=batch.completions, **kwargs)
        )

    def score_sync(self, batch: Batch) -> dict[str, Any]:
        """`score` from synchronous code (file modules run in-process, without a server)."""
        from .._sync import run_coroutine

        return run_coroutine(self.score(batch))

    def close(self) -> None:
        for executor in self._executors:
            if executor is not None:
                executor.shutdown(wait=True)


def finite_or(value: float | None, fallback: float) -> float:
    """`value`, or `fallback` when it is None (or not finite): for trainers whose reward tensors take no None."""
    if value is None or not math.isfinite(value):
        return fallback
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
