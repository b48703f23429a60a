"""One judge call with its retry policy: a concurrency slot per attempt, backoff between attempts, and the
circuit breaker around the whole.

A plain loop, not tenacity: tenacity's `AsyncRetrying` spends more CPU per call than this loop, on the
path every row takes (see "Retries" in the README).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from ._http import classify
from ._resilience import BatchStats, CircuitBreaker, backoff_delay

__all__ = ["RetryPolicy", "call_judge"]


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
