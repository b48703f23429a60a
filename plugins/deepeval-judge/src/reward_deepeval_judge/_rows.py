"""From a batch (prompts, completions, dataset columns) to the rows a judge sees: each row's sanitised
test-case fields and the key that identical rows share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reward_core import MissingColumnError, column, completion_text, prompt_text

from ._resilience import BatchStats
from ._sanitize import strip_markers, truncate
from .config import JudgeConfig

__all__ = ["Row", "build_rows"]

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

    Input errors name `reward` (the reward's name). Completions are truncated to
    `config.max_completion_chars`, and `[DEEPEVAL:...]` markers are stripped from every field. Rows whose
    reference or context is None (or an empty reference) are counted in `stats.skipped` and come back as None.
    """
    n = len(completions)
    texts = [completion_text(c) for c in completions]
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

