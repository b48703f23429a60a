"""What a judge reward builds when it is constructed or unpickled, and never pickles: the deepeval judge
model, the circuit breaker, the retry policy, and one `LoopState` (HTTP client, concurrency limit) per
event loop."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from typing import Any

from . import _deepeval_adapter, _http
from ._event_loop import LoopState
from ._failures import CircuitBreaker, RetryPolicy
from .config import JudgeConfig, JudgeDefinition

__all__ = ["JudgeState"]

# Sent as the API key to a server given by base_url when the key variable is unset: local servers
# (vLLM, llama.cpp, the test server) accept anything, and the OpenAI client refuses an empty key.
_PLACEHOLDER_KEY = "no-key-needed"


class JudgeState:
    """Per reward instance: the deepeval model, the breaker, the retry policy, one `LoopState` per event loop."""

    def __init__(self, config: JudgeConfig, definition: JudgeDefinition) -> None:
        self.config = config
        self.definition = definition
        self.rubric = _deepeval_adapter.make_rubric(definition.rubric)
        self.breaker = CircuitBreaker(
            threshold=config.breaker_threshold,
            min_calls=config.breaker_min_calls,
            window=config.breaker_window,
            cooldown=config.breaker_cooldown,
        )
        self.retry_policy = RetryPolicy(config.max_retries, config.backoff_base, config.backoff_max)
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopState] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        # A weak callback: no runtime <-> model cycle, so a dropped reward is freed at once and its clients
        # closed by their closers (in a garbage cycle, aiohttp's session would be finalised unclosed).
        send = weakref.WeakMethod(self.send)
        self.model = _deepeval_adapter.JudgeModel(config.model, lambda body, call: send()(body, call), config.temperature)

    def loop_state(self) -> LoopState:
        """This instance's resources on the running event loop, built on first use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._states.get(loop)
            if state is None:
                cfg = self.config
                key = os.environ.get(cfg.api_key_env) or (_PLACEHOLDER_KEY if cfg.base_url else "")
                client = _http.make_client(cfg.http_transport, cfg.base_url, key, cfg.request_timeout, cfg.max_concurrency)
                state = self._states[loop] = LoopState(client, cfg.max_concurrency)
        return state

    async def send(self, body: dict[str, Any], call: Any) -> Any:
        """One judge request on this loop's client (which times it out after request_timeout seconds)."""
        client = self.loop_state().client
        started = time.perf_counter()
        if call is not None:
            call.stats.requests += 1
        response = await client.complete(body)
        if call is not None:
            call.stats.latencies.append(time.perf_counter() - started)
        return response
