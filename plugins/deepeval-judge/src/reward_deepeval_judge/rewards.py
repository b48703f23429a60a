"""LLM-judge rewards through deepeval's GEval: concurrent, fault-tolerant and injection-resistant.

This module imports neither deepeval nor openai at import time: both load when a judge reward is
constructed (deepeval's import takes seconds).
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import logging
import os
import threading
import time
import urllib.parse
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar

from reward_core import BaseReward, RewardConfig, completion_text, param, prompt_text
from reward_core.errors import InvalidParamsError, RewardInputError

from ._resilience import BatchStats, CircuitBreaker, backoff_delay
from ._sanitize import new_delimiters, strip_markers, truncate, wrap

__all__ = [
    "JudgeConfig",
    "GEvalConfig",
    "GEvalReward",
    "GEvalRAGReward",
    "AnswerRelevancyReward",
    "CustomGEvalReward",
    "FIELD_NAMES",
]

log = logging.getLogger(__name__)

#: Test-case fields a judge can evaluate, and where each row's value comes from.
FIELD_NAMES = ("input", "actual_output", "expected_output", "context", "retrieval_context")

# Sent as the API key to a server given by base_url when the key variable is unset: local servers
# (vLLM, llama.cpp, the test server) accept anything, and the OpenAI client refuses an empty key.
_PLACEHOLDER_KEY = "no-key-needed"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class JudgeConfig(RewardConfig):
    """Endpoint, concurrency and failure policy shared by every judge reward."""

    name: str = "judge.reward"
    base_url: str | None = param(
        None,
        doc="OpenAI-compatible endpoint, e.g. 'http://localhost:8000/v1' (vLLM); None uses OpenAI's API "
        "(or OPENAI_BASE_URL).",
    )
    model: str = param("gpt-4.1-mini", doc="Judge model name sent with each request.")
    api_key_env: str = param(
        "OPENAI_API_KEY",
        doc="Environment variable holding the API key. Unset is fine when base_url is set (a placeholder "
        "key is sent); without base_url it is an error.",
    )
    request_timeout: float = param(30.0, doc="Seconds one judge request may take before it is retried.", ge=0.001)
    max_concurrency: int = param(16, doc="Judge requests in flight at once, per reward instance and event loop.", ge=1)
    max_retries: int = param(3, doc="Retries per row on 429, 5xx, timeouts, connection errors or unusable answers.", ge=0)
    backoff_base: float = param(0.5, doc="First backoff delay in seconds; doubles per retry, with full jitter.", ge=0)
    backoff_max: float = param(30.0, doc="Longest wait before a retry, Retry-After included.", ge=0)
    batch_timeout: float | None = param(
        300.0, doc="Deadline in seconds for a whole batch; rows not judged by then get the fallback. None: no deadline.", ge=0.001
    )
    fallback_score: float | None = param(
        None, doc="Score of a row the judge could not score; None makes TRL skip the row.", ge=0.0, le=1.0
    )
    breaker_threshold: float = param(0.5, doc="Failed fraction of recent rows that opens the circuit breaker.", ge=0.0, le=1.0)
    breaker_min_calls: int = param(8, doc="Rows observed before the breaker may open.", ge=1)
    breaker_window: int = param(32, doc="How many recent rows the breaker looks at.", ge=1)
    breaker_cooldown: float = param(30.0, doc="Seconds the open breaker fails fast before probing the judge again.", ge=0)
    max_completion_chars: int = param(12000, doc="Completions longer than this are truncated before judging (0: never).", ge=0)
    spotlight: bool = param(
        True,
        doc="Wrap the completion in random delimiters and tell the judge, in a system message, to treat it "
        "as data (prompt-injection defence). Turn off only to measure its effect.",
    )
    http_transport: str = param(
        "aiohttp",
        doc="HTTP client of the judge: 'aiohttp' (one pooled aiohttp session per event loop; a quarter or less "
        "of the OpenAI SDK's CPU per request) or 'openai' (the official AsyncOpenAI client).",
        choices=("aiohttp", "openai"),
    )
    temperature: float | None = param(0.0, doc="Sampling temperature of the judge; None leaves the server default.")
    reference_column: str = param("answer", doc="Dataset column holding the expected output (when evaluated).")
    context_column: str = param("context", doc="Dataset column holding context passages (when evaluated).")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GEvalConfig(JudgeConfig):
    """A judge defined entirely by parameters (usable from a YAML spec)."""

    name: str = "judge.geval"
    criteria: str | None = param(
        None, doc="What the judge assesses, in words. Steps are generated from it once, on the first call."
    )
    evaluation_steps: tuple[str, ...] | None = param(
        None, doc="Explicit evaluation steps (preferred: the same judge prompt in every process)."
    )
    rubric: tuple[dict[str, Any], ...] | None = param(
        None,
        doc="Optional rubric: [{score_range: [lo, hi], expected_outcome: '...'}, ...] on GEval's 0..10 scale.",
    )
    evaluation_params: tuple[str, ...] = param(
        ("input", "actual_output"),
        doc="Fields the judge sees, among: " + ", ".join(FIELD_NAMES) + ". Must include actual_output.",
    )
    metric_name: str = param("Custom", doc="GEval metric name (appears in the judge prompt's context only).")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GEvalRAGConfig(JudgeConfig):
    name: str = "judge.geval_rag"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AnswerRelevancyConfig(JudgeConfig):
    name: str = "judge.answer_relevancy"


@dataclasses.dataclass(frozen=True, slots=True)
class JudgeDefinition:
    """What a judge assesses: criteria and/or fixed steps, an optional rubric, and the fields it sees."""

    metric_name: str
    evaluation_params: tuple[str, ...]
    criteria: str | None = None
    evaluation_steps: tuple[str, ...] | None = None
    rubric: tuple[dict[str, Any], ...] | None = None


class _LoopState:
    """Resources bound to one event loop: the HTTP client, the concurrency limit, the steps lock.

    Built on that loop's thread, while it runs. The client is closed on that loop when this state is
    dropped (the reward is garbage-collected) or when the loop shuts down (`asyncio.run`), so its
    connections close cleanly (aiohttp logs an error for a session that is never closed).
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


async def _close_on_exit(client: Any) -> Any:
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
_LIVE_STATES: weakref.WeakSet[_LoopState] = weakref.WeakSet()
_CLOSING: set[threading.Event] = set()


async def _aclose(closer: Any) -> None:
    await closer.aclose()  # a coroutine for run_coroutine_threadsafe (aclose() returns an awaitable)


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
            asyncio.run_coroutine_threadsafe(_aclose(state._closer), loop).result(timeout=2)
        except Exception:
            pass
    deadline = time.monotonic() + 2
    for closing in list(_CLOSING):
        closing.wait(max(0.0, deadline - time.monotonic()))


class GEvalReward(BaseReward):
    """Base class of GEval judge rewards: a subclass says *what* to judge, this class handles the rest.

    Set class attributes ``criteria`` and/or ``evaluation_steps`` (fixed steps are preferred: every call
    and every training process then uses the same judge prompt, and no steps call is made), optionally
    ``rubric``, and ``evaluation_params`` (the fields the judge sees: ``input`` is the prompt,
    ``actual_output`` the completion, ``expected_output`` the `reference_column`, ``context`` and
    ``retrieval_context`` the `context_column`). Or override `definition()`.

    What every subclass gets, configured through `JudgeConfig` params:

    - any OpenAI-compatible endpoint (`base_url`, `model`, `api_key_env`, `request_timeout`), through a
      deepeval custom model with one HTTP client (aiohttp, or `AsyncOpenAI` with
      ``http_transport="openai"``) per reward instance and event loop;
    - `async def __call__` (TRL runs it concurrently with other async rewards); `score()` from sync code;
    - bounded concurrency, retries with exponential backoff and jitter (honouring `Retry-After`) on 429,
      5xx, timeouts, connection errors and unusable answers, then `fallback_score` (None by default, so
      TRL skips the row); a circuit breaker that fails fast while the judge is down; a deadline per batch;
    - identical (prompt, completion, reference, context) rows in a batch judged once;
    - `[DEEPEVAL:...]` markers stripped from every field, the completion truncated and wrapped in random
      delimiters with a system message telling the judge it is data;
    - scores clamped to [0, 1]; metrics through TRL's `log_metric` as ``<reward>/<metric>``: requests,
      retries, failures, short_circuited, deadline_exceeded, duplicates, clamped, truncated, skipped,
      breaker_open, latency_mean_s, latency_max_s.

    Input errors (a malformed completion, a missing column) raise typed errors; judge failures never
    do — they only turn the affected rows into the fallback.
    """

    config_class: ClassVar[type[RewardConfig]] = JudgeConfig
    score_range = (0.0, 1.0)

    metric_name: ClassVar[str] = "Judge"
    criteria: ClassVar[str | None] = None
    evaluation_steps: ClassVar[Sequence[str] | None] = None
    rubric: ClassVar[Sequence[Mapping[str, Any]] | None] = None
    evaluation_params: ClassVar[Sequence[str]] = ("input", "actual_output")

    def __init__(self, config: RewardConfig | None = None) -> None:
        super().__init__(config)
        self._steps: tuple[str, ...] | None = None
        self._rt: _Runtime | None = None
        definition = self.definition()
        self._check_definition(definition)
        self._steps = definition.evaluation_steps
        if not self.config.base_url and not os.environ.get(self.config.api_key_env):
            raise InvalidParamsError(
                f"reward {self.config.name!r}: the environment variable {self.config.api_key_env!r} holding the "
                "judge's API key is not set. Set it, name another variable with api_key_env=..., or point "
                "base_url=... at a local OpenAI-compatible server (which needs no key)."
            )
        base_url = self.config.base_url
        if base_url is not None:
            parts = urllib.parse.urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                # Caught here, not as a "connection" failure on every row of every batch.
                raise InvalidParamsError(
                    f"reward {self.config.name!r}: base_url {base_url!r} is not an http(s) URL; give the judge "
                    "server's API root, e.g. base_url='http://localhost:8000/v1'"
                )
        self._runtime()  # imports deepeval now, so a broken install fails at construction, not mid-training

    # -- definition --------------------------------------------------------------------------------------
    def definition(self) -> JudgeDefinition:
        """What this reward judges; by default, from the class attributes."""
        cls = type(self)
        return JudgeDefinition(
            metric_name=cls.metric_name,
            evaluation_params=tuple(cls.evaluation_params),
            criteria=cls.criteria,
            evaluation_steps=tuple(cls.evaluation_steps) if cls.evaluation_steps else None,
            rubric=tuple(dict(r) for r in cls.rubric) if cls.rubric else None,
        )

    @property
    def steps(self) -> tuple[str, ...] | None:
        """The evaluation steps in use (given, or generated on the first call); None before generation."""
        return self._steps

    def generate_steps(self) -> tuple[str, ...]:
        """Ask the judge for steps now (from sync code) and keep them; store them in your spec's params."""
        from reward_core import run_coroutine

        async def generate() -> tuple[str, ...]:
            stats = BatchStats()
            steps = await self._ensure_steps(self._runtime().loop_state(), stats)
            if steps is None:
                raise RuntimeError(f"reward {self.__name__!r}: the judge gave no usable steps ({stats.first_error})")
            return steps

        return run_coroutine(generate())

    def _check_definition(self, d: JudgeDefinition) -> None:
        name = self.config.name

        def fail(problem: str) -> InvalidParamsError:
            return InvalidParamsError(f"reward {name!r}: {problem}")

        unknown = [f for f in d.evaluation_params if f not in FIELD_NAMES]
        if unknown:
            raise fail(f"unknown evaluation_params {unknown}; choose among {list(FIELD_NAMES)}")
        if "actual_output" not in d.evaluation_params:
            raise fail("evaluation_params must include 'actual_output' (the completion being judged)")
        if not (d.criteria and d.criteria.strip()) and not d.evaluation_steps:
            raise fail("give criteria (steps are then generated once) or evaluation_steps (preferred)")
        if d.evaluation_steps and not all(isinstance(s, str) and s.strip() for s in d.evaluation_steps):
            raise fail("evaluation_steps must be non-empty strings")
        from . import _judge

        try:
            _judge.check_metric(d.metric_name, d.evaluation_params, d.criteria, d.evaluation_steps, d.rubric)
        except (ValueError, KeyError, TypeError) as exc:
            raise fail(f"deepeval rejects this judge definition: {exc}") from exc

    # -- pickling: configuration and steps travel; clients, loops, locks and the breaker are rebuilt --------
    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "__name__": self.__name__, "__doc__": self.__doc__, "_steps": self._steps}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._rt = None

    def _runtime(self) -> _Runtime:
        rt = self._rt
        if rt is None:
            rt = self._rt = _Runtime(self)
        return rt

    # -- scoring -----------------------------------------------------------------------------------------
    async def __call__(self, prompts: list | None, completions: list, **kwargs: Any) -> list[float | None]:
        rt = self._runtime()
        state = rt.loop_state()
        cfg = self.config
        loop = asyncio.get_running_loop()
        deadline = None if cfg.batch_timeout is None else loop.time() + cfg.batch_timeout
        stats = BatchStats(rows=len(completions))
        rows = self._rows(prompts, completions, kwargs, stats)

        groups: dict[tuple, list[int]] = {}
        for index, row in enumerate(rows):
            if row is not None:
                groups.setdefault(row[0], []).append(index)
        stats.unique = len(groups) + stats.skipped
        scores: list[float | None] = [None if row is None else cfg.fallback_score for row in rows]
        if groups:
            judged = await self._judge_all(state, rows, groups, deadline, stats)
            for key, indices in groups.items():
                value = judged.get(key)
                if value is not None:
                    for index in indices:
                        scores[index] = value
        self._report(kwargs, stats, rt)
        return scores

    async def _judge_all(
        self, state: _LoopState, rows: list, groups: dict[tuple, list[int]], deadline: float | None, stats: BatchStats
    ) -> dict[tuple, float]:
        loop = asyncio.get_running_loop()
        results: dict[tuple, float] = {}

        async def run() -> None:
            steps = await self._ensure_steps(state, stats)
            if steps is None:
                stats.failures += len(groups)
                return

            # A task per row, not a pool of workers: a row backing off before a retry then holds no slot
            # and keeps no other row waiting (a worker pool was no faster here, and slower under faults).
            async def one(key: tuple, fields: dict[str, Any]) -> None:
                value = await self._judge_row(state, fields, steps, stats)
                if value is not None:
                    results[key] = value

            # The first wave starts one row per loop pass, so each request is on the wire before the next
            # prompt is built (Python 3.11's aiohttp sends a request one pass late, after all that pass's
            # work). Started in one pass, the wave's requests leave and return as one burst, and slots idle
            # while the loop works through it, batch after batch (the benchmark: 76 % of ideal, now 86 %).
            tasks: list[asyncio.Future] = []
            try:
                for key, indices in groups.items():
                    tasks.append(asyncio.ensure_future(one(key, rows[indices[0]][1])))
                    if len(tasks) <= self.config.max_concurrency:
                        await asyncio.sleep(0)
                await asyncio.gather(*tasks)
            except BaseException:
                # Cancelled (batch_timeout) or failed: no row task may outlive the batch.
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise

        task = asyncio.ensure_future(run())
        timeout = None if deadline is None else max(0.0, deadline - loop.time())
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            # A dead or hanging judge must not stall training: cancel what is left; those rows fall back.
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            stats.deadline_exceeded = len(groups) - len(results)
            stats.failures += stats.deadline_exceeded
            stats.failed("deadline", f"batch_timeout of {self.config.batch_timeout}s passed")
        elif task.exception() is not None:
            raise task.exception()
        return results

    async def _judge_row(self, state: _LoopState, fields: dict[str, Any], steps: tuple[str, ...], stats: BatchStats) -> float | None:
        from . import _judge

        rt = self._runtime()
        definition = rt.definition

        async def attempt() -> float:
            case_fields = dict(fields)
            call = _judge.JudgeCall(stats)
            if self.config.spotlight:
                # Fresh random delimiters per request: the policy cannot learn to close them.
                begin, end = call.delimiters = new_delimiters()
                case_fields["actual_output"] = wrap(fields["actual_output"], begin, end)
            _judge.CALL.set(call)  # this row's own task: no other row sees it
            metric = _judge.make_metric(definition.metric_name, definition.evaluation_params, steps, rt.rubric, rt.model)
            return await _judge.measure(metric, _judge.make_case(case_fields))

        ok, value = await self._call_judge(state, stats, attempt)
        if not ok:
            stats.failures += 1
            return None
        if not 0.0 <= value <= 1.0:  # deepeval does not clamp (a judge answering 15 gives 1.5)
            stats.clamped += 1
            value = min(1.0, max(0.0, value))
        return value

    async def _ensure_steps(self, state: _LoopState, stats: BatchStats) -> tuple[str, ...] | None:
        if self._steps is not None:
            return self._steps
        from . import _judge

        async with state.steps_lock:  # concurrent first calls would each generate (different) steps
            if self._steps is None:
                rt = self._runtime()
                d = rt.definition

                async def attempt() -> list[str]:
                    _judge.CALL.set(_judge.JudgeCall(stats))
                    return await _judge.generate_steps(rt.model, d.criteria or "", d.evaluation_params)

                ok, steps = await self._call_judge(state, stats, attempt)
                if ok:
                    self._steps = tuple(steps)
                    log.info("reward %r: generated evaluation steps %r; pass them as evaluation_steps to "
                             "fix the judge prompt across processes", self.__name__, self._steps)
        return self._steps

    async def _call_judge(self, state: _LoopState, stats: BatchStats, call: Callable[[], Awaitable[Any]]) -> tuple[bool, Any]:
        """Run `call` under the concurrency limit, with retries and the circuit breaker: (ok, value)."""
        from . import _http

        cfg = self.config
        breaker = self._runtime().breaker
        ticket = breaker.allow()
        if ticket is None:
            stats.short_circuited += 1
            stats.failed("breaker_open", "the circuit breaker is open; the judge is failing")
            return False, None
        attempt = 0
        while True:
            # A slot covers the whole attempt, deepeval's prompt and parsing included: with the slot taken
            # only around the request, every queued row built its prompt up front, delaying the replies.
            async with state.semaphore:
                try:
                    value = await call()
                except Exception as exc:  # every judge failure is handled here; CancelledError passes
                    # Classified inside the handler, so no local outlives it: an exception kept in this
                    # frame would form a cycle with its traceback, keeping the reward (and its open HTTP
                    # session) alive until the cyclic GC finalises the session unclosed.
                    kind, retryable, after = _http.classify(exc)
                    stats.failed(kind, f"{type(exc).__name__}: {exc}")
                else:
                    breaker.record(True, ticket)
                    return True, value
            if not retryable or attempt >= cfg.max_retries or ticket == "probe" or breaker.state != "closed":
                breaker.record(False, ticket)
                return False, None
            stats.retries += 1
            await asyncio.sleep(backoff_delay(attempt, cfg.backoff_base, cfg.backoff_max, after))
            attempt += 1

    def _rows(self, prompts: list | None, completions: list, kwargs: dict[str, Any], stats: BatchStats) -> list:
        """Per row: None (cannot be judged) or (dedup key, sanitised test-case fields)."""
        cfg = self.config
        fields = self._runtime().definition.evaluation_params
        n = len(completions)
        texts = [completion_text(c) for c in completions]
        inputs: list[str] | None = None
        if prompts is not None:
            self._check_length("prompts", prompts, n)
            inputs = [prompt_text(p) for p in prompts]
        elif "input" in fields:
            raise RewardInputError(f"reward {self.__name__!r} judges the prompt: pass prompts=[...] with one prompt per completion", reward=self.__name__)
        refs = self._column(kwargs, cfg.reference_column, n, "the expected output") if "expected_output" in fields else None
        wants_context = "context" in fields or "retrieval_context" in fields
        contexts = self._column(kwargs, cfg.context_column, n, "context passages") if wants_context else None

        rows: list = []
        for i, text in enumerate(texts):
            key: list[Any] = [text, inputs[i] if inputs is not None else ""]
            case: dict[str, Any] = {"input": strip_markers(inputs[i]) if inputs is not None else ""}
            completion, cut = truncate(strip_markers(text), cfg.max_completion_chars)
            stats.truncated += cut
            case["actual_output"] = completion
            if refs is not None:
                ref = refs[i]
                if ref is None or (isinstance(ref, str) and not ref.strip()):
                    stats.skipped += 1
                    rows.append(None)
                    continue
                ref = ref if isinstance(ref, str) else str(ref)
                key.append(ref)
                case["expected_output"] = strip_markers(ref)
            if contexts is not None:
                passages = contexts[i]
                if passages is None:
                    stats.skipped += 1
                    rows.append(None)
                    continue
                passages = [passages] if isinstance(passages, str) else [str(p) for p in passages]
                key.append(tuple(passages))
                cleaned = [strip_markers(p) for p in passages]
                for field in ("context", "retrieval_context"):
                    if field in fields:
                        case[field] = cleaned
            rows.append((tuple(key), case))
        return rows

    def _column(self, kwargs: dict[str, Any], column: str, n: int, what: str) -> list:
        if column not in kwargs:
            raise RewardInputError(
                f"this judge needs {what} from the dataset column {column!r}, which the batch does not have "
                f"(columns: {sorted(k for k in kwargs if isinstance(kwargs[k], list))}); add the column or set "
                f"the reward's column parameter",
                reward=self.__name__,
            )
        values = kwargs[column]
        self._check_length(f"column {column!r}", values, n)
        return list(values)

    def _check_length(self, what: str, values: Any, n: int) -> None:
        if not isinstance(values, (list, tuple)) or len(values) != n:
            count = len(values) if isinstance(values, (list, tuple)) else type(values).__name__
            raise RewardInputError(f"{what} has {count} values for {n} completions; pass one per completion", reward=self.__name__)

    def _report(self, kwargs: dict[str, Any], stats: BatchStats, rt: _Runtime) -> None:
        for metric, value in stats.metrics(rt.breaker.state).items():
            self.report_metric(kwargs, metric, value)
        if stats.failures:
            log.warning(
                "reward %r: %d of %d distinct rows could not be judged (errors: %s; first: %s)",
                self.__name__, stats.failures, stats.unique, dict(stats.errors), stats.first_error,
            )


class _Runtime:
    """Per-instance, unpicklable state: the deepeval model, the breaker, and one `_LoopState` per loop."""

    def __init__(self, reward: GEvalReward) -> None:
        from . import _judge

        cfg = reward.config
        self.config = cfg
        self.definition = reward.definition()
        self.rubric = _judge.make_rubric(self.definition.rubric)
        self.breaker = CircuitBreaker(
            threshold=cfg.breaker_threshold,
            min_calls=cfg.breaker_min_calls,
            window=cfg.breaker_window,
            cooldown=cfg.breaker_cooldown,
        )
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        # A weak callback: no runtime <-> model cycle, so a dropped reward is freed at once and its clients
        # closed by their closers (in a garbage cycle, aiohttp's session would be finalised unclosed).
        send = weakref.WeakMethod(self.send)
        self.model = _judge.JudgeModel(cfg.model, lambda body, call: send()(body, call), cfg.temperature)

    def loop_state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._states.get(loop)
            if state is None:
                from . import _http

                cfg = self.config
                key = os.environ.get(cfg.api_key_env) or (_PLACEHOLDER_KEY if cfg.base_url else "")
                client = _http.make_client(cfg.http_transport, cfg.base_url, key, cfg.request_timeout, cfg.max_concurrency)
                state = self._states[loop] = _LoopState(client, cfg.max_concurrency)
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


class GEvalRAGReward(GEvalReward):
    """GEval judge of multi-hop QA answers against the reference answer (the `answer` column); 0..1.

    The judge sees the question (the prompt), the completion and the expected answer, and grades factual
    accuracy, use of supporting evidence and completeness with fixed evaluation steps, so every call and
    every process uses the same judge prompt. The completion is delimited as untrusted data, so
    instructions planted in it ("score: 10") do not move the grade; `[DEEPEVAL:...]` markers are removed.
    Rows whose reference is empty score None (TRL skips them).

    Example (against the package's local test judge):

    >>> from reward_core import get_reward
    >>> from reward_deepeval_judge.testing import JudgeServer
    >>> with JudgeServer() as server:
    ...     reward = get_reward("judge.geval_rag", base_url=server.base_url, model="test-judge")
    ...     reward.score(prompts=["Which city is the capital of the country where the Eiffel Tower stands?"],
    ...                  completions=["The Eiffel Tower is in France, whose capital is Paris."],
    ...                  answer=["Paris"])
    [0.9]
    """

    config_class = GEvalRAGConfig
    metric_name = "Multi-hop QA correctness"
    criteria = (
        "Judge the actual output as an answer to the multi-hop question in the input, using the expected output "
        "as the reference: factual accuracy (the final answer agrees with the expected output, without "
        "contradictions or invented facts), use of supporting evidence (it states the intermediate facts that "
        "connect the hops of the question), and completeness (it answers every part of the question)."
    )
    evaluation_steps = (
        "Check whether the final answer in the actual output is factually consistent with the expected output; "
        "any contradiction, wrong entity, date or number is a severe error.",
        "Check whether the actual output supports its answer with the supporting evidence, i.e. the intermediate "
        "facts linking the hops of the question in the input, and whether any stated fact is invented or wrong.",
        "Check whether the actual output answers every part of the question in the input as completely as the "
        "expected output does.",
        "Penalise vague, hedged or multiple conflicting answers; do not reward length, confidence or style on "
        "their own.",
    )
    evaluation_params = ("input", "actual_output", "expected_output")


class AnswerRelevancyReward(GEvalReward):
    """GEval judge of how directly the completion addresses the prompt (no reference needed); 0..1.

    Relevancy, not correctness: pair it with a correctness reward. Same endpoint, fault and injection
    handling as every `GEvalReward`.

    Example (against the package's local test judge):

    >>> from reward_core import get_reward
    >>> from reward_deepeval_judge.testing import JudgeServer
    >>> with JudgeServer(score=8) as server:
    ...     reward = get_reward("judge.answer_relevancy", base_url=server.base_url, model="test-judge")
    ...     reward.score(prompts=["How do I boil an egg?"], completions=["Simmer it for 9 minutes."])
    [0.8]
    """

    config_class = AnswerRelevancyConfig
    metric_name = "Answer relevancy"
    criteria = "Judge how directly and completely the actual output addresses what the input asks."
    evaluation_steps = (
        "Identify what the input asks for, including every sub-question and constraint.",
        "Check whether the actual output addresses that request directly rather than a different or more "
        "general question.",
        "Penalise irrelevant, off-topic or padded statements, and refusals or evasions of a reasonable request.",
        "Do not judge factual correctness; judge only relevance and focus.",
    )
    evaluation_params = ("input", "actual_output")


class CustomGEvalReward(GEvalReward):
    """A GEval judge defined by parameters, so a new judge reward needs YAML only; 0..1.

    Give `criteria` or (preferred) `evaluation_steps`, an optional `rubric`, and `evaluation_params`.
    With criteria only, steps are generated by the judge once, on the first call, and reused (read them
    from `.reward.steps` and pin them in the spec).

    Example (against the package's local test judge)::

        # rewards.yaml
        - name: judge.geval
          log_name: politeness
          params:
            base_url: http://localhost:8000/v1
            model: my-judge
            evaluation_steps: ["Check the actual output is polite.", "Penalise rudeness."]

    >>> from reward_core import get_reward
    >>> from reward_deepeval_judge.testing import JudgeServer
    >>> with JudgeServer(score=6) as server:
    ...     reward = get_reward("judge.geval", base_url=server.base_url, model="test-judge",
    ...                         evaluation_steps=["Check the actual output is polite."])
    ...     reward.score(prompts=["Hi"], completions=["Hello, nice to meet you!"])
    [0.6]
    """

    config_class = GEvalConfig

    def definition(self) -> JudgeDefinition:
        cfg = self.config
        return JudgeDefinition(
            metric_name=cfg.metric_name,
            evaluation_params=tuple(cfg.evaluation_params),
            criteria=cfg.criteria,
            evaluation_steps=tuple(cfg.evaluation_steps) if cfg.evaluation_steps else None,
            rubric=cfg.rubric,
        )
