"""`GEvalReward`, the base class of the judge rewards: checks a judge at construction, then scores a batch
(dedup, one task per distinct row, the batch deadline, metrics).

This module imports neither deepeval nor openai: both load when a judge reward is constructed (deepeval's
import takes seconds).
"""

from __future__ import annotations

import asyncio
import logging
import os
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reward_core import BaseReward, InvalidParamsError, RewardConfig, with_reasons

from ._failures import BatchStats
from ._rows import Row, build_rows
from ._sanitize import new_delimiters, strip_markers, wrap
from .config import FIELD_NAMES, JudgeConfig, JudgeDefinition

if TYPE_CHECKING:
    from ._event_loop import LoopState
    from ._judge_state import JudgeState

__all__ = ["GEvalReward"]

log = logging.getLogger(__name__)


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
    reason_codes = {
        "judged": "the judge scored the row (the detail: the score and GEval's reason, markers stripped, cut)",
        "not_judged": "the judge could not score it (errors, retries spent, batch_timeout, open breaker): fallback_score",
        "no_reference": "the row has no reference or context to judge against: None",
    }

    metric_name: ClassVar[str] = "Judge"
    criteria: ClassVar[str | None] = None
    evaluation_steps: ClassVar[Sequence[str] | None] = None
    rubric: ClassVar[Sequence[Mapping[str, Any]] | None] = None
    evaluation_params: ClassVar[Sequence[str]] = ("input", "actual_output")

    def __init__(self, config: RewardConfig | None = None) -> None:
        super().__init__(config)
        self._steps: tuple[str, ...] | None = None
        self._rt: JudgeState | None = None
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
        self._judge_state()  # imports deepeval now, so a broken install fails at construction, not mid-training

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
            steps = await self._ensure_steps(self._judge_state().loop_state(), stats)
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
        from ._deepeval_adapter import check_metric

        try:
            check_metric(d.metric_name, d.evaluation_params, d.criteria, d.evaluation_steps, d.rubric)
        except (ValueError, KeyError, TypeError) as exc:
            raise fail(f"deepeval rejects this judge definition: {exc}") from exc

    # -- pickling: configuration and steps travel; clients, loops, locks and the breaker are rebuilt --------
    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "__name__": self.__name__, "__doc__": self.__doc__, "_steps": self._steps}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._rt = None

    def _judge_state(self) -> JudgeState:
        rt = self._rt
        if rt is None:
            from ._judge_state import JudgeState

            rt = self._rt = JudgeState(self.config, self.definition())
        return rt

    # -- scoring -----------------------------------------------------------------------------------------
    async def __call__(self, prompts: list | None, completions: list, **kwargs: Any) -> list[float | None]:
        rt = self._judge_state()
        state = rt.loop_state()
        cfg = self.config
        loop = asyncio.get_running_loop()
        deadline = None if cfg.batch_timeout is None else loop.time() + cfg.batch_timeout
        stats = BatchStats(rows=len(completions))
        rows = build_rows(self.__name__, cfg, rt.definition.evaluation_params, prompts, completions, kwargs, stats)

        groups: dict[tuple, list[int]] = {}
        for index, row in enumerate(rows):
            if row is not None:
                groups.setdefault(row[0], []).append(index)
        stats.unique = len(groups) + stats.skipped
        scores: list[float | None] = [None if row is None else cfg.fallback_score for row in rows]
        reasons: list[Any] = ["no_reference" if row is None else "not_judged" for row in rows]
        if groups:
            judged = await self._judge_all(state, rows, groups, deadline, stats)
            for key, indices in groups.items():
                found = judged.get(key)
                if found is not None:
                    value, why = found
                    for index in indices:
                        scores[index] = value
                        reasons[index] = ("judged", f"{value:.2f}: {strip_markers(why)}" if why else f"{value:.2f}")
        self._report(kwargs, stats, rt)
        return with_reasons(scores, reasons)

    async def _judge_all(
        self, state: LoopState, rows: list[Row], groups: dict[tuple, list[int]], deadline: float | None, stats: BatchStats
    ) -> dict[tuple, tuple[float, str | None]]:
        loop = asyncio.get_running_loop()
        results: dict[tuple, tuple[float, str | None]] = {}

        async def run() -> None:
            steps = await self._ensure_steps(state, stats)
            if steps is None:
                stats.failures += len(groups)
                return

            # A task per row: a row backing off before a retry holds no slot and keeps no other row waiting.
            async def one(key: tuple, fields: dict[str, Any]) -> None:
                value = await self._judge_row(state, fields, steps, stats)
                if value is not None:
                    results[key] = value

            # The first wave starts one row per loop pass, so each request is on the wire before the next
            # prompt is built (Python 3.11's aiohttp sends a request one pass late, after all that pass's
            # work). Started in one pass, the wave's requests would leave and return as one burst, and
            # slots would idle while the loop works through it.
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

    async def _judge_row(
        self, state: LoopState, fields: dict[str, Any], steps: tuple[str, ...], stats: BatchStats
    ) -> tuple[float, str | None] | None:
        from . import _deepeval_adapter as adapter

        rt = self._judge_state()
        definition = rt.definition

        async def attempt() -> tuple[float, str | None]:
            case_fields = dict(fields)
            call = adapter.JudgeCall(stats)
            if self.config.spotlight:
                # Fresh random delimiters per request: the policy cannot learn to close them.
                begin, end = call.delimiters = new_delimiters()
                case_fields["actual_output"] = wrap(fields["actual_output"], begin, end)
            adapter.CALL.set(call)  # this row's own task: no other row sees it
            metric = adapter.make_metric(definition.metric_name, definition.evaluation_params, steps, rt.rubric, rt.model)
            return await adapter.measure(metric, adapter.make_case(case_fields))

        ok, judged = await self._call_judge(state, stats, attempt)
        if not ok:
            stats.failures += 1
            return None
        value, reason = judged
        if not 0.0 <= value <= 1.0:  # deepeval does not clamp (a judge answering 15 gives 1.5)
            stats.clamped += 1
            value = min(1.0, max(0.0, value))
        return value, reason

    async def _ensure_steps(self, state: LoopState, stats: BatchStats) -> tuple[str, ...] | None:
        if self._steps is not None:
            return self._steps
        from . import _deepeval_adapter as adapter

        async with state.steps_lock:  # concurrent first calls would each generate (different) steps
            if self._steps is None:
                rt = self._judge_state()
                d = rt.definition

                async def attempt() -> list[str]:
                    adapter.CALL.set(adapter.JudgeCall(stats))
                    return await adapter.generate_steps(rt.model, d.criteria or "", d.evaluation_params)

                ok, steps = await self._call_judge(state, stats, attempt)
                if ok:
                    self._steps = tuple(steps)
                    log.info("reward %r: generated evaluation steps %r; pass them as evaluation_steps to "
                             "fix the judge prompt across processes", self.__name__, self._steps)
        return self._steps

    async def _call_judge(self, state: LoopState, stats: BatchStats, call: Callable[[], Awaitable[Any]]) -> tuple[bool, Any]:
        from ._failures import call_judge

        rt = self._judge_state()
        return await call_judge(call, semaphore=state.semaphore, breaker=rt.breaker, policy=rt.retry_policy, stats=stats)

    def _report(self, kwargs: dict[str, Any], stats: BatchStats, rt: JudgeState) -> None:
        for metric, value in stats.metrics(rt.breaker.state).items():
            self.report_metric(kwargs, metric, value)
        if stats.failures:
            log.warning(
                "reward %r: %d of %d distinct rows could not be judged (errors: %s; first: %s)",
                self.__name__, stats.failures, stats.unique, dict(stats.errors), stats.first_error,
            )
