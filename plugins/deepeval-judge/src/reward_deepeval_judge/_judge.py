"""The deepeval side: a judge model owning its OpenAI clients, GEval construction, error classification.

Imported only when a judge reward is constructed. The environment switches are set before deepeval is
imported: otherwise its import reads `.env` files and a legacy key file, and `measure` sends telemetry.
"""

from __future__ import annotations

import os

for _switch in ("DEEPEVAL_TELEMETRY_OPT_OUT", "DEEPEVAL_DISABLE_DOTENV", "DEEPEVAL_DISABLE_LEGACY_KEYFILE"):
    os.environ.setdefault(_switch, "1")

import asyncio  # noqa: E402
import contextvars  # noqa: E402
import email.utils  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import openai  # noqa: E402
from deepeval.metrics import GEval  # noqa: E402
from deepeval.metrics.g_eval.g_eval import GEvalTemplate  # noqa: E402
from deepeval.metrics.g_eval.utils import Rubric, construct_g_eval_params_string  # noqa: E402
from deepeval.models import DeepEvalBaseLLM  # noqa: E402
from deepeval.test_case import LLMTestCase, SingleTurnParams  # noqa: E402

from ._sanitize import system_message  # noqa: E402

#: The delimiters of the response being graded in the current task; the model adds the system message.
DELIMITERS: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("judge_delimiters", default=None)

FIELDS = {
    "input": SingleTurnParams.INPUT,
    "actual_output": SingleTurnParams.ACTUAL_OUTPUT,
    "expected_output": SingleTurnParams.EXPECTED_OUTPUT,
    "context": SingleTurnParams.CONTEXT,
    "retrieval_context": SingleTurnParams.RETRIEVAL_CONTEXT,
}


class JudgeOutputError(ValueError):
    """The judge answered, but not with something we can use (no content, no score, not a number)."""


class JudgeModel(DeepEvalBaseLLM):
    """A deepeval model for any OpenAI-compatible chat-completions endpoint.

    It owns no client itself: `client()` returns the calling event loop's `AsyncOpenAI` client, created
    once per reward instance and loop (a client is bound to the loop it first ran on). deepeval's own
    models build a client per call; custom models get no retries or timeouts from deepeval, so the
    reward does both around each call.
    """

    def __init__(self, model: str, client: Callable[[], Any], temperature: float | None) -> None:
        # Not super().__init__(): it would call load_model() and parse a provider prefix out of the name.
        self.name = model
        self.model = None
        self._client = client
        self._temperature = temperature

    def load_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get_model_name(self, *args: Any, **kwargs: Any) -> str:
        return self.name

    def generate(self, prompt: Any, schema: Any = None, **kwargs: Any) -> str:
        raise RuntimeError("reward_deepeval_judge scores with a_measure only; the synchronous path is unused")

    async def a_generate(self, prompt: Any, schema: Any = None, **kwargs: Any) -> str:
        messages = []
        delimiters = DELIMITERS.get()
        if delimiters is not None:
            messages.append({"role": "system", "content": system_message(*delimiters)})
        messages.append({"role": "user", "content": _text_only(prompt)})
        request: dict[str, Any] = {"model": self.name, "messages": messages}
        if self._temperature is not None:
            request["temperature"] = self._temperature
        # The client's low-level post skips the typed request transform of chat.completions.create (about
        # a third of the client's CPU per call), keeping its connection pool, auth and status errors.
        response = await self._client().post("/chat/completions", body=request, cast_to=object)
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


#: HTTP transports of the judge client: openai's aiohttp-based client (about a third less CPU per request
#: than httpx here) and its default httpx client.
TRANSPORTS = ("aiohttp", "httpx")


def transport_problem(transport: str) -> str | None:
    """Why `transport` cannot be used with the installed openai, or None when it can."""
    if transport != "aiohttp":
        return None
    factory = getattr(openai, "DefaultAioHttpClient", None)
    if factory is None:
        return f"openai {openai.__version__} has no DefaultAioHttpClient (upgrade openai and install openai[aiohttp])"
    try:
        factory()  # builds no session and opens no socket until the first request; just dropped
    except (RuntimeError, ImportError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _http_library() -> Any:
    """httpx2 for openai >= 3, httpx before: the library openai's own async client is built on."""
    try:
        import httpx2
    except ImportError:
        pass
    else:
        if issubclass(openai.DefaultAsyncHttpxClient, httpx2.AsyncClient):
            return httpx2
    import httpx

    return httpx


def make_client(base_url: str | None, api_key: str, timeout: float, connections: int, transport: str) -> openai.AsyncOpenAI:
    """An `AsyncOpenAI` client over `transport` with `connections` pooled connections and `timeout` s per request."""
    # Connections sized to the reward's concurrency limit (every request in flight holds one, all kept
    # alive between batches); the timeout also covers waiting for a pooled connection.
    options = {
        "timeout": openai.Timeout(timeout),
        "limits": _http_library().Limits(max_connections=connections, max_keepalive_connections=connections),
    }
    if transport == "aiohttp":
        http_client = openai.DefaultAioHttpClient(**options)
    elif transport == "httpx":
        http_client = openai.DefaultAsyncHttpxClient(**options)
    else:
        raise ValueError(f"unknown http_transport {transport!r}; choose one of {TRANSPORTS}")
    # max_retries=0: the reward retries itself, with its own policy, circuit breaker and metrics.
    return openai.AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0, http_client=http_client)


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
        _include_g_eval_suffix=False,
    )


def check_metric(name: str, fields: Sequence[str], criteria: str | None, steps: Sequence[str] | None, rubric: Any) -> None:
    """Let deepeval validate a judge definition at construction time (raises ValueError)."""
    probe = JudgeModel("validation", lambda: None, None)
    GEval(
        name=name,
        evaluation_params=evaluation_params(fields),
        criteria=criteria,
        evaluation_steps=list(steps) if steps else None,
        rubric=make_rubric(rubric),
        model=probe,
    )


def make_case(fields: dict[str, Any]) -> LLMTestCase:
    return LLMTestCase(**fields)


async def measure(metric: GEval, case: LLMTestCase) -> float:
    score = await metric.a_measure(case, _show_indicator=False)
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise JudgeOutputError(f"the judge's score is not a number: {score!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise JudgeOutputError(f"the judge's score is not finite: {score!r}")
    return value


async def generate_steps(model: JudgeModel, criteria: str, fields: Sequence[str]) -> list[str]:
    """Evaluation steps for `criteria`, from the judge, with deepeval's own steps prompt."""
    prompt = GEvalTemplate.generate_evaluation_steps(
        criteria=criteria,
        parameters=construct_g_eval_params_string(evaluation_params(fields)),
        multimodal=False,
        strict=True,
    )
    reply = await model.a_generate(prompt)
    start, end = reply.find("{"), reply.rfind("}")
    try:
        steps = json.loads(reply[start : end + 1])["steps"]
    except (ValueError, KeyError, TypeError):
        raise JudgeOutputError(f"the judge's steps reply is not JSON with a 'steps' list: {reply[:200]!r}") from None
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s.strip() for s in steps):
        raise JudgeOutputError(f"the judge's 'steps' must be a non-empty list of strings, got {steps!r}")
    return steps


def classify(exc: BaseException) -> tuple[str, bool, float | None]:
    """(kind, retryable, retry-after seconds) for an exception raised by one judge call."""
    if isinstance(exc, openai.APITimeoutError) or isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timeout", True, None
    if isinstance(exc, openai.APIConnectionError):
        return "connection", True, None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        after = retry_after(exc.response.headers if exc.response is not None else {})
        if status == 429:
            return "rate_limited", True, after
        if status >= 500 or status in (408, 409):
            return f"http_{status}", True, after
        return f"http_{status}", False, None
    if isinstance(exc, (openai.APIResponseValidationError, JudgeOutputError, ValueError, KeyError, TypeError)):
        # A judge model's output varies from call to call: a malformed answer is worth another try.
        return "invalid_output", True, None
    return type(exc).__name__, False, None


def retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (seconds or an HTTP date), if present."""
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        value = headers.get("retry-after")
    except AttributeError:
        return None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
