"""Failure handling for judge calls: backoff delays, a circuit breaker and per-batch statistics."""

from __future__ import annotations

import collections
import dataclasses
import random
import threading
import time

__all__ = ["CircuitBreaker", "BatchStats", "backoff_delay"]


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
