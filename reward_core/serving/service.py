"""Score batches with one loaded spec, for every protocol: the part of the server that knows no HTTP.

One `RewardService` (one instance of each reward) per server process, shared by every request, so a
reward's own limits are global to the process: a judge's `max_concurrency` semaphore lives on the server's
one event loop and bounds the requests of all clients together.

- async rewards run on the event loop, concurrently with each other and with other requests' batches;
- sync rewards run off the loop, each on its own daemon thread (`RewardThread`): the loop keeps answering
  (`/healthz`) during a long batch, two rewards of a batch run in parallel, and a reward never runs on two
  threads at once (rewards need not be thread-safe).

A reward is contained: whatever it raises, `BaseException` included (`SystemExit`, `KeyboardInterrupt`),
fails that reward's rows (None, counted as `<log name>/failed_rows`), never the process or the other
rewards. Each reward's part of a batch has a deadline (`reward_timeout`, counted from the batch's arrival):
an async reward is cancelled at it; a sync reward's thread cannot be interrupted, so its rows fail, the
batches queued behind it are dropped from its queue, and, while the call goes on past the deadline, the
reward is *stuck*: its next batches fail at once and `stuck()` names it (`/healthz` answers 503), until the
call returns. Metrics are finite or dropped (counted as `<log name>/dropped_metrics`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import queue
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from ..calling import is_async_reward, run_coroutine
from ..errors import RewardInputError
from ..resolve import LoadedRewards, load_rewards
from .errors import BadRequestError, PayloadTooLargeError

__all__ = ["RewardService", "Batch", "RewardThread", "RewardAborted", "weighted_total", "finite_or",
           "DEFAULT_MAX_BATCH", "DEFAULT_REWARD_TIMEOUT", "RESERVED_COLUMNS"]

log = logging.getLogger("reward_core.serving")

#: Completions one request may carry (`--max-batch`).
DEFAULT_MAX_BATCH = 8192
#: Seconds a reward may take over its part of one batch (`--reward-timeout`).
DEFAULT_REWARD_TIMEOUT = 600.0
#: Column names a request may not use: the reward's own arguments (`self` would collide with a bound method's).
RESERVED_COLUMNS = frozenset({"prompts", "completions", "log_metric", "log_extra", "trainer_state", "self", "cls"})


class RewardAborted(Exception):
    """A reward raised something that is not an `Exception` (`SystemExit`, `KeyboardInterrupt`), or ran past
    its deadline; its rows fail, the server goes on."""


class RewardThread:
    """The one daemon thread of a sync reward: calls run one at a time, in order of submission.

    A call still queued when its future is cancelled never runs. A daemon thread, unlike an executor's, does
    not hold the process at exit when a call never returns.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.busy_since: float | None = None  # time.monotonic() when the running call started
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, call: Callable[[], Any]) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._calls.put((future, call))
        return future

    def _run(self) -> None:
        while True:
            item = self._calls.get()
            if item is None:
                return
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue
            self.busy_since = time.monotonic()
            try:
                result = call()
            except Exception as exc:
                future.set_exception(exc)
            except BaseException as exc:  # SystemExit, KeyboardInterrupt: this reward's failure, not the process's
                future.set_exception(_aborted(exc))
            else:
                future.set_result(result)
            finally:
                self.busy_since = None
                del future, call, item

    def running_for(self) -> float:
        """Seconds the current call has run (0 when idle)."""
        since = self.busy_since
        return 0.0 if since is None else time.monotonic() - since

    def stop(self) -> None:
        """Let the thread end once its queue is done (a stuck call keeps it, harmlessly, until exit)."""
        self._calls.put(None)


def _aborted(exc: BaseException) -> RewardAborted:
    error = RewardAborted(f"the reward raised {type(exc).__name__}({', '.join(map(repr, exc.args))})")
    error.__cause__ = exc
    return error


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

    def __init__(self, spec: Any, *, max_batch: int = DEFAULT_MAX_BATCH, log_batches: bool = False,
                 reward_timeout: float = DEFAULT_REWARD_TIMEOUT) -> None:
        self.loaded = spec if isinstance(spec, LoadedRewards) else load_rewards(spec)
        self.max_batch = max_batch
        self.log_batches = log_batches
        self.reward_timeout = float(reward_timeout)
        self.log_names = self.loaded.log_names
        self.weights = self.loaded.reward_weights
        self._async = [is_async_reward(r.reward) for r in self.loaded]
        self._threads = [
            None if is_async else RewardThread(f"reward-{r.log_name}")
            for r, is_async in zip(self.loaded, self._async)
        ]
        self._manifest: dict[str, Any] | None = None
        self.in_flight = 0
        self.batches = 0
        self.rows = 0
        self.failures = 0
        self.cancelled = 0
        self.timed_out = 0
        self.dropped_metrics = 0
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
        is async, its score range and its reason codes. `load_rewards` takes the answer as it is (it reads only `rewards`).

        Credentials are not served: a param named like a secret (`api_key`, `token`, `password`, ...), the
        user and password of a URL and a URL's query values named so are replaced by `***`."""
        scoring = {}
        for r, is_async in zip(self.loaded, self._async):
            score_range = getattr(r.reward.reward, "score_range", None)
            scoring[r.log_name] = {"async": is_async, "score_range": list(score_range) if score_range else None,
                                   "reason_codes": dict(getattr(r.reward, "reason_codes", None) or {})}
        manifest = self.manifest()
        rewards = [{**r, "params": _redacted(r.get("params"))} if isinstance(r, dict) else r
                   for r in manifest.get("rewards", [])]
        return {**manifest, "rewards": rewards, "scoring": scoring}

    def stats(self) -> dict[str, Any]:
        return {"in_flight": self.in_flight, "batches": self.batches, "rows": self.rows,
                "failed_batches": self.failures, "cancelled_batches": self.cancelled,
                "timed_out_rewards": self.timed_out, "dropped_metrics": self.dropped_metrics,
                "stuck_rewards": self.stuck(), "uptime_s": round(time.time() - self.started, 3)}

    def stuck(self) -> list[str]:
        """Log names of the sync rewards whose thread has run one call past `reward_timeout`."""
        return [name for name, thread in zip(self.log_names, self._threads)
                if thread is not None and thread.running_for() > self.reward_timeout]

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
            if key in RESERVED_COLUMNS:
                raise BadRequestError(f"column name {key!r} is reserved (the rewards' own arguments: "
                                      f"{', '.join(sorted(RESERVED_COLUMNS))}); rename the column")
            if not isinstance(value, list) or len(value) != n:
                got = len(value) if isinstance(value, list) else _kind(value)
                raise BadRequestError(f"column {key!r} must be a list with one value per completion ({n}), got {got}")
        return Batch(prompts, completions, dict(columns))

    # -- scoring ---------------------------------------------------------------------------------------
    async def score(self, batch: Batch) -> dict[str, Any]:
        """Score `batch` with every reward: `{"rewards": {log name: [...]}, "reward": [...], "metrics": {...},
        "reasons": {log name: [...]}}` (reasons of the rewards that give them, and `failed` rows).

        A reward's typed input error (a malformed completion) becomes `BadRequestError` (400). A reward that
        fails otherwise, or runs past its deadline, scores its rows None, counted in `metrics` as
        `<log name>/failed_rows`; the server goes on.
        """
        self.in_flight += 1
        started = time.perf_counter()
        deadline = time.monotonic() + self.reward_timeout
        try:
            logged = [_Metrics() for _ in self.log_names]
            results = await asyncio.gather(
                *(self._one(i, batch, logged[i].log, deadline) for i in range(len(self.log_names))),
                return_exceptions=True,
            )
            n = len(batch)
            metrics: dict[str, float] = {}
            failed: dict[str, str] = {}
            reasons: dict[str, list] = {}
            for index, (log_name, result) in enumerate(zip(self.log_names, results)):
                if isinstance(result, RewardInputError):
                    raise BadRequestError(f"reward {log_name!r}: {result}") from result
                if isinstance(result, asyncio.CancelledError):
                    raise result
                if isinstance(result, BaseException):
                    failed[log_name] = f"{type(result).__name__}: {result}"[:300]
                    log.warning("reward %r failed on a batch of %d rows: %s", log_name, n, failed[log_name])
                    results[index] = [None] * n
                    reasons[log_name] = [f"failed: {type(result).__name__}"] * n
                    metrics[f"{log_name}/failed_rows"] = float(n)
                elif getattr(result, "reasons", None) is not None:
                    reasons[log_name] = result.reasons
                means, dropped = logged[index].means()
                metrics.update(means)
                if dropped:
                    self.dropped_metrics += dropped
                    metrics[f"{log_name}/dropped_metrics"] = float(dropped)
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
                "metrics": metrics,
                "reasons": reasons,
            }
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1

    async def _one(self, index: int, batch: Batch, log_metric: Callable[[str, float], None], deadline: float) -> list:
        reward = self.loaded.rewards[index].reward
        log_name = self.log_names[index]
        kwargs = {**batch.columns, "log_metric": log_metric}
        timeout = max(0.0, deadline - time.monotonic())
        late = RewardAborted(f"the reward ran past its deadline of {self.reward_timeout:g} s (--reward-timeout)")
        if self._async[index]:
            async def contained() -> list:
                try:
                    return await reward(prompts=batch.prompts, completions=batch.completions, **kwargs)
                except (Exception, asyncio.CancelledError):
                    raise
                except BaseException as exc:  # SystemExit, KeyboardInterrupt: raised out of a task, they end the loop
                    raise _aborted(exc) from None

            try:
                return await asyncio.wait_for(contained(), timeout)
            except asyncio.TimeoutError:
                self.timed_out += 1
                raise late from None
        thread = self._threads[index]
        assert thread is not None
        if thread.running_for() > self.reward_timeout:
            raise RewardAborted(f"the reward's thread has been stuck in one call for {thread.running_for():.0f} s "
                                "(over --reward-timeout); restart the server")
        future = thread.submit(lambda: reward(prompts=batch.prompts, completions=batch.completions, **kwargs))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except asyncio.TimeoutError:
            self.timed_out += 1
            log.error("reward %r ran past --reward-timeout (%g s)%s", log_name, self.reward_timeout,
                      "; its thread is still in the call: /healthz reports it stuck until it returns"
                      if thread.running_for() else "")
            raise late from None

    def score_sync(self, batch: Batch) -> dict[str, Any]:
        """`score` from synchronous code (file modules run in-process, without a server)."""
        return run_coroutine(self.score(batch))

    def close(self) -> None:
        for thread in self._threads:
            if thread is not None:
                thread.stop()


class _Metrics:
    """What one reward logged on one batch (`log_metric`): finite values kept, anything else counted."""

    __slots__ = ("values", "dropped")

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}
        self.dropped = 0

    def log(self, name: str, value: float) -> None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if math.isfinite(number) and isinstance(name, str):
            self.values.setdefault(name, []).append(number)
        else:
            self.dropped += 1

    def means(self) -> tuple[dict[str, float], int]:
        """The mean of each metric, and how many values were dropped (a mean that overflows counts as one)."""
        means, dropped = {}, self.dropped
        for name, values in self.values.items():
            mean = sum(values) / len(values)
            if math.isfinite(mean):
                means[name] = mean
            else:
                dropped += 1
        return means, dropped


_SECRET = re.compile(r"(?:^|[_\-.])(?:api_?key|key|token|secret|password|passwd|credentials?|auth|authorization|"
                     r"signature|sig)$", re.IGNORECASE)
REDACTED = "***"


def _redacted(value: Any, name: str = "") -> Any:
    """`value` (a reward's params) with its credentials replaced by `***` (see `RewardService.describe`)."""
    if isinstance(value, dict):
        return {k: _redacted(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, name) for v in value]
    if not isinstance(value, str):
        return value
    if name and _SECRET.search(name) and value:
        return REDACTED
    if "://" not in value:
        return value
    try:
        parts = urllib.parse.urlsplit(value)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
        query = urllib.parse.urlencode(
            [(k, REDACTED if _SECRET.search(k) else v) for k, v in urllib.parse.parse_qsl(parts.query, True)],
            safe="*") if parts.query else ""
    except ValueError:
        return REDACTED
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def finite_or(value: float | None, fallback: float) -> float:
    """`value`, or `fallback` when it is None (or not finite): for trainers whose reward tensors take no None."""
    if value is None or not math.isfinite(value):
        return fallback
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
