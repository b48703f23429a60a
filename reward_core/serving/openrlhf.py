"""OpenRLHF: the `/get_reward` shapes, and a `reward_func` file for `--remote_rm_url /path/to/openrlhf.py`.

Shapes read from OpenRLHF's sources (openrlhf/cli/serve_rm.py, openrlhf/utils/remote_rm_utils.py, and the
`reward_func` example of its README): the trainer POSTs `{"query": [...], "prompts": [...], "labels": [...]}`
(`query` is prompt + response as the model saw it) and reads `"rewards"` from the JSON answer (newer
versions also `"scores"` and `"extra_logs"`); a file passed as `--remote_rm_url` is imported by path and its
`reward_func(queries, prompts, labels)` returns `{"rewards", "scores", "extra_logs"}`.

This module is imported by path by OpenRLHF: it only needs reward-core installed. Set `REWARD_CORE_URL` (and
`REWARD_CORE_SERVE_TOKEN`) to score through a reward server, or `REWARD_CORE_SPEC` to score in-process.
`REWARD_CORE_LABEL_COLUMN` (default `answer`) names the column the labels fill. `rewards` is the weighted
total; `scores`, which OpenRLHF's dynamic filtering reads as an accuracy in [0, 1], is one reward's score:
`REWARD_CORE_SCORES_FROM` names it (`total`: the weighted total), by default the first reward whose score
range lies within [0, 1] (`accuracy.py`).

What reaches the rewards: the response part of each `query` (decoded text; `split_query` says how a
truncated prompt is cut off), as one plain-string completion: reasoning is inline and, in OpenRLHF's
multi-turn agent mode, tool responses are part of that text.
"""

from __future__ import annotations

# Absolute imports only: OpenRLHF and veRL import this file by its path, outside the package. reward-core's
# own modules are imported inside the functions: the trainer's process pays for them only when it scores.

import os
from typing import Any

__all__ = ["reward_func", "parse_request", "build_response", "split_query"]

#: OpenRLHF's reward tensors take no None: a row no reward could score gets this (`REWARD_CORE_FALLBACK`).
DEFAULT_FALLBACK = 0.0


#: The shortest tail of a prompt taken as the head of a query whose prompt OpenRLHF truncated (characters).
MIN_TAIL = 16
_ANCHOR = 64


def _tail_overlap(prompt: str, query: str) -> int:
    """The length of the longest tail of `prompt` that `query` starts with (0 when none)."""
    anchor = query[:_ANCHOR]
    if len(anchor) == _ANCHOR:  # a tail at least as long as the anchor starts where the anchor occurs
        start = prompt.find(anchor)
        while start != -1:
            if query.startswith(prompt[start:]):
                return len(prompt) - start
            start = prompt.find(anchor, start + 1)
    for length in range(min(len(prompt), len(query), _ANCHOR), 0, -1):
        if prompt.endswith(query[:length]):
            return length
    return 0


def split_query(query: str, prompt: Any) -> str:
    """The response part of an OpenRLHF query: the query (prompt + response, decoded from the tokens the
    model saw) less the prompt.

    OpenRLHF keeps the last tokens of a prompt too long for `--max_len` (its `SingleTurnAgentExecutor`), so
    the query then starts with the prompt's tail, while `prompts` carries the whole prompt: the longest
    tail of the prompt that the query starts with (at least `MIN_TAIL` characters) is cut. When the query
    starts with neither the prompt nor such a tail (a prompt that does not decode back to itself), the
    whole query is scored.
    """
    if not isinstance(prompt, str) or not prompt:
        return query
    if query.startswith(prompt):
        return query[len(prompt):]
    overlap = _tail_overlap(prompt, query)
    return query[overlap:] if overlap >= min(MIN_TAIL, len(prompt)) else query


def parse_request(body: Any, label_column: str = "answer") -> tuple[list | None, list, dict[str, Any]]:
    """`(prompts, completions, columns)` from an OpenRLHF `/get_reward` body; `BadRequestError` when malformed."""
    from reward_core.serving.errors import BadRequestError

    if not isinstance(body, dict) or not isinstance(body.get("query"), list):
        raise BadRequestError("OpenRLHF /get_reward takes {'query': [prompt + response, ...], 'prompts': [...], "
                              "'labels': [...]} (prompts and labels optional)")
    queries = body["query"]
    if not all(isinstance(q, str) for q in queries):
        raise BadRequestError("every 'query' must be a string (prompt + response)")
    prompts = body.get("prompts")
    if prompts is not None and (not isinstance(prompts, list) or len(prompts) != len(queries)):
        raise BadRequestError(f"'prompts' must be a list with one prompt per query ({len(queries)})")
    completions = [split_query(q, prompts[i] if prompts else None) for i, q in enumerate(queries)]
    columns: dict[str, Any] = {}
    labels = body.get("labels")
    if labels is not None:
        if not isinstance(labels, list) or len(labels) != len(queries):
            raise BadRequestError(f"'labels' must be a list with one label per query ({len(queries)})")
        columns[label_column] = labels
    return prompts, completions, columns


def build_response(result: dict[str, Any], fallback: float = DEFAULT_FALLBACK,
                   scores_from: str | None = None, reason_codes: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """OpenRLHF's answer from a scored batch: `rewards` (the weighted total, what it trains on), `scores`
    (reward `scores_from`'s scores, the weighted total when None: what its dynamic filtering reads) and
    `extra_logs` per reward, plus `none_rows` and, with `reason_codes` (`extra_logs.vocabulary`), one 0/1
    column per reason code (its mean is the code's share). `scores_from` is picked by `accuracy.source`."""
    from reward_core.serving.accuracy import values
    from reward_core.serving.extra_logs import reason_columns

    extra_logs: dict[str, Any] = {name: values(result, name, fallback) for name in result["rewards"]}
    extra_logs["none_rows"] = [float(v is None) for v in result["reward"]]
    if reason_codes:
        extra_logs.update(reason_columns(result, reason_codes))
    return {"rewards": values(result, None, fallback), "scores": values(result, scores_from, fallback),
            "extra_logs": extra_logs}


def reward_func(queries: list, prompts: list, labels: list | None = None, **kwargs: Any) -> dict[str, Any]:
    """OpenRLHF's custom reward function: scores `queries` with the served (or in-process) rewards.

    Returns `{"rewards", "scores", "extra_logs"}`; tensors when torch is importable (OpenRLHF's trainer always
    has it), lists otherwise.
    """
    from reward_core.serving import accuracy, extra_logs
    from reward_core.serving._backend import backend_from_env

    backend = backend_from_env()
    label_column = os.environ.get("REWARD_CORE_LABEL_COLUMN", "answer")
    body = {"query": list(queries), "prompts": list(prompts) if prompts is not None else None,
            "labels": list(labels) if labels is not None else None}
    prompt_list, completions, columns = parse_request(body, label_column)
    scores_from = accuracy.source(backend)
    result = backend.score(prompt_list, completions, columns)
    fallback = float(os.environ.get("REWARD_CORE_FALLBACK", DEFAULT_FALLBACK))
    answer = build_response(result, fallback, scores_from, extra_logs.vocabulary(backend))
    try:
        import torch
    except ImportError:
        return answer
    return {
        "rewards": torch.tensor(answer["rewards"], dtype=torch.float32),
        "scores": torch.tensor(answer["scores"], dtype=torch.float32),
        "extra_logs": {k: torch.tensor(v, dtype=torch.float32) for k, v in answer["extra_logs"].items()},
    }
