"""What TRL's own reward functions do with parsed reasoning and tool trajectories, and what the trl.* adapters do.

TRL's functions read `completion[0]["content"]`: the first assistant turn, without `reasoning_content`. The
adapters hand them the answering message (`trl.accuracy_reward`) or the model's own words with the reasoning
back in `<think>` (the others). Each row of the README's table is one assertion here.
"""

from __future__ import annotations

import pytest

trl_rewards = pytest.importorskip("trl.rewards")

from reward_core import get_reward  # noqa: E402

PARSED = [{"role": "assistant", "reasoning_content": "6 times 7 is 42.", "content": "The answer is $\\boxed{42}$."}]
TRAJECTORY = [
    {"role": "assistant", "reasoning_content": "I need the product.", "content": "",
     "tool_calls": [{"type": "function", "function": {"name": "multiply", "arguments": {"a": 6, "b": 7}}}]},
    {"role": "tool", "name": "multiply", "content": "42"},
    {"role": "assistant", "reasoning_content": "The tool says 42.", "content": "The answer is $\\boxed{42}$."},
]
INLINE = [{"role": "assistant", "content": "<think>6 times 7 is 42.</think>The answer is $\\boxed{42}$."}]


def trl_own(fn, completions, **columns):
    return fn(completions=completions, **columns)


def test_think_format_trl_misses_parsed_reasoning_the_adapter_does_not():
    ours = get_reward("trl.think_format_reward")
    assert trl_own(trl_rewards.think_format_reward, [INLINE, PARSED]) == [1.0, 0.0]
    assert ours(prompts=["q"] * 3, completions=[INLINE, PARSED, TRAJECTORY]) == [1.0, 1.0, 1.0]


def test_accuracy_trl_reads_the_first_turn_of_a_trajectory_the_adapter_the_answer():
    ours = get_reward("trl.accuracy_reward", solution_column="answer")
    assert trl_own(trl_rewards.accuracy_reward, [PARSED, TRAJECTORY], solution=["42", "42"]) == [1.0, 0.0]
    assert ours(prompts=["q"] * 3, completions=[PARSED, TRAJECTORY, INLINE], answer=["42"] * 3) == [1.0, 1.0, 1.0]
    # an answer that only the tool gave is not the model's
    only_tool = [*TRAJECTORY[:2], {"role": "assistant", "content": "Done."}]
    assert ours(prompts=["q"], completions=[only_tool], answer=["42"]) == [0.0]


def test_reasoning_accuracy_trl_scores_parsed_reasoning_zero_the_adapter_grades_the_answer():
    ours = get_reward("trl.reasoning_accuracy_reward", solution_column="answer")
    assert trl_own(trl_rewards.reasoning_accuracy_reward, [INLINE, PARSED], solution=["42", "42"]) == [1.0, 0.0]
    assert ours(prompts=["q"] * 3, completions=[INLINE, PARSED, TRAJECTORY], answer=["42"] * 3) == [1.0, 1.0, 1.0]


def test_token_id_adapters_score_trajectories_from_completion_ids():
    ids = [[5] * 20, [5, 6] * 10]
    for name, params in [("trl.soft_overlong_punishment", {"max_completion_len": 24, "soft_punish_cache": 8}),
                         ("trl.repetition_penalty", {})]:
        reward = get_reward(name, **params)
        assert reward(prompts=["q", "q"], completions=[TRAJECTORY, TRAJECTORY], completion_ids=ids) == \
            reward(prompts=["q", "q"], completions=["a", "b"], completion_ids=ids)


def test_cosine_scaled_grades_the_answering_message_and_takes_the_length_from_token_ids():
    ours = get_reward("trl.cosine_scaled", max_len=100, solution_column="answer")
    theirs = trl_rewards.get_cosine_scaled_reward(max_len=100)
    ids = [[7] * 10, [7] * 10]
    right, wrong = theirs(completions=[INLINE, TRAJECTORY], solution=["42", "42"], completion_ids=ids)
    assert right > 0 > wrong  # TRL grades the trajectory's first, empty turn: a wrong answer
    assert ours(prompts=["q"] * 3, completions=[INLINE, PARSED, TRAJECTORY], answer=["42"] * 3,
                completion_ids=[[7] * 10] * 3) == [right] * 3
