"""Guard rails on every resolved reward: output and input checks, kwargs never mutated."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import reward_core
from reward_core import ColumnLengthError, MalformedCompletionError, RewardCoreError, RewardOutputError


def resolve_returning(value_factory, name="test.returns"):
    def fixed(completions, **kwargs):
        return value_factory(completions)

    reward_core.register_reward(name, fixed)
    return reward_core.get_reward(name)


@pytest.mark.parametrize(
    "factory, fragment, index",
    [
        (lambda c: np.array([1.0] * len(c)), "ndarray instead of a list", None),
        (lambda c: (1.0 for _ in c), "generator instead of a list", None),
        (lambda c: tuple(1.0 for _ in c), "tuple instead of a list", None),
        (lambda c: [1.0] * (len(c) + 1), "4 scores for 3 completions", None),
        (lambda c: [1.0, math.nan, 1.0], "finite", 1),
        (lambda c: [1.0, 1.0, math.inf], "finite", 2),
        (lambda c: [None, -math.inf, 1.0], "finite", 1),
        (lambda c: [True, 1.0, 1.0], "bool is not a number", 0),
        (lambda c: [1.0, np.bool_(True), 1.0], "not a number", 1),
        (lambda c: [1.0, 1.0, "1.0"], "str is not a number", 2),
        (lambda c: [1.0, [1.0], 1.0], "list is not a number", 1),
        (lambda c: [10**400, 1.0, 1.0], "finite", 0),
        (lambda c: 1.0, "float instead of a list", None),
    ],
)
def test_bad_outputs_raise_an_error_naming_reward_index_and_value(factory, fragment, index):
    reward = resolve_returning(factory)
    with pytest.raises(RewardOutputError, match=fragment) as info:
        reward(prompts=["a", "b", "c"], completions=["x", "y", "z"])
    error = info.value
    assert error.reward == "test.returns" and "'test.returns'" in str(error)
    assert error.index == index
    assert isinstance(error, RewardCoreError)


def test_good_outputs_pass_and_numpy_scalars_become_floats():
    assert resolve_returning(lambda c: [1, 0.5, None])(prompts=["a"] * 3, completions=["x"] * 3) == [1, 0.5, None]
    out = resolve_returning(lambda c: [np.float32(0.5), np.int64(2), np.float64(1.5)])(
        prompts=["a"] * 3, completions=["x"] * 3
    )
    assert out == [0.5, 2.0, 1.5] and all(type(v) is float for v in out)
    assert resolve_returning(lambda c: [])(prompts=[], completions=[]) == []
    big = [1e308, 1e308]  # the fast sum overflows; each value is finite, so it passes
    assert resolve_returning(lambda c: big)(prompts=["a", "b"], completions=["x", "y"]) == big


@pytest.mark.parametrize(
    "completions, row, fragment",
    [
        (["ok", [{"role": "assistant"}], "ok"], 1, "'content'"),
        (["ok", "ok", 17], 2, "string or a list"),
        ([[{"role": "assistant", "content": "a"}, {"role": 3, "content": "b"}]], 0, "role"),
        ([[{"role": "assistant", "content": {"text": "a"}}]], 0, "content"),
        ([[{"role": "assistant", "content": "", "tool_calls": "calc(2)"}]], 0, "tool_calls"),
    ],
)
def test_malformed_completions_name_reward_and_row(completions, row, fragment):
    reward_core.register_reward("test.echo", lambda completions, **kw: [float(len(reward_core.completion_text(c))) for c in completions])
    reward = reward_core.get_reward("test.echo")
    with pytest.raises(MalformedCompletionError, match=fragment) as info:
        reward(prompts=["p"] * len(completions), completions=completions)
    assert info.value.reward == "test.echo" and info.value.row == row
    assert f"row {row}" in str(info.value)


def test_indexing_into_a_malformed_row_still_names_the_row():
    def indexes_messages(completions, **kwargs):
        return [float(len(c[0]["content"])) for c in completions]

    reward_core.register_reward("test.indexes_messages", indexes_messages)
    reward = reward_core.get_reward("test.indexes_messages")
    with pytest.raises(MalformedCompletionError) as info:
        reward(prompts=["p", "p"], completions=[[{"role": "assistant", "content": "a"}], [{"text": "b"}]])
    assert info.value.row == 1 and isinstance(info.value.__cause__, KeyError)


def test_a_genuine_bug_in_a_reward_is_not_disguised_as_bad_input():
    def buggy(completions, **kwargs):
        return [1.0 / 0 for _ in completions]

    reward_core.register_reward("test.buggy", buggy)
    with pytest.raises(ZeroDivisionError):
        reward_core.get_reward("test.buggy")(prompts=["p"], completions=["fine"])


def test_columns_and_prompts_must_have_one_value_per_completion():
    reward_core.register_reward("test.zero", lambda completions, **kw: [0.0] * len(completions))
    reward = reward_core.get_reward("test.zero")
    with pytest.raises(ColumnLengthError, match="column 'answer' has 1 values for 2 completions") as info:
        reward(prompts=["p", "q"], completions=["a", "b"], answer=["only one"])
    assert info.value.reward == "test.zero"
    with pytest.raises(ColumnLengthError, match="3 prompts for 2 completions"):
        reward(prompts=["p", "q", "r"], completions=["a", "b"])
    with pytest.raises(ColumnLengthError, match="completion_ids"):
        reward(prompts=["p", "q"], completions=["a", "b"], completion_ids=[[1, 2]])
    # scalars and callables (trainer_state, log_metric) are not per-row columns
    assert reward(prompts=["p", "q"], completions=["a", "b"], trainer_state=object(), log_metric=print) == [0.0, 0.0]


def test_kwargs_are_never_mutated_even_by_a_reward_that_tries(use_plugins):
    use_plugins("good")
    reward = reward_core.get_reward("fixture.mutating")
    prompts = ["p1", "p2"]
    completions = ["c1", "c2"]
    kwargs = {"answer": ["a1", "a2"], "solution": ("s1", "s2")}
    before = copy.deepcopy((prompts, completions, kwargs))
    assert reward(prompts=prompts, completions=completions, **kwargs) == [0.0, 0.0]
    assert (prompts, completions, kwargs) == before


def test_async_rewards_are_guarded_too():
    async def bad_async(completions, **kwargs):
        return [math.nan for _ in completions]

    reward_core.register_reward("test.bad_async", bad_async)
    reward = reward_core.get_reward("test.bad_async")
    assert reward_core.is_async_reward(reward)
    with pytest.raises(RewardOutputError, match="finite") as info:
        reward.score(["p"], ["c"])
    assert info.value.index == 0


def _fragile(completions, **kwargs):
    scores = []
    for completion in completions:
        text = reward_core.completion_text(completion)
        if "boom" in text:
            raise RuntimeError("cannot score a completion that says boom")
        scores.append(math.nan if text == "nan" else float(len(text)))
    return scores


def test_on_error_raise_is_the_default_and_stops_on_the_first_failure():
    reward_core.register_reward("test.fragile", _fragile)
    with pytest.raises(RuntimeError, match="boom"):
        reward_core.get_reward("test.fragile")(prompts=["p", "p"], completions=["ok", "boom"])
    with pytest.raises(RewardOutputError) as info:
        reward_core.get_reward("test.fragile")(prompts=["p", "p"], completions=["ok", "nan"])
    assert info.value.index == 1


def test_on_error_skip_scores_only_the_failing_rows_none_and_goes_on():
    reward_core.register_reward("test.fragile", _fragile)
    (reward,) = reward_core.load_rewards({"on_error": "skip", "rewards": ["test.fragile"]}).reward_funcs
    logged = []
    batch = ["ok", "boom", "nan", [{"role": "assistant"}], "four"]
    with pytest.warns(reward_core.RewardRowWarning) as warned:
        scores = reward(prompts=["p"] * 5, completions=batch, answer=["a"] * 5,
                        log_metric=lambda name, value: logged.append((name, value)))
    assert scores == [2.0, None, None, None, 4.0]
    message = str(warned[0].message)
    assert "'test.fragile': 3 of 5 row(s) scored None" in message and "rows 1, 2, 3" in message
    assert "boom" in message
    assert logged == [("test.fragile/failed_rows", 3.0), ("test.fragile/reason/failed", 0.6)]
    # a NaN alone, without an exception: only that index becomes None
    with pytest.warns(reward_core.RewardRowWarning, match="rows 1"):
        assert reward(prompts=["p", "p"], completions=["ok", "nan"]) == [2.0, None]
    # failures no row can explain still raise
    with pytest.raises(ColumnLengthError):
        reward(prompts=["p"], completions=["ok"], answer=["a", "b"])


def test_on_error_skip_for_async_rewards_and_from_the_environment(monkeypatch):
    async def fragile_async(completions, **kwargs):
        return _fragile(completions)

    reward_core.register_reward("test.fragile_async", fragile_async)
    monkeypatch.setenv("REWARD_CORE_ON_ERROR", "skip")
    reward = reward_core.get_reward("test.fragile_async")
    assert reward.on_error == "skip"
    with pytest.warns(reward_core.RewardRowWarning, match="1 of 3"):
        assert reward.score(["p"] * 3, ["ok", "boom", "three"]) == [2.0, None, 5.0]
