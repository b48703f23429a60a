"""Run a coroutine from synchronous code, whether or not the calling thread already runs an event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """reward-core's one persistent event loop, on a daemon thread (started on first use).

    One loop for the whole process keeps loop-bound resources (HTTP clients) valid across calls, where
    `asyncio.run` would make a new loop each time.
    """
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="reward-core-loop", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on the background loop and return its result (or raise its exception)."""
    loop = background_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        from .errors import RewardCoreError

        raise RewardCoreError(
            "reward_core: a synchronous reward call was made from inside reward-core's own event loop; "
            "await the reward instead."
        )
    return asyncio.run_coroutine_threadsafe(coro, loop).result()
