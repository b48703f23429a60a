"""Everything the judge rewards take from deepeval: a judge model over the reward's HTTP clients, GEval
construction and measurement, and the steps prompt.

No other module of the package imports deepeval. Where this module relies on deepeval's private API, the
name is listed here and checked by tests/test_deepeval_private_api.py, so an upgrade that changes it fails
that test by name instead of turning every judged row into a failure:

- `GEVAL_KWARGS`: ``GEval(_include_g_eval_suffix=False)`` keeps the metric's name as given (no " [GEval]").
- `MEASURE_KWARGS`: ``GEval.a_measure(_show_indicator=False)`` draws no progress bar on stderr per row.
- `JudgeModel.__init__` does not call ``DeepEvalBaseLLM.__init__``, which would parse a provider prefix
  out of the model name and call `load_model`; it sets the attributes that ``__init__`` sets itself.
- `GEvalTemplate` and `construct_g_eval_params_string`, from deepeval's GEval modules, build the steps
  prompt exactly as GEval does.

Imported only when a judge reward is constructed. The environment switches are set before deepeval is
imported: otherwise its import reads `.env` files and a legacy key file, and `measure` sends telemetry.
"""

from __future__ import annotations

import os

for _switch in ("DEEPEVAL_TELEMETRY_OPT_OUT", "DEEPEVAL_DISABLE_DOTENV", "DEEPEVAL_DISABLE_LEGACY_KEYFILE"):
    os.environ.setdefault(_switch, "1")

import contextvars  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
from collections.abc import Awaitable, Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

from deepeval.metrics import GEval  # noqa: E402
from deepeval.metrics.g_eval.g_eval import GEvalTemplate  # noqa: E402
from deepeval.metrics.g_eval.utils import Rubric, construct_g_eval_params_string  # noqa: E402
from deepeval.models import DeepEvalBaseLLM  # noqa: E402
from deepeval.test_case import LLMTestCase, SingleTurnParams  # noqa: E402

from ._http import JudgeOutputError  # noqa: E402
from ._sanitize import system_message  # noqa: E402

#: Private keyword arguments of `GEval` passed by `make_metric`.
GEVAL_KWARGS: dict[str, Any] = {"_include_g_eval_suffix": False}
#: Private keyword arguments of `GEval.a_measure` passed by `measure`.
MEASURE_KWARGS: dict[str, Any] = {"_show_indicator": False}


@dataclasses.dataclass(slots=True)
class JudgeCall:
    """What one judge call carries past deepeval, which hands the model nothing but the prompt."""

    stats: Any  #: the `BatchStats` of the batch the call belongs to
    delimiters: tuple[str, str] | None = None  #: the completion's delimiters; the model names them to the judge


#: The judge call the current task is making, set by the reward before each deepeval call.
CALL: contextvars.ContextVar[JudgeCall | None] = contextvars.ContextVar("judge_call", default=None)

#: Sends one chat-completions request body and returns the parsed reply.
Send = Callable[[dict[str, Any], "JudgeCall | None"], Awaitable[Any]]

FIELDS = {
    "input": SingleTurnParams.INPUT,
    "actual_output": SingleTurnParams.ACTUAL_OUTPUT,
    "expected_output": SingleTurnParams.EXPECTED_OUTPUT,
    "context": SingleTurnParams.CONTEXT,
    "retrieval_context": SingleTurnParams.RETRIEVAL_CONTEXT,
}


class JudgeModel(DeepEvalBaseLLM):
    """A deepeval model for any OpenAI-compatible chat-completions endpoint.

    It sends through `send`, the reward's: one HTTP client per reward instance and event loop (see
    `_http`), which times each request out. deepeval's own models build a client per call; custom
    models get no retries from deepeval, so the reward retries around each deepeval call, under its
    concurrency limit.
    """

    def __init__(self, model: str, send: Send, temperature: float | None) -> None:
        # Not super().__init__() (see the module docstring): the attributes it sets, set here.
        self.name = model
        self.model = None
        self._send = send
        self._temperature = temperature

    def load_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get_model_name(self, *args: Any, **kwargs: Any) -> str:
        return self.name

    def generate(self, prompt: Any, schema: Any = None, **kwargs: Any) -> str:
        raise RuntimeError("reward_deepeval_judge scores with a_measure only; the synchronous path is unused")

    async def a_generate(self, prompt: Any, schema: Any = None, **kwargs: Any) -> str:
        messages = []
        call = CALL.get()
        if call is not None and call.delimiters is not None:
            messages.append({"role": "system", "content": system_message(*call.delimiters)})
        messages.append({"role": "user", "content": _text_only(prompt)})
        request: dict[str, Any] = {"model": self.name, "messages": messages}
        if self._temperature is not None:
            request["temperature"] = self._temperature
        response = await self._send(request, call)
        try:
            content = response["choices"][0]["message"]["content"]
        except (TypeError, KeyError, IndexError):
            raise JudgeOutputError(f"the judge's reply is not a chat completion: {str(response)[:200]}") from None
        if not isinstance(content, str):
            raise JudgeOutputError(f"the judge's reply has no text content: {str(response)[:200]}")
        return content


def _text_only(prompt: Any) -> str:
    # A multimodal prompt (a list with images) would mean a [DEEPEVAL:...] marker got through: refuse it
    # rather than send a local file to the judge.
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list) and all(isinstance(part, str) for part in prompt):
        return "".join(prompt)
    raise JudgeOutputError("refusing a multimodal judge prompt: only text is ever sent to the judge")


def evaluation_params(fields: Sequence[str]) -> list[SingleTurnParams]:
    return [FIELDS[f] for f in fields]


def make_rubric(rubric: Sequence[dict[str, Any]] | None) -> list[Rubric] | None:
    if not rubric:
        return None
    return [Rubric(score_range=tuple(item["score_range"]), expected_outcome=item["expected_outcome"]) for item in rubric]


def make_metric(
    name: str, fields: Sequence[str], steps: Sequence[str], rubric: list[Rubric] | None, model: JudgeModel
) -> GEval:
    """A fresh GEval (metric objects hold per-call state, so one per concurrent call)."""
    return GEval(
        name=name,
        evaluation_params=evaluation_params(fields),
        evaluation_steps=list(steps),
        rubric=rubric,
        model=model,
        async_mode=True,
        **GEVAL_KWARGS,
    )


def check_metric(name: str, fields: Sequence[str], criteria: str | None, steps: Sequence[str] | None, rubric: Any) -> None:
    """Let deepeval validate a judge definition at construction time (raises ValueError)."""
    probe = JudgeModel("validation", _never_sends, None)
    GEval(
        name=name,
        evaluation_params=evaluation_params(fields),
        criteria=criteria,
        evaluation_steps=list(steps) if steps else None,
        rubric=make_rubric(rubric),
        model=probe,
    )


async def _never_sends(body: dict[str, Any], call: JudgeCall | None) -> Any:
    raise RuntimeError("a validation-only judge model sends nothing")


def make_case(fields: dict[str, Any]) -> LLMTestCase:
    return LLMTestCase(**fields)


async def measure(metric: GEval, case: LLMTestCase) -> tuple[float, str | None]:
    """The judge's score of `case`, and the reason GEval wrote for it (None when it gave none)."""
    score = await metric.a_measure(case, **MEASURE_KWARGS)
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise JudgeOutputError(f"the judge's score is not a number: {score!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise JudgeOutputError(f"the judge's score is not finite: {score!r}")
    reason = getattr(metric, "reason", None)
    return value, reason if isinstance(reason, str) else None


def steps_prompt(criteria: str, fields: Sequence[str]) -> str:
    """deepeval's own prompt asking a judge for evaluation steps for `criteria`."""
    return GEvalTemplate.generate_evaluation_steps(
        criteria=criteria,
        parameters=construct_g_eval_params_string(evaluation_params(fields)),
        multimodal=False,
        strict=True,
    )


async def generate_steps(model: JudgeModel, criteria: str, fields: Sequence[str]) -> list[str]:
    """Evaluation steps for `criteria`, from the judge, with deepeval's own steps prompt."""
    reply = await model.a_generate(steps_prompt(criteria, fields))
    start, end = reply.find("{"), reply.rfind("}")
    try:
        steps = json.loads(reply[start : end + 1])["steps"]
    except (ValueError, KeyError, TypeError):
        raise JudgeOutputError(f"the judge's steps reply is not JSON with a 'steps' list: {reply[:200]!r}") from None
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s.strip() for s in steps):
        raise JudgeOutputError(f"the judge's 'steps' must be a non-empty list of strings, got {steps!r}")
    return steps
