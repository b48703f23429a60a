"""Plain functions made by `as_fn()`, pickled by reference to this module.

A closure cannot be pickled: pickle stores functions as `module.qualname`. So each function made here is
stored in this module under a name that *is* the pickled reward (base64), and the module's `__getattr__`
rebuilds the function from that name in a process that has never seen it.
"""

from __future__ import annotations

import base64
import pickle
from collections.abc import Callable
from typing import Any

_PREFIX = "reward_fn_"


def reward_function(reward: Any, name: str, doc: str | None, is_async: bool) -> Callable[..., Any]:
    """A plain (possibly async) function calling `reward`, picklable whenever `reward` is."""
    try:
        key = _PREFIX + base64.urlsafe_b64encode(pickle.dumps(reward, pickle.HIGHEST_PROTOCOL)).decode("ascii")
    except Exception:  # an unpicklable reward still gets a plain function; only pickling it will fail
        key = None
    existing = globals().get(key) if key else None
    if existing is not None:
        return existing
    function = _build(reward, is_async)
    function.__name__ = name
    function.__doc__ = doc
    if key:
        function.__qualname__ = key
        globals()[key] = function
    return function


def _build(reward: Any, is_async: bool) -> Callable[..., Any]:
    if is_async:

        async def call_async_reward(prompts: list, completions: list, **kwargs: Any) -> Any:
            return await reward(prompts, completions, **kwargs)

        return call_async_reward

    def call_reward(prompts: list, completions: list, **kwargs: Any) -> Any:
        return reward(prompts, completions, **kwargs)

    return call_reward


def __getattr__(key: str) -> Callable[..., Any]:
    # Called by pickle in a process where the function does not exist yet.
    if not key.startswith(_PREFIX):
        raise AttributeError(key)
    from .reward import is_async_reward

    reward = pickle.loads(base64.urlsafe_b64decode(key[len(_PREFIX) :]))
    function = _build(reward, is_async_reward(reward))
    function.__name__ = getattr(reward, "__name__", type(reward).__name__)
    function.__doc__ = getattr(reward, "__doc__", None)
    function.__qualname__ = key
    globals()[key] = function
    return function
