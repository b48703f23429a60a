"""The plugin through the core: listing stays light, params are checked, bad rows get typed errors, every
reward keeps the contract (conformance kit), pickles, declares a score range and has a runnable example."""

from __future__ import annotations

import array
import doctest
import json
import pickle
import subprocess
import sys

import pytest

import reward_core
from reward_core.errors import (
    ColumnLengthError,
    InvalidParamsError,
    MalformedCompletionError,
    MissingColumnError,
    RewardInputError,
)
from reward_core.testing import assert_reward_contract, sample_batch

from reward_math_format import rewards

# Every reward with the params it needs (and an R1-style variant where tags are involved).
CONFIGS = [
    ("math.reasoning_tags", {}),
    ("math.reasoning_tags", {"reasoning_tag": "think"}),
    ("math.strict_format", {}),
    ("math.strict_format", {"reasoning_tag": "think"}),
    ("math.think_format", {}),
    ("math.think_format", {"allow_empty": True}),
    ("math.soft_overlong", {"max_completion_len": 20, "soft_punish_cache": 10}),
    ("math.repetition_penalty", {}),
    ("math.repetition_penalty", {"ngram_size": 1, "max_penalty": -2.0}),
    ("math.step_format", {}),
]
NAMES = sorted({name for name, _ in CONFIGS})
TEXT_REWARDS = [n for n in NAMES if n != "math.soft_overlong"]


def test_listing_imports_nothing_heavy():
    code = (
        "import json, sys, reward_core\n"
        "names = sorted(e.name for e in reward_core.list_rewards() if e.name.startswith('math.'))\n"
        "heavy = ['reward_math_format.rewards', 'reward_math_format._scan', 'trl', 'torch', 'numpy', 'sympy',\n"
        "         'math_verify', 'deepeval', 'transformers']\n"
        "print(json.dumps({'names': names, 'loaded': [m for m in heavy if m in sys.modules]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(NAMES) <= set(report["names"])
    assert report["loaded"] == []


@pytest.mark.parametrize(("name", "params"), CONFIGS, ids=[f"{n}{p or ''}" for n, p in CONFIGS])
def test_keeps_the_reward_contract(name, params):
    assert_reward_contract(reward_core.get_reward(name, **params))


@pytest.mark.parametrize(("name", "params"), CONFIGS, ids=[f"{n}{p or ''}" for n, p in CONFIGS])
def test_scores_stay_in_the_declared_range(name, params):
    reward = reward_core.get_reward(name, **params)
    low, high = reward.reward.score_range
    batch = sample_batch()
    texts = [
        "<reasoning>r</reasoning><answer>4</answer>",
        "<think>r</think><answer>4</answer> tail",
        "- a step here\n- a step here\n1. another step\nStep 3: last step",
        "the the the the the the",
        "",
    ] + [c[0]["content"] for c in batch["completions"]]
    ids = [[t % 5 for t in range(k * 7)] for k in range(len(texts))]
    scores = reward(prompts=["q"] * len(texts), completions=texts, completion_ids=ids)
    assert all(low <= s <= high for s in scores), (scores, (low, high))
    assert len(set(scores)) > 1  # the corpus exercises more than one score


def test_every_class_declares_score_range_and_params():
    for cls in (
        rewards.ReasoningTagsReward,
        rewards.StrictFormatReward,
        rewards.ThinkFormatReward,
        rewards.SoftOverlongReward,
        rewards.RepetitionPenaltyReward,
        rewards.StepFormatReward,
    ):
        low, high = cls.score_range
        assert low < high
        for info in reward_core.describe_params(cls.config_class):
            assert info.doc, (cls.__name__, info.name)
    # The instance range follows max_penalty.
    assert reward_core.get_reward("math.repetition_penalty", max_penalty=-0.25).reward.score_range == (-0.25, 0.0)


@pytest.mark.parametrize("name", NAMES)
def test_docstring_example_runs_after_resolving(name):
    reward = reward_core.get_reward(name, **dict(CONFIGS)[name] if name == "math.soft_overlong" else {})
    test = doctest.DocTestParser().get_doctest(reward.__doc__, {}, name, None, 0)
    assert test.examples, f"{name} has no docstring example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, out=lambda s: None)
    assert result.failed == 0 and result.attempted >= 2


def test_whole_module_doctests():
    assert doctest.testmod(rewards).failed == 0


@pytest.mark.parametrize("name", TEXT_REWARDS)
def test_malformed_row_gets_a_typed_error_naming_reward_and_row(name):
    reward = reward_core.get_reward(name)
    with pytest.raises(MalformedCompletionError) as info:
        reward(prompts=["q", "q"], completions=["<think>ok</think>", {"content": "not a list"}])
    assert info.value.reward == name and info.value.row == 1
    with pytest.raises(MalformedCompletionError, match="row 0"):
        reward(prompts=["q"], completions=[[{"role": "assistant", "content": 42}]])


def test_token_id_columns_are_checked():
    overlong = reward_core.get_reward("math.soft_overlong", max_completion_len=10, soft_punish_cache=5)
    with pytest.raises(MissingColumnError) as info:
        overlong(prompts=["q"], completions=["text"], answer=["4"])
    assert info.value.reward == "math.soft_overlong"
    assert "'completion_ids'" in str(info.value) and "GRPOTrainer passes it" in str(info.value)
    assert "the batch has only ['answer']" in str(info.value)
    with pytest.raises(ColumnLengthError, match="completion_ids") as info:
        overlong(prompts=["q"], completions=["text"], completion_ids="1 2 3")
    assert info.value.reward == "math.soft_overlong"
    with pytest.raises(RewardInputError) as info:
        overlong(prompts=["q", "q"], completions=["a", "b"], completion_ids=[[1, 2], "ab"])
    assert info.value.row == 1 and "math.soft_overlong" in str(info.value)
    repetition = reward_core.get_reward("math.repetition_penalty", ngram_size=2)
    with pytest.raises(RewardInputError) as info:
        repetition(prompts=["q", "q"], completions=["a", "b"], completion_ids=[[1, 2], None])
    assert info.value.row == 1
    # Tuples and array-likes with .tolist() (tensors, numpy, array.array) are token ids too.
    rows = [(5, 5, 5, 5, 5), array.array("l", [5] * 5)]
    assert repetition(prompts=["q"] * 2, completions=["a", "b"], completion_ids=rows) == [-0.75, -0.75]
    assert overlong(prompts=["q"] * 2, completions=["a", "b"], completion_ids=[tuple(range(8)), array.array("l", [1] * 11)]) == [-0.6, -1.0]


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("math.reasoning_tags", {"reasoning_tag": "<think>"}, "bare tag name"),
        ("math.reasoning_tags", {"reasoning_tag": "answer"}, "must differ"),
        ("math.strict_format", {"answer_tag": "an swer"}, "bare tag name"),
        ("math.think_format", {"think_tag": ""}, "bare tag name"),
        ("math.think_format", {"strict": True}, "unknown parameter"),
        ("math.soft_overlong", {"max_completion_len": 100}, "missing required"),
        ("math.soft_overlong", {"max_completion_len": 10, "soft_punish_cache": 20}, "must not exceed"),
        ("math.soft_overlong", {"max_completion_len": 0, "soft_punish_cache": 0}, ">= 1"),
        ("math.repetition_penalty", {"max_penalty": 0.5}, "<= 0"),
        ("math.repetition_penalty", {"ngram_size": 0}, ">= 1"),
        ("math.repetition_penalty", {"ngram_size": 2.5}, "must be int"),
        ("math.step_format", {"max_steps": 0}, ">= 1"),
    ],
)
def test_bad_params_get_a_clear_error(name, params, match):
    with pytest.raises(InvalidParamsError, match=match):
        reward_core.get_reward(name, **params)


def test_direct_use_and_pickling():
    reward = rewards.StrictFormatReward(rewards.StrictFormatConfig(reasoning_tag="think"))
    text = "<think>r</think><answer>4</answer>"
    assert reward(prompts=["q"], completions=[text]) == [1.0]
    clone = pickle.loads(pickle.dumps(reward))
    assert clone(prompts=["q"], completions=[text]) == [1.0] and clone.__name__ == "math.strict_format"
    fn = pickle.loads(pickle.dumps(reward_core.get_reward("math.step_format", max_steps=1).as_fn()))
    assert fn(prompts=["q"], completions=["1. a step"]) == [1.0]
    with pytest.raises(TypeError, match="StrictFormatConfig"):
        rewards.StrictFormatReward(rewards.ThinkFormatConfig())


def test_strict_format_logs_the_structured_share():
    logged = []
    reward = reward_core.get_reward("math.strict_format")
    reward(
        prompts=["q"] * 4,
        completions=["<reasoning>r</reasoning><answer>4</answer>", "4", "", "<answer>4</answer>"],
        log_metric=lambda name, value: logged.append((name, value)),
    )
    assert logged[0] == ("math.strict_format/structured", 0.25)
    assert dict(logged[1:]) == {"math.strict_format/reason/well_formed": 0.25, "math.strict_format/reason/deducted": 0.0,
                                "math.strict_format/reason/missing_tag": 0.75, "math.strict_format/reason/bad_structure": 0.0}
