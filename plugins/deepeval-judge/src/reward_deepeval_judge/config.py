"""The parameters of the judge rewards, and what a judge assesses (`JudgeDefinition`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from reward_core import RewardConfig, param

__all__ = ["FIELD_NAMES", "JudgeConfig", "GEvalConfig", "GEvalRAGConfig", "AnswerRelevancyConfig", "JudgeDefinition"]

#: Test-case fields a judge can evaluate, and where each row's value comes from.
FIELD_NAMES = ("input", "actual_output", "expected_output", "context", "retrieval_context")


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
    backoff_base: float = param(0.5, doc="First backoff delay in seconds; doubles per retry, with jitter.", ge=0)
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
    include_trajectory: bool = param(
        False,
        doc="Judge the tool calls and tool results of a tool trajectory too, not only the final answer (tool "
        "results are untrusted text: stripped of markers, truncated and spotlighted like the answer).",
    )
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
