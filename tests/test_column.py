"""`reward_core.column`: a dataset column with one value per completion, read the way every reward reads it."""

from __future__ import annotations

import pytest

import reward_core
from reward_core import ColumnLengthError, MissingColumnError, RewardInputError, column, get_reward, register_reward


@pytest.fixture
def gold_reward():
    @register_reward("testcol.gold_length")
    def gold_length(prompts, completions, **kwargs):
        golds = column(kwargs, "answer", len(completions), param="answer_column", what="the gold answers")
        return [float(len(str(g))) for g in golds]

    yield "testcol.gold_length"
    reward_core.reset_plugins()


def test_column_returns_a_list_from_a_list_or_tuple():
    assert column({"answer": ["4", "6"]}, "answer", 2) == ["4", "6"]
    assert column({"answer": ("4", "6")}, "answer", 2) == ["4", "6"]


def test_optional_column_missing_or_none_is_none():
    assert column({}, "completion_ids", 3, required=False) is None
    assert column({"completion_ids": None}, "completion_ids", 3, required=False) is None


def test_missing_column_through_the_reward_names_reward_column_and_fix(gold_reward):
    with pytest.raises(MissingColumnError) as info:
        get_reward(gold_reward)(prompts=["p"], completions=["c"], solution=["4"])
    message = str(info.value)
    assert gold_reward in message and "'answer'" in message and "['solution']" in message
    assert "answer_column" in message
    assert isinstance(info.value, RewardInputError)


def test_wrong_length_through_the_reward_is_a_column_length_error(gold_reward):
    with pytest.raises(ColumnLengthError, match=r"column .answer. .*has 1 values for 2"):
        get_reward(gold_reward)(prompts=["p", "p"], completions=["a", "b"], answer=["4"])


@pytest.mark.parametrize("bad", ["46", b"46", {"a": 1}, 46])
def test_a_column_that_is_not_a_sequence_of_values_is_refused(bad):
    with pytest.raises(ColumnLengthError, match="must be a list with one value per completion"):
        column({"answer": bad}, "answer", 2, reward="demo.x")


def test_the_reward_name_comes_from_a_reward_object():
    class Named:
        __name__ = "demo.named"

    with pytest.raises(MissingColumnError, match="reward 'demo.named'"):
        column({}, "answer", 1, reward=Named())


def test_skip_policy_scores_the_batch_none_instead_of_raising(gold_reward):
    reward = reward_core.load_rewards([{"name": gold_reward, "on_error": "skip"}]).reward_funcs[0]
    with pytest.warns(reward_core.RewardRowWarning):
        assert reward(prompts=["p"], completions=["c"]) == [None]


def test_a_required_column_that_is_none_says_so():
    with pytest.raises(MissingColumnError, match="the dataset column 'answer' is None"):
        column({"answer": None}, "answer", 2, reward="demo.x")
