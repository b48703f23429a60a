"""Resources bound to one event loop (`LoopState`), and closing their HTTP client on that loop.

An HTTP client belongs to the loop it was built on, and aiohttp logs an error for a session never closed.
So each client is closed on its own loop: when its `LoopState` is dropped (the reward is garbage-collected),
when the loop shuts down (`asyncio.run`), or at interpreter exit for loops still running on other threads.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time
import weakref
from collections.abc import AsyncGenerator
from typing import Any

__all__ = ["LoopState"]

log = logging.getLogger(__name__)

# Seconds given at interpreter exit to close the clients still open.
_EXIT_GRACE_S = 2.0


class LoopState:
    """The HTTP client, the concurrency limit and the steps lock of one reward instance on one event loop.

    Build it on that loop's thread, while the loop runs.
    """

    def __init__(self, client: Any, concurrency: int) -> None:
        self.client = client
        self.semaphore = asyncio.Semaphore(concurrency)
        self.steps_lock = asyncio.Lock()
        # A suspended async generator owning the client: the running loop registers it on its first
        # step, closes it in shutdown_asyncgens(), and schedules its aclose() when it is collected.
        self._closer = _close_on_exit(client)
        try:
            self._closer.asend(None).send(None)
        except StopIteration:
            pass
        self.loop = weakref.ref(asyncio.get_running_loop())  # weak: states live as long as their loop
        _LIVE_STATES.add(self)

    async def aclose(self) -> None:
        """Close the client now (on this state's loop)."""
        await self._closer.aclose()


async def _close_on_exit(client: Any) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        closed = threading.Event()
        _CLOSING.add(closed)
        try:
            await client.close()
        except Exception:  # closing must never fail a batch or a shutdown
            log.debug("closing the judge client failed", exc_info=True)
        finally:
            closed.set()
            _CLOSING.discard(closed)


#: Loop states not yet collected, and client closes in progress: both are finished at interpreter exit.
_LIVE_STATES: weakref.WeakSet[LoopState] = weakref.WeakSet()
_CLOSING: set[threading.Event] = set()


@atexit.register
def _close_clients_at_exit() -> None:
    # A reward alive (or just dropped) at exit, on reward-core's background loop or a trainer's loop
    # thread: those loops still run (daemon threads), so finish closing its clients there rather than
    # leave live connections to the interpreter's teardown.
    for state in list(_LIVE_STATES):
        loop = state.loop()
        if loop is None or loop.is_closed() or not loop.is_running():
            continue
        try:
            if asyncio.get_running_loop() is loop:
                continue
        except RuntimeError:
            pass
        try:
            asyncio.run_coroutine_threadsafe(state.aclose(), loop).result(timeout=_EXIT_GRACE_S)
        except Exception:
            pass
    deadline = time.monotonic() + _EXIT_GRACE_S
    for closing in list(_CLOSING):
        closing.wait(max(0.0, deadline - time.monotonic()))
