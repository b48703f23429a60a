"""Retries and failure handling for judge calls, in one place: the retry policy and the loop that applies it
(`call_judge`: a concurrency slot per attempt, backoff between attempts, the circuit breaker around the
whole), backoff delays, the circuit breaker, and per-batch statistics.

The retry loop is a plain loop, not tenacity: tenacity's `AsyncRetrying` spends more CPU per call than this
loop, on the path every row takes (see "Retries" in the README).
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import random
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["RetryPolicy", "call_judge", "CircuitBreaker", "BatchStats", "backoff_delay"]


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based).

    A uniform draw between half the exponential bound and the bound (jitter) spreads retries from many rows
    and ranks, so they do not hit a recovering judge in lockstep. A server's `Retry-After` is honoured,
    capped at `cap`.
    """
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, cap)
    bound = min(cap, base * (2**attempt))
    return random.uniform(bound / 2, bound)


class CircuitBreaker:
    """Stops calling a judge that keeps failing, and probes it again after a cool-down.

    Closed: calls pass; the outcomes of the last `window` rows are kept. When at least `min_calls` are
    known and the failed fraction reaches `threshold`, it opens. Open: calls fail fast until `cooldown`
    seconds pass. Then one probe call is let through (half-open): success closes it, failure reopens it.

    Thread-safe: one reward instance may be used from several event loops.
    """

    def __init__(self, *, threshold: float, min_calls: int, window: int, cooldown: float) -> None:
        self.threshold = threshold
        self.min_calls = min_calls
        self.cooldown = cooldown
        self._outcomes: collections.deque[bool] = collections.deque(maxlen=max(window, min_calls))
        self._failures = 0  # False entries in _outcomes, kept as they come and go (count() is O(window))
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._probing = False
        self._probe_at = 0.0
        self.times_opened = 0

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if time.monotonic() - self._opened_at >= self.cooldown:
                return "half-open"
            return "open"

    def allow(self) -> str | None:
        """A ticket to call the judge now: ``"call"`` (closed), ``"probe"`` (half-open), or None (fail fast).

        In half-open state only the first caller gets the probe ticket; pass the ticket to `record`.
        """
        with self._lock:
            if self._opened_at is None:
                return "call"
            now = time.monotonic()
            if now - self._opened_at < self.cooldown:
                return None
            # A probe that never reported (cancelled by a batch deadline) must not block probing forever.
            if self._probing and now - self._probe_at < self.cooldown:
                return None
            self._probing = True
            self._probe_at = now
            return "probe"

    def record(self, ok: bool, ticket: str = "call") -> None:
        """Record a row's final outcome (after its retries), with the ticket `allow` gave it."""
        with self._lock:
            if ticket == "probe":
                self._probing = False
                if ok:
                    self._opened_at = None
                    self._outcomes.clear()
                    self._failures = 0
                else:
                    self._opened_at = time.monotonic()
                return
            if self._opened_at is not None:  # rows that started before it opened do not count
                return
            outcomes = self._outcomes
            if len(outcomes) == outcomes.maxlen and not outcomes[0]:
                self._failures -= 1  # the oldest outcome, a failure, drops out of the window
            outcomes.append(ok)
            self._failures += not ok
            if len(outcomes) >= self.min_calls and self._failures / len(outcomes) >= self.threshold:
                self._opened_at = time.monotonic()
                self.times_opened += 1


@dataclasses.dataclass
class BatchStats:
    """What happened while scoring one batch; reported through TRL's `log_metric`."""

    rows: int = 0
    unique: int = 0
    requests: int = 0
    retries: int = 0
    failures: int = 0
    short_circuited: int = 0
    deadline_exceeded: int = 0
    clamped: int = 0
    truncated: int = 0
    skipped: int = 0
    latencies: list[float] = dataclasses.field(default_factory=list)
    errors: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    first_error: str | None = None

    def failed(self, kind: str, message: str) -> None:
        self.errors[kind] += 1
        if self.first_error is None:
            self.first_error = f"{kind}: {message}"

    def metrics(self, breaker_state: str) -> dict[str, float]:
        lat = self.latencies
        return {
            "requests": self.requests,
            "retries": self.retries,
            "failures": self.failures,
            "short_circuited": self.short_circuited,
            "deadline_exceeded": self.deadline_exceeded,
            "duplicates": self.rows - self.unique,
            "clamped": self.clamped,
            "truncated": self.truncated,
            "skipped": self.skipped,
            "breaker_open": 0.0 if breaker_state == "closed" else 1.0,
            "latency_mean_s": sum(lat) / len(lat) if lat else 0.0,
            "latency_max_s": max(lat) if lat else 0.0,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry one judge call (the reward's `max_retries`, `backoff_*` params)."""

    max_retries: int
    backoff_base: float
    backoff_max: float


async def call_judge(
    call: Callable[[], Awaitable[Any]],
    *,
    semaphore: asyncio.Semaphore,
    breaker: CircuitBreaker,
    policy: RetryPolicy,
    stats: BatchStats,
) -> tuple[bool, Any]:
    """Run `call` under `semaphore`, retried per `policy`, behind `breaker`: (ok, value).

    Judge failures are counted in `stats` and end as ``(False, None)``; cancellation propagates.
    Retried: the failures `_http.classify` calls retryable, while the breaker stays closed, waiting
    `backoff_delay` (or the judge's Retry-After) between attempts without holding a slot. A half-open
    breaker's probe is never retried.
    """
    from ._http import classify  # aiohttp and openai load with the first judge call, not with the statistics

    ticket = breaker.allow()
    if ticket is None:
        stats.short_circuited += 1
        stats.failed("breaker_open", "the circuit breaker is open; the judge is failing")
        return False, None
    attempt = 0
    while True:
        # A slot covers the whole attempt, deepeval's prompt and parsing included: with the slot taken
        # only around the request, every queued row would build its prompt up front, delaying the replies.
        async with semaphore:
            try:
                value = await call()
            except Exception as exc:  # every judge failure is handled here; CancelledError passes
                # Classified inside the handler, so no local outlives it: an exception kept in this
                # frame would form a cycle with its traceback, keeping the reward (and its open HTTP
                # session) alive until the cyclic GC finalises the session unclosed.
                kind, retryable, after = classify(exc)
                stats.failed(kind, f"{type(exc).__name__}: {exc}")
            else:
                breaker.record(True, ticket)
                return True, value
        if not retryable or attempt >= policy.max_retries or ticket == "probe" or breaker.state != "closed":
            breaker.record(False, ticket)
            return False, None
        stats.retries += 1
        await asyncio.sleep(backoff_delay(attempt, policy.backoff_base, policy.backoff_max, after))
        attempt += 1
