"""The conformance kit: check that a reward keeps the contract GRPOTrainer relies on.

    from reward_core.testing import assert_reward_contract

    def test_my_reward_keeps_the_contract():
        assert_reward_contract("acme.polite")

The same checks run from the command line as `reward-core check NAME`, and as pytest fixtures when reward-core
is installed (`reward_batch`, `check_reward`; see `reward_core.testing.pytest_plugin`).
"""

from __future__ import annotations

import copy
import inspect
import pickle
from collections.abc import Callable
from typing import Any

__all__ = ["ContractViolation", "sample_batch", "check_reward_contract", "assert_reward_contract", "CHECKS"]


class ContractViolation(AssertionError):
    """A reward broke the contract; the message lists every failed check."""


def sample_batch() -> dict[str, Any]:
    """A small GRPO-shaped batch: 2 prompts x 3 generations, with `answer`/`solution` columns and token ids."""
    texts = [
        "<think>2 + 2 is 4.</think><answer>4</answer>",
        "<think>I think it is 5</think>\nThe answer is 5.",
        "The final answer is $\\boxed{4}$.",
        "<think>6 * 7 = 42</think><answer>42</answer>",
        "42 42 42 42 42 42",
        "",
    ]
    prompts = [[{"role": "user", "content": "What is 2 + 2?"}]] * 3 + [[{"role": "user", "content": "What is 6 * 7?"}]] * 3
    return {
        "prompts": prompts,
        "completions": [[{"role": "assistant", "content": t}] for t in texts],
        "answer": ["4", "4", "4", "42", "42", "42"],
        "solution": ["4", "4", "4", "42", "42", "42"],
        "completion_ids": [[(ord(ch) % 97) + 3 for ch in t][:32] for t in texts],
    }


def _call(reward: Any, batch: dict[str, Any]) -> list:
    from ..reward import is_async_reward

    prompts, completions = batch["prompts"], batch["completions"]
    kwargs = {k: v for k, v in batch.items() if k not in {"prompts", "completions"}}
    result = reward(prompts=prompts, completions=completions, **kwargs)
    if is_async_reward(reward) or inspect.isawaitable(result):
        from .._sync import run_coroutine

        result = run_coroutine(result)
    return result


def _reorder(batch: dict[str, Any], order: list[int]) -> dict[str, Any]:
    return {k: [v[i] for i in order] if isinstance(v, list) else v for k, v in batch.items()}


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x == y or (x is None and y is None) for x, y in zip(a, b))


def check_reward_contract(reward: Any, batch: dict[str, Any] | None = None) -> list[tuple[str, str | None]]:
    """Run every check; returns `(check, problem or None)` pairs. `reward` is a name or a resolved reward."""
    from .. import get_reward
    from ..guard import GuardedReward
    from ..reward import format_score_range, is_async_reward, score_bounds

    guarded = get_reward(reward) if isinstance(reward, str) else reward
    raw = guarded.reward if isinstance(guarded, GuardedReward) else guarded
    batch = copy.deepcopy(batch) if batch is not None else sample_batch()
    results: list[tuple[str, str | None]] = []

    def check(name: str, fn: Callable[[], str | None]) -> None:
        try:
            results.append((name, fn()))
        except Exception as exc:  # a crash is a failed check, reported with the others
            results.append((name, f"raised {type(exc).__name__}: {exc}"))

    scores: list = []

    def returns_scores() -> str | None:
        from ..guard import check_scores

        scores[:] = check_scores(getattr(guarded, "__name__", "reward"), _call(raw, copy.deepcopy(batch)), len(batch["completions"]))
        return None

    def both_formats() -> str | None:
        from ..reward import completion_text

        plain = dict(copy.deepcopy(batch), completions=[completion_text(c) for c in batch["completions"]])
        plain_scores = _call(raw, plain)
        if not _same(plain_scores, scores):
            return f"plain-string completions scored {plain_scores}, conversational ones {scores}"
        return None

    def empty_batch() -> str | None:
        empty = {k: ([] if isinstance(v, list) else v) for k, v in batch.items()}
        out = _call(raw, empty)
        return None if out == [] else f"an empty batch returned {out!r}, expected []"

    def kwargs_not_mutated() -> str | None:
        given = copy.deepcopy(batch)
        _call(raw, given)
        changed = sorted(k for k in batch if given.get(k) != batch[k])
        return f"mutated its inputs: {changed}" if changed else None

    def rows_independent() -> str | None:
        order = list(range(len(batch["completions"])))[::-1]
        permuted = _call(raw, _reorder(batch, order))
        expected = [scores[i] for i in order]
        if not _same(permuted, expected):
            return f"scores depend on batch order: reversed batch gave {permuted}, expected {expected}"
        return None

    def deterministic() -> str | None:
        again = _call(raw, copy.deepcopy(batch))
        return None if _same(again, scores) else f"two calls on the same batch gave {scores} and {again}"

    def as_fn_picklable() -> str | None:
        fn = guarded.as_fn()
        clone = pickle.loads(pickle.dumps(fn))
        if getattr(clone, "__name__", None) != guarded.__name__:
            return f"as_fn() lost the name: {getattr(clone, '__name__', None)!r}"
        return None if _same(_call(clone, copy.deepcopy(batch)), scores) else "the unpickled as_fn() scores differently"

    def async_detected() -> str | None:
        declared = inspect.iscoroutinefunction(getattr(type(raw), "__call__", None)) or inspect.iscoroutinefunction(raw)
        if declared != is_async_reward(guarded):
            return "the guarded reward's sync/async kind differs from the reward's own"
        if declared != inspect.iscoroutinefunction(guarded.as_fn()):
            return "as_fn() is not async although __call__ is" if declared else "as_fn() is async, __call__ is not"
        return None

    def within_score_range() -> str | None:
        # the instance's range (params may move it); an open side is unbounded
        bounds = score_bounds(getattr(raw, "score_range", None), getattr(guarded, "__name__", "reward"))
        if bounds is None:
            return None
        low, high = bounds
        outside = [(i, s) for i, s in enumerate(scores) if s is not None and not low <= s <= high]
        if outside:
            return f"scores {outside} (row, score) fall outside the declared score_range {format_score_range(bounds)}"
        return None

    def unique_log_name() -> str | None:
        name = getattr(guarded, "__name__", None)
        if not isinstance(name, str) or not name or name in {"reward", "<lambda>"}:
            return f"log name {name!r} is generic: TRL would log rewards/{name}/mean for every such reward"
        return None

    check("returns one float or None per completion", returns_scores)
    if scores:
        check("scores both completion formats alike", both_formats)
        check("scores each completion independently (order)", rows_independent)
        check("deterministic for fixed inputs", deterministic)
        check("as_fn() pickles and scores alike", as_fn_picklable)
        check("stays within its declared score_range", within_score_range)
    check("handles an empty batch", empty_batch)
    check("never mutates its inputs", kwargs_not_mutated)
    check("async detected when async", async_detected)
    check("has a unique log name", unique_log_name)
    return results


CHECKS = [
    "returns one float or None per completion",
    "scores both completion formats alike",
    "scores each completion independently (order)",
    "deterministic for fixed inputs",
    "as_fn() pickles and scores alike",
    "stays within its declared score_range",
    "handles an empty batch",
    "never mutates its inputs",
    "async detected when async",
    "has a unique log name",
]


def assert_reward_contract(reward: Any, batch: dict[str, Any] | None = None) -> None:
    """Raise `ContractViolation` listing every broken check; `reward` is a name or a resolved reward."""
    failures = [(name, problem) for name, problem in check_reward_contract(reward, batch) if problem]
    if failures:
        label = reward if isinstance(reward, str) else getattr(reward, "__name__", repr(reward))
        lines = "\n".join(f"  - {name}: {problem}" for name, problem in failures)
        raise ContractViolation(f"reward {label!r} breaks the contract:\n{lines}")

