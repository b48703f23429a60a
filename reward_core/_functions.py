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

from .reward import is_async_reward

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
