"""`math.think_format`, `math.soft_overlong` and `math.repetition_penalty` beside the core's `trl.*` adapters.

Both sides are resolved by name and called as GRPOTrainer calls them, `get_reward(name)(prompts, completions,
**columns)`. Where the README's table ("Differences from the `trl.*` rewards") says they agree they return the
same floats; each difference it lists is a case here, with both outcomes.
"""

from __future__ import annotations

import array
import random

import pytest

import reward_core
from reward_core.errors import InvalidParamsError, MissingColumnError, RewardInputError

pytest.importorskip("trl.rewards")
torch = pytest.importorskip("torch")

PAIRS = {
    "math.think_format": "trl.think_format_reward",
    "math.soft_overlong": "trl.soft_overlong_punishment",
    "math.repetition_penalty": "trl.repetition_penalty",
}


def outcome(name: str, params: dict, completions: list, **columns):
    """The scores, or the type of the error raised (resolving the reward or calling it)."""
    try:
        reward = reward_core.get_reward(name, **params)
        return reward(prompts=["q"] * len(completions), completions=completions, **columns)
    except Exception as exc:  # the error's type is the outcome
        return type(exc)


def both(name: str, params: dict, completions: list, **columns) -> tuple:
    return outcome(name, params, completions, **columns), outcome(PAIRS[name], params, completions, **columns)


def test_repetition_penalty_agrees_on_token_ids():
    rng = random.Random(3)
    batch = []
    for _ in range(300):
        vocab = rng.choice([2, 5, 50, 30_000])
        batch.append([rng.randrange(vocab) for _ in range(rng.randrange(0, 120))])
    batch += [tuple(batch[1]), array.array("l", batch[2])]  # token ids on both sides
    for ngram_size in (1, 2, 3, 4, 7):
        for max_penalty in (-1.0, -0.5, 0.0, -3.0):
            params = {"ngram_size": ngram_size, "max_penalty": max_penalty}
            ours, theirs = both("math.repetition_penalty", params, ["x"] * len(batch), completion_ids=batch)
            assert ours == theirs, params


def test_soft_overlong_agrees_on_token_ids():
    batch = [[1] * n for n in range(140)] + [torch.ones(90, dtype=torch.long), tuple(range(7))]
    for max_len, cache in ((100, 20), (100, 0), (50, 50), (1, 1), (128, 7)):
        params = {"max_completion_len": max_len, "soft_punish_cache": cache}
        ours, theirs = both("math.soft_overlong", params, ["x"] * len(batch), completion_ids=batch)
        assert ours == theirs, params


AGREE = [
    "<think>\nThis is my reasoning.\n</think>\nThis is my answer.",
    "<think>\nThis is my reasoning.\nThis is my answer.",
    "<think>a</think>b<think>",
    "<think>a</think> <think>",
    "no tags at all",
    "x<think>a</think>",
    "<think>二加二</think>四",
    "<think>a\nb\nc</think>",
    "<thinking>a</thinking>",
    "<THINK>a</THINK>",
    "",
]

# (completion, math.think_format, trl.think_format_reward, the README's row)
THINK_DIFFERENCES = [
    ("<think></think>4", 0.0, 1.0, "an empty thought"),
    ("<think> \n\t</think>4", 0.0, 1.0, "a blank thought"),
    ("<think>\u200b</think>4", 0.0, 1.0, "a thought of invisible characters"),
    ("<think>a</think></think>", 0.0, 1.0, "a second </think>"),
    ("<think>a\n```\n<think>\n```\n</think>4", 1.0, 0.0, "a tag in a code fence is a mention"),
    ("<think>a</think>`<think>`", 1.0, 0.0, "a tag in an inline code span is a mention"),
    ("<think>a `</think>`", 0.0, 1.0, "a closing tag only in code closes nothing"),
    ("\n <think>a</think>4", 1.0, 0.0, "whitespace before <think>"),
]


def test_think_format_agrees_with_trl_except_where_documented():
    conversational = [[{"role": "assistant", "content": text}] for text in AGREE]
    ours, theirs = both("math.think_format", {}, conversational)
    assert ours == theirs
    assert both("math.think_format", {}, AGREE) == (ours, theirs)  # plain strings: the same on both sides
    for text, our_score, trl_score, row in THINK_DIFFERENCES:
        assert both("math.think_format", {}, [text]) == ([our_score], [trl_score]), row


def test_think_format_options_cover_part_of_the_differences():
    lenient = {"allow_empty": True}
    for text in ("<think></think>4", "<think> \n</think>4"):
        assert outcome("math.think_format", lenient, [text]) == [1.0]
    assert outcome("math.think_format", lenient, ["<think>a</think></think>"]) == [0.0]  # still one </think>
    raw = {"ignore_code_blocks": False}
    assert outcome("math.think_format", raw, ["<think>a</think>`<think>`"]) == [0.0]
    assert outcome("math.think_format", {"think_tag": "reasoning"}, ["<reasoning>a</reasoning>4"]) == [1.0]


OVERLONG = {"max_completion_len": 10, "soft_punish_cache": 4}

# (the README's row, math reward, params, completions, columns, math's outcome, trl's outcome)
INPUT_DIFFERENCES = [
    ("no completion_ids", "math.soft_overlong", OVERLONG, ["a"], {}, MissingColumnError, MissingColumnError),
    ("a string row", "math.soft_overlong", OVERLONG,
     ["a"], {"completion_ids": ["abcdefghi"]}, RewardInputError, RewardInputError),
    ("a None row", "math.soft_overlong", OVERLONG, ["a"], {"completion_ids": [None]}, RewardInputError, RewardInputError),
    ("soft_punish_cache > max_completion_len", "math.soft_overlong", {**OVERLONG, "soft_punish_cache": 20},
     ["a"], {"completion_ids": [[1]]}, InvalidParamsError, [-0.55]),
    ("no completion_ids", "math.repetition_penalty", {"ngram_size": 2},
     ["the cat the cat"], {}, [-1 / 3], MissingColumnError),
    ("a tensor row", "math.repetition_penalty", {"ngram_size": 2},
     ["a"], {"completion_ids": [torch.tensor([5, 5, 5, 5, 5])]}, [-0.75], [0.0]),
    ("a string row", "math.repetition_penalty", {"ngram_size": 2},
     ["a"], {"completion_ids": ["aaaaa"]}, RewardInputError, RewardInputError),
    ("a None row", "math.repetition_penalty", {"ngram_size": 2},
     ["a"], {"completion_ids": [None]}, RewardInputError, RewardInputError),
]


@pytest.mark.parametrize(
    ("row", "name", "params", "completions", "columns", "ours", "theirs"),
    INPUT_DIFFERENCES,
    ids=[f"{case[1]}: {case[0]}" for case in INPUT_DIFFERENCES],
)
def test_inputs_and_edge_cases_as_documented(row, name, params, completions, columns, ours, theirs):
    got_ours, got_theirs = both(name, params, completions, **columns)
    if isinstance(ours, list):
        assert got_ours == pytest.approx(ours), row
    else:
        assert isinstance(got_ours, type) and issubclass(got_ours, ours), row
    if isinstance(theirs, list):
        assert got_theirs == pytest.approx(theirs), row
    else:
        assert isinstance(got_theirs, type) and issubclass(got_theirs, theirs), row

