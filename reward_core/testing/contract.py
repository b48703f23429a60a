"""The conformance kit's checks (`CHECKS`) and the functions that run them; see `reward_core.testing`."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from collections.abc import Callable
from typing import Any

from .. import get_reward
from ..guard import GuardedReward, check_scores
from ..completion import completion_text, split_reasoning
from ..reasons import reason_code
from ..calling import call_reward, is_async_reward
from ..reward import format_score_range, score_bounds

__all__ = [
    "ContractViolation",
    "Check",
    "CHECKS",
    "sample_batch",
    "tool_trajectory",
    "check_reward_contract",
    "assert_reward_contract",
]


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


@dataclasses.dataclass
class _Subject:
    """What the checks look at: the reward as resolved and unwrapped, the batch, and its first scores."""

    guarded: Any  # as `get_reward` returns it: log name, kind and `as_fn()` are checked here
    raw: Any  # the reward itself, called without the guard so the checks see what it really returns
    batch: dict[str, Any]
    scores: list | None = None  # set by the first check; the checks that compare scores need them

    @property
    def name(self) -> str:
        return getattr(self.guarded, "__name__", "reward")

    def call(self, reward: Any = None, batch: dict[str, Any] | None = None) -> Any:
        """What `reward` (the raw one by default) returns for a copy of `batch` (the sample by default)."""
        batch = copy.deepcopy(self.batch if batch is None else batch)
        return call_reward(self.raw if reward is None else reward, **batch)


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x == y or (x is None and y is None) for x, y in zip(a, b))


def _returns_scores(s: _Subject) -> str | None:
    s.scores = check_scores(s.name, s.call(), len(s.batch["completions"]))
    return None


def _both_formats(s: _Subject) -> str | None:
    plain = s.call(batch=dict(s.batch, completions=[completion_text(c) for c in s.batch["completions"]]))
    if not _same(plain, s.scores):
        return f"plain-string completions scored {plain}, conversational ones {s.scores}"
    return None


def _parsed_reasoning(s: _Subject) -> str | None:
    # Completions that open with a reasoning block, inline in the reward's own reasoning tag (a config field
    # `reasoning_tag` or `think_tag`, else "think") and parsed into reasoning_content as a response parser does.
    config = getattr(s.raw, "config", None)
    tag = getattr(config, "reasoning_tag", None) or getattr(config, "think_tag", None) or "think"
    inline, parsed = [], []
    for completion in s.batch["completions"]:
        reasoning, answer = split_reasoning(completion_text(completion))
        if reasoning:
            inline.append([{"role": "assistant", "content": f"<{tag}>{reasoning}</{tag}>{answer}"}])
            parsed.append([{"role": "assistant", "reasoning_content": reasoning, "content": answer}])
        else:
            inline.append(completion)
            parsed.append(completion)
    inline_scores = s.call(batch=dict(s.batch, completions=inline))
    parsed_scores = s.call(batch=dict(s.batch, completions=parsed))
    if not _same(inline_scores, parsed_scores):
        return (f"reasoning parsed into reasoning_content scored {parsed_scores}, the same reasoning inline in "
                f"<{tag}> {inline_scores}; read completions with reward_core.completion_text or read_completion")
    return None


def tool_trajectory(completion: Any, tool_output: str) -> list[dict[str, Any]]:
    """`completion` as the last turn of a tool trajectory: a call, the tool's `tool_output`, then the answer."""
    call = {"type": "function", "function": {"name": "lookup", "arguments": {"query": "the answer"}}}
    return [
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "name": "lookup", "content": tool_output},
        {"role": "assistant", "content": completion_text(completion)},
    ]


def _tool_trajectories(s: _Subject) -> str | None:
    # Each completion after a tool call whose result holds another row's text (tags, answers) and an error.
    completions = s.batch["completions"]
    outputs = [completion_text(completions[(i + 1) % len(completions)]) for i in range(len(completions))]
    outputs = [text if i % 2 else f"{{'error': {text!r}}}" for i, text in enumerate(outputs)]
    batch = dict(s.batch, completions=[tool_trajectory(c, out) for c, out in zip(completions, outputs)])
    scores = s.call(batch=batch)
    check_scores(s.name, scores, len(completions))
    return None


def _reasons_declared(s: _Subject) -> str | None:
    # Reasons are optional; when given, one per row (a str or None), each a declared code (optionally 'code: detail').
    result = s.call()
    reasons = getattr(result, "reasons", None)
    if reasons is None:
        return None
    declared = getattr(s.raw, "reason_codes", None) or {}
    if not isinstance(reasons, list) or len(reasons) != len(s.batch["completions"]):
        return f"gave {len(reasons) if isinstance(reasons, list) else type(reasons).__name__} reasons for " \
               f"{len(s.batch['completions'])} completions"
    bad = [r for r in reasons if r is not None and (type(r) is not str or reason_code(r) not in declared)]
    if bad:
        return f"reasons {bad[:3]!r} are not among its declared reason_codes {sorted(declared)}"
    return None


def _rows_independent(s: _Subject) -> str | None:
    order = list(range(len(s.batch["completions"])))[::-1]
    reordered = {k: [v[i] for i in order] if isinstance(v, list) else v for k, v in s.batch.items()}
    permuted = s.call(batch=reordered)
    expected = [s.scores[i] for i in order]
    if not _same(permuted, expected):
        return f"scores depend on batch order: reversed batch gave {permuted}, expected {expected}"
    return None


def _deterministic(s: _Subject) -> str | None:
    again = s.call()
    return None if _same(again, s.scores) else f"two calls on the same batch gave {s.scores} and {again}"


def _as_fn_picklable(s: _Subject) -> str | None:
    clone = pickle.loads(pickle.dumps(s.guarded.as_fn()))
    if getattr(clone, "__name__", None) != s.name:
        return f"as_fn() lost the name: {getattr(clone, '__name__', None)!r}"
    return None if _same(s.call(clone), s.scores) else "the unpickled as_fn() scores differently"


def _within_score_range(s: _Subject) -> str | None:
    # the instance's range: params may move it
    bounds = score_bounds(getattr(s.raw, "score_range", None), s.name)
    if bounds is None:
        return None
    low, high = bounds
    outside = [(i, score) for i, score in enumerate(s.scores) if score is not None and not low <= score <= high]
    if outside:
        return f"scores {outside} (row, score) fall outside the declared score_range {format_score_range(bounds)}"
    return None


def _empty_batch(s: _Subject) -> str | None:
    out = s.call(batch={k: ([] if isinstance(v, list) else v) for k, v in s.batch.items()})
    return None if out == [] else f"an empty batch returned {out!r}, expected []"


def _inputs_not_mutated(s: _Subject) -> str | None:
    given = copy.deepcopy(s.batch)
    call_reward(s.raw, **given)
    changed = sorted(k for k in s.batch if given.get(k) != s.batch[k])
    return f"mutated its inputs: {changed}" if changed else None


def _async_detected(s: _Subject) -> str | None:
    # Read from the class, as Python calls it, rather than through `is_async_reward`, which is what is checked.
    declared = inspect.iscoroutinefunction(getattr(type(s.raw), "__call__", None)) or inspect.iscoroutinefunction(s.raw)
    if declared != is_async_reward(s.guarded):
        return "the guarded reward's sync/async kind differs from the reward's own"
    if declared != inspect.iscoroutinefunction(s.guarded.as_fn()):
        return "as_fn() is not async although __call__ is" if declared else "as_fn() is async, __call__ is not"
    return None


def _non_generic_log_name(s: _Subject) -> str | None:
    name = getattr(s.guarded, "__name__", None)
    if not isinstance(name, str) or not name or name in {"reward", "<lambda>"}:
        return f"log name {name!r} is generic: TRL would log rewards/{name}/mean for every such reward"
    return None


@dataclasses.dataclass(frozen=True)
class Check:
    """One rule of the contract: `name` is how reports list it; `run` returns the problem, or None."""

    name: str
    run: Callable[[_Subject], str | None]
    needs_scores: bool = False  # compares with the first check's scores: runs only when there are some


#: Every check, in the order `check_reward_contract` runs and reports them. The first sets the scores.
CHECKS: tuple[Check, ...] = (
    Check("returns one float or None per completion", _returns_scores),
    Check("scores both completion formats alike", _both_formats, needs_scores=True),
    Check("scores parsed reasoning as inline reasoning", _parsed_reasoning, needs_scores=True),
    Check("scores tool-call trajectories", _tool_trajectories),
    Check("gives reasons from its declared codes, one per row", _reasons_declared, needs_scores=True),
    Check("scores each completion independently (order)", _rows_independent, needs_scores=True),
    Check("deterministic for fixed inputs", _deterministic, needs_scores=True),
    Check("as_fn() pickles and scores alike", _as_fn_picklable, needs_scores=True),
    Check("stays within its declared score_range", _within_score_range, needs_scores=True),
    Check("handles an empty batch", _empty_batch),
    Check("never mutates its inputs", _inputs_not_mutated),
    Check("async detected when async", _async_detected),
    Check("has a non-generic log name", _non_generic_log_name),
)


def check_reward_contract(reward: Any, batch: dict[str, Any] | None = None) -> list[tuple[str, str | None]]:
    """Run the checks in `CHECKS`; returns `(check name, problem or None)` pairs. `reward` is a name or a
    resolved reward. The checks that compare scores are left out when the reward returned none valid."""
    guarded = get_reward(reward) if isinstance(reward, str) else reward
    raw = guarded.reward if isinstance(guarded, GuardedReward) else guarded
    subject = _Subject(guarded, raw, copy.deepcopy(batch) if batch is not None else sample_batch())
    results: list[tuple[str, str | None]] = []
    for check in CHECKS:
        if check.needs_scores and not subject.scores:
            continue
        try:
            problem = check.run(subject)
        except Exception as exc:  # a crash is a failed check, reported with the others
            problem = f"raised {type(exc).__name__}: {exc}"
        results.append((check.name, problem))
    return results


def assert_reward_contract(reward: Any, batch: dict[str, Any] | None = None) -> None:
    """Raise `ContractViolation` listing every broken check; `reward` is a name or a resolved reward."""
    failures = [(name, problem) for name, problem in check_reward_contract(reward, batch) if problem]
    if failures:
        label = reward if isinstance(reward, str) else getattr(reward, "__name__", repr(reward))
        lines = "\n".join(f"  - {name}: {problem}" for name, problem in failures)
        raise ContractViolation(f"reward {label!r} breaks the contract:\n{lines}")
