"""veRL: `reward.custom_reward_function.path=<this file>` (veRL >= 0.7; `custom_reward_function.path` before)
with `name=compute_score`, `compute_score_async` or `compute_score_batch`.

Signatures read from veRL's sources (0.9.1): its reward loop (verl/experimental/reward_loop/reward_loop.py)
scores each row of a batch in its own asyncio task through a reward manager (naive, dapo, rate_limited,
remote in verl/experimental/reward_loop/reward_manager/), which calls `compute_score(data_source=,
solution_str=, ground_truth=, extra_info=)` once per row: awaited when it is a coroutine function, else in
a thread. When it returns a dict, `result["score"]` is the reward and every key lands in
`reward_extra_info` (what `algorithm.filter_groups.metric` reads: `acc` below); a bare number is logged as
`acc`. The legacy managers (verl/workers/reward_manager/: `BatchRewardManager` calls
`compute_score(data_sources=, solution_strs=, ground_truths=, extra_infos=)` once per batch;
`PrimeRewardManager` calls `compute_score(data_source, solution_str, ground_truth, extra_info)` in a process
pool and reads a number) are registered for veRL <= 0.6's trainer and can be built by hand on 0.9.1.
`main_eval` calls `compute_score(data_source, solution_str, ground_truth)` and averages numbers. veRL's
loader (verl/trainer/ppo/reward.py, `get_custom_reward_fn`) imports the file by path and binds
`custom_reward_function.reward_kwargs`.

`compute_score_async` is the batch path veRL 0.9.1 has: the rows its reward loop scores concurrently are
gathered (those arriving within `batch_window` seconds, default 0.01, at most `max_batch_rows`, default
1024) into one request. `compute_score` sends one request per row; `compute_score_batch` is for a batch
manager.

Scores through the reward server at `url` (reward_kwargs) or `$REWARD_CORE_URL`, else in-process with the
spec `spec` or `$REWARD_CORE_SPEC`; the token is read from `$<token_env>` (reward_kwargs, keeping it out of
the Hydra config) or `$REWARD_CORE_SERVE_TOKEN`. The ground truth fills the column `label_column` (default `answer`);
`extra_info["question"]` (or `["prompt"]`), when a string, is the prompt (judges need it). veRL's reward
tensors take no None: a row no reward could score gets `fallback` (default 0.0) and `none_rows` 1.0. A
batch the server failed (after the client's retries) answers rows with the same keys as a scored one: every
served log name at `fallback`, and `none_rows` 1.0 (veRL gathers `reward_extra_info` key by key).

Each row is `{"score": weighted total, "acc": accuracy, <log name>: score, ..., "none_rows"}`; `acc` is the
score of reward `scores_from` (reward_kwargs, or `$REWARD_CORE_SCORES_FROM`; `total`: the weighted total),
by default the first reward whose score range lies within [0, 1] (`accuracy.py`). `return_dict=False`
returns the weighted total as a bare number: what `main_eval` and the prime manager need.

What reaches the rewards: `solution_str`, veRL's decoded response, as one plain-string completion: reasoning is
inline (`<think>`...) and, in veRL's multi-turn agent loop, tool responses are part of that text; the tool-use
rewards see no structured tool calls in it.
"""

from __future__ import annotations

# Absolute imports only: OpenRLHF and veRL import this file by its path, outside the package. reward-core's
# own modules are imported inside the functions: the trainer's process pays for them only when it scores.

import asyncio
import os
from typing import Any

__all__ = ["compute_score", "compute_score_async", "compute_score_batch"]

#: The settings of `compute_score_batch` (reward_kwargs); the rest of what veRL passes is ignored.
_SETTINGS = ("url", "spec", "token", "token_env", "label_column", "fallback", "return_dict", "scores_from")


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
    scores_from: str | None = None,
    **_: Any,
) -> list:
    """veRL's batched form: per row `{"score": total, "acc": accuracy, <log name>: score, ..., "none_rows"}`,
    or the total alone with `return_dict=False`."""
    from reward_core.serving import accuracy, extra_logs

    n = len(solution_strs)
    extra_infos = list(extra_infos) if extra_infos is not None else [None] * n
    prompts = [_prompt(e) for e in extra_infos]
    columns = {label_column: list(ground_truths), "data_source": [str(d) for d in data_sources]}
    if token is None and token_env:
        token = os.environ.get(token_env) or None
    scorer = _backend(url, spec, token)
    totals_only = not return_dict or str(return_dict).lower() == "false"
    acc_from = None if totals_only else accuracy.source(scorer, scores_from)
    result = scorer.score(
        prompts if all(p is not None for p in prompts) else None, [str(s) for s in solution_strs], columns
    )
    totals = accuracy.values(result, None, fallback)
    if totals_only:
        return totals
    acc = accuracy.values(result, acc_from, fallback)
    per_reward = {name: accuracy.values(result, name, fallback) for name in result["rewards"]}
    per_reward.update(extra_logs.reason_columns(result, extra_logs.vocabulary(scorer)))
    rows = []
    for i in range(n):
        row: dict[str, Any] = {"score": totals[i], "acc": acc[i]}
        for name, scores in per_reward.items():
            row[name] = scores[i]
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


class _Gathering:
    """The rows of one event loop and one set of settings waiting to be scored in one request."""

    def __init__(self) -> None:
        self.rows: list[tuple[Any, Any, Any, Any]] = []
        self.futures: list[asyncio.Future] = []
        self.handle: asyncio.TimerHandle | None = None


_gatherings: dict[tuple[int, tuple], _Gathering] = {}


async def compute_score_async(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    **kwargs: Any,
) -> Any:
    """veRL's per-row form as a coroutine: the rows veRL's reward loop scores concurrently are sent together.

    A row waits at most `batch_window` seconds (reward_kwargs, default 0.01) for others with the same
    settings; `max_batch_rows` (default 1024) rows go at once. The request runs in a thread, off the loop.
    """
    loop = asyncio.get_running_loop()
    window = float(kwargs.pop("batch_window", 0.01))
    most = int(kwargs.pop("max_batch_rows", 1024))
    settings = tuple(sorted((k, v) for k, v in kwargs.items() if k in _SETTINGS))
    key = (id(loop), settings)
    gathering = _gatherings.get(key)
    if gathering is None:
        gathering = _gatherings[key] = _Gathering()
        gathering.handle = loop.call_later(window, _send, loop, key)
    future = loop.create_future()
    gathering.rows.append((data_source, solution_str, ground_truth, extra_info))
    gathering.futures.append(future)
    if len(gathering.rows) >= most:
        gathering.handle.cancel()
        _send(loop, key)
    return await future


def _send(loop: asyncio.AbstractEventLoop, key: tuple[int, tuple]) -> None:
    gathering = _gatherings.pop(key, None)
    if gathering is None:
        return
    settings = dict(key[1])
    sources, solutions, truths, infos = (list(column) for column in zip(*gathering.rows))
    call = loop.run_in_executor(None, lambda: compute_score_batch(sources, solutions, truths, infos, **settings))

    def answer(done: asyncio.Future) -> None:
        for i, future in enumerate(gathering.futures):
            if future.done():
                continue
            if done.cancelled():
                future.cancel()
            elif done.exception() is not None:
                future.set_exception(done.exception())
            else:
                future.set_result(done.result()[i])

    call.add_done_callback(answer)


def _forget_backends() -> None:
    """In a forked child (a process pool, such as veRL's prime manager): build its own backend."""
    from reward_core.serving._backend import backend

    backend.cache_clear()
    _gatherings.clear()


os.register_at_fork(after_in_child=_forget_backends)

if __name__ != "reward_core.serving.verl":
    # Loaded by path (veRL's loader names the module after a hash of the path): hand out the package's own
    # functions, which pickle by reference, so process pools (the prime manager) and Ray workers can take them.
    from reward_core.serving.verl import (  # noqa: E402,F811
        compute_score,
        compute_score_async,
        compute_score_batch,
    )
