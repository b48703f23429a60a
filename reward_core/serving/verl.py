"""veRL: `custom_reward_function.path=<this file>` with `name=compute_score` (or `compute_score_batch`).

Signatures read from veRL's sources: the naive/dapo/prime reward managers (verl/workers/reward_manager/
naive.py) call `compute_score(data_source=, solution_str=, ground_truth=, extra_info=)` once per row and,
when it returns a dict, use `result["score"]` as the reward and log every key in `reward_extra_info`; the
batch manager (verl/workers/reward_manager/batch.py) calls `compute_score(data_sources=, solution_strs=,
ground_truths=, extra_infos=)` once per batch. veRL's loader (verl/trainer/ppo/reward.py,
`get_custom_reward_fn`) imports the file by path and binds `custom_reward_function.reward_kwargs`.

Scores through the reward server at `url` (reward_kwargs) or `$REWARD_CORE_URL`, else in-process with the
spec `spec` or `$REWARD_CORE_SPEC`; the token is read from `$<token_env>` (reward_kwargs, keeping it out of
the Hydra config) or `$REWARD_CORE_SERVE_TOKEN`. The ground truth fills the column `label_column` (default `answer`);
`extra_info["question"]` (or `["prompt"]`), when a string, is the prompt (judges need it). veRL's reward
tensors take no None: a row no reward could score gets `fallback` (default 0.0) and `none_rows` 1.0. A
batch the server failed (after the client's retries) answers rows with the same keys as a scored one: every
served log name at `fallback`, and `none_rows` 1.0 (veRL gathers `reward_extra_info` key by key).

What reaches the rewards: `solution_str`, veRL's decoded response, as one plain-string completion: reasoning is
inline (`<think>`...) and, in veRL's multi-turn agent loop, tool responses are part of that text; the tool-use
rewards see no structured tool calls in it.
"""

from __future__ import annotations

# Absolute imports only: OpenRLHF and veRL import this file by its path, outside the package.

from typing import Any

__all__ = ["compute_score", "compute_score_batch"]


def _backend(url: str | None, spec: str | None, token: str | None) -> Any:
    from reward_core.serving._backend import backend, backend_from_env

    return backend(url, spec, token) if (url or spec) else backend_from_env()


def _prompt(extra_info: Any) -> str | None:
    if isinstance(extra_info, dict):
        for key in ("question", "prompt"):
            if isinstance(extra_info.get(key), str):
                return extra_info[key]
    return None


def compute_score_batch(
    data_sources: list,
    solution_strs: list,
    ground_truths: list,
    extra_infos: list | None = None,
    *,
    url: str | None = None,
    spec: str | None = None,
    token: str | None = None,
    token_env: str | None = None,
    label_column: str = "answer",
    fallback: float = 0.0,
    return_dict: bool = True,
    **_: Any,
) -> list:
    """veRL's batched form: one score (or `{"score": total, <log name>: score, ..., "none_rows"}`) per row."""
    from reward_core.serving.service import finite_or

    n = len(solution_strs)
    extra_infos = list(extra_infos) if extra_infos is not None else [None] * n
    prompts = [_prompt(e) for e in extra_infos]
    columns = {label_column: list(ground_truths), "data_source": [str(d) for d in data_sources]}
    if token is None and token_env:
        import os

        token = os.environ.get(token_env) or None
    result = _backend(url, spec, token).score(
        prompts if all(p is not None for p in prompts) else None, [str(s) for s in solution_strs], columns
    )
    totals = [finite_or(v, fallback) for v in result["reward"]]
    if not return_dict:
        return totals
    rows = []
    for i in range(n):
        row: dict[str, Any] = {"score": totals[i]}
        for name, scores in result["rewards"].items():
            row[name] = finite_or(scores[i], fallback)
        row["none_rows"] = float(result["reward"][i] is None)
        rows.append(row)
    return rows


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    **kwargs: Any,
) -> Any:
    """veRL's per-row form (the naive reward manager): the batched form on a batch of one."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kwargs)[0]
