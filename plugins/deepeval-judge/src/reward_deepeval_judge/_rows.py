"""From a batch (prompts, completions, dataset columns) to the rows a judge sees: each row's sanitised
test-case fields and the key that identical rows share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reward_core import (
    Completion,
    MissingColumnError,
    ToolResult,
    column,
    prompt_text,
    read_completion,
    split_reasoning,
)

from ._failures import BatchStats
from ._sanitize import strip_markers, truncate
from .config import JudgeConfig

__all__ = ["Row", "build_rows", "judged_text"]

#: A row to judge: (dedup key, test-case fields), or None when it cannot be judged (no reference or context).
Row = tuple[tuple, dict[str, Any]] | None


def build_rows(
    reward: str,
    config: JudgeConfig,
    fields: Sequence[str],
    prompts: list | None,
    completions: list,
    kwargs: dict[str, Any],
    stats: BatchStats,
) -> list[Row]:
    """One `Row` per completion, for a judge that sees `fields` (see `config.FIELD_NAMES`).

    The judged text of a completion is its answer (`judged_text`). Input errors name `reward` (the reward's
    name). Completions are truncated to
    `config.max_completion_chars`, and `[DEEPEVAL:...]` markers are stripped from every field. Rows whose
    reference or context is None (or an empty reference) are counted in `stats.skipped` and come back as None.
    """
    n = len(completions)
    texts = [judged_text(read_completion(c), config.include_trajectory) for c in completions]
    inputs: list[str] | None = None
    if prompts is not None:
        inputs = [prompt_text(p) for p in column({"prompts": prompts}, "prompts", n, reward=reward)]
    elif "input" in fields:
        raise MissingColumnError(
            "this judge sees the prompt: pass prompts=[...] with one prompt per completion", reward=reward
        )
    refs = contexts = None
    if "expected_output" in fields:
        refs = column(kwargs, config.reference_column, n, reward=reward, param="reference_column",
                      what="the expected output")
    if "context" in fields or "retrieval_context" in fields:
        contexts = column(kwargs, config.context_column, n, reward=reward, param="context_column",
                          what="context passages")

    rows: list[Row] = []
    for i, text in enumerate(texts):
        key: list[Any] = [text, inputs[i] if inputs is not None else ""]
        case: dict[str, Any] = {"input": strip_markers(inputs[i]) if inputs is not None else ""}
        completion, cut = truncate(strip_markers(text), config.max_completion_chars)
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



def judged_text(completion: Completion, include_trajectory: bool = False) -> str:
    """What the judge reads of a completion: its answer, and with `include_trajectory` the tool calls and results.

    The answer is the answering message (the last assistant message, when it calls no tool) without its
    reasoning, parsed or inline in `<think>`: the judge assesses what the model answered, not how it thought.
    With the trajectory, each assistant turn's text and tool calls and each tool result come first, one per
    line, labelled; tool results are untrusted text like the rest, and go through the same marker stripping,
    truncation and spotlighting.
    """
    if not include_trajectory:
        return completion.answer()
    answers = {id(result.call): result for result in completion.tool_results if result.call is not None}
    lines = []
    for turn in completion.turns[:-1] if completion.answered else completion.turns:
        text = split_reasoning(turn.content)[1]
        if text.strip():
            lines.append(f"[assistant] {text}")
        for call in turn.tool_calls:
            lines.append(f"[tool call] {call.name}({_arguments_text(call.raw_arguments)})")
            result = answers.get(id(call))
            if result is not None:
                lines.append(_result_line(result))
    lines.extend(_result_line(result) for result in completion.tool_results if result.call is None)
    lines.append(f"[final answer] {completion.answer()}")
    return "\n".join(lines)


def _result_line(result: ToolResult) -> str:
    return f"[tool error] {result.error}" if result.error is not None else f"[tool result] {result.text}"


def _arguments_text(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    try:
        return json.dumps(arguments, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        return str(arguments)
