"""How any reward is called: sync or async, from sync code, and as a plain picklable function.

- `is_async_reward(reward)`: whether calling it returns a coroutine, as TRL tests it;
- `call_reward(reward, prompts, completions, **kwargs)`: what it returns, from synchronous code; an async reward
  runs on reward-core's one background event loop (`run_coroutine`), so this works in scripts and in
  notebooks that already run a loop;
- `reward_function(reward)`: the reward as a plain function (what `as_fn()` returns) that pickles by reference
  to this module. A closure cannot be pickled (pickle stores a function as `module.qualname`), so each such
  function is stored here under a name that *is* the pickled reward (base64), and the module's `__getattr__`
  rebuilds it from that name in a process that has never seen it.

asyncio and threading load only when an async reward is first run from sync code.
"""

from __future__ import annotations

import base64
import inspect
import pickle
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import RewardCoreError

if TYPE_CHECKING:
    import asyncio

__all__ = ["is_async_reward", "call_reward", "reward_function", "run_coroutine", "background_loop"]

T = TypeVar("T")


def is_async_reward(reward: Any) -> bool:
    """True when calling `reward` returns a coroutine (an `async def` function or `__call__`), as TRL tests it."""
    return inspect.iscoroutinefunction(reward) or inspect.iscoroutinefunction(getattr(reward, "__call__", None))


def call_reward(reward: Any, prompts: list | None, completions: list, **kwargs: Any) -> Any:
    """What `reward` returns, called from synchronous code with keyword arguments as TRL calls it.

    An async reward (`is_async_reward`) runs to completion on reward-core's background event loop
    (`run_coroutine`). The `score` method of every reward, guarded or not, is this.
    """
    if is_async_reward(reward):
        return run_coroutine(reward(prompts=prompts, completions=completions, **kwargs))
    return reward(prompts=prompts, completions=completions, **kwargs)


# -- plain, picklable functions (`as_fn()`) ---------------------------------------------------------------

_PREFIX = "reward_fn_"


def reward_function(reward: Any) -> Callable[..., Any]:
    """A plain function calling `reward`, with its `__name__` and `__doc__`, async when it is; picklable
    whenever `reward` is."""
    try:
        key = _PREFIX + base64.urlsafe_b64encode(pickle.dumps(reward, pickle.HIGHEST_PROTOCOL)).decode("ascii")
    except Exception:  # an unpicklable reward still gets a plain function; only pickling it will fail
        return _build(reward)
    return globals().get(key) or _register(key, reward)


def __getattr__(key: str) -> Callable[..., Any]:
    # Called by pickle in a process where the function does not exist yet.
    if not key.startswith(_PREFIX):
        raise AttributeError(key)
    return _register(key, pickle.loads(base64.urlsafe_b64decode(key[len(_PREFIX) :])))


def _register(key: str, reward: Any) -> Callable[..., Any]:
    function = _build(reward)
    function.__qualname__ = key
    globals()[key] = function
    return function


def _build(reward: Any) -> Callable[..., Any]:
    if is_async_reward(reward):

        async def call_async_reward(prompts: list, completions: list, **kwargs: Any) -> Any:
            return await reward(prompts, completions, **kwargs)

        function: Callable[..., Any] = call_async_reward
    else:

        def call_reward(prompts: list, completions: list, **kwargs: Any) -> Any:
            return reward(prompts, completions, **kwargs)

        function = call_reward
    function.__name__ = getattr(reward, "__name__", type(reward).__name__)
    function.__doc__ = getattr(reward, "__doc__", None)
    return function


# -- one background event loop for sync callers ------------------------------------------------------------

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """reward-core's one persistent event loop, on a daemon thread (started on first use).

    One loop for the whole process keeps loop-bound resources (HTTP clients) valid across calls, where
    `asyncio.run` would make a new loop each time.
    """
    import asyncio  # deferred: asyncio costs more to import than the rest of the contract

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
    import asyncio

    loop = background_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise RewardCoreError(
            "reward_core: a synchronous reward call was made from inside reward-core's own event loop; "
            "await the reward instead."
        )
    return asyncio.run_coroutine_threadsafe(coro, loop).result()
