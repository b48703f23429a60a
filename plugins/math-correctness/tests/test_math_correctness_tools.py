"""math.answer_correctness on tool trajectories and parsed reasoning, through `get_reward`.

Only the model's own answering message counts: never a tool result, never the parsed reasoning, never a turn
that called a tool. The gaming corpus stays wrong and the recall corpus stays as graded when each completion
is the last turn of a trajectory whose tool returned the gold answer, or a wrong one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_core import get_reward, split_reasoning

DATA = Path(__file__).parent / "data"
GAMING = json.loads((DATA / "gaming_cases.json").read_text())["cases"]
RECALL = json.loads((DATA / "recall_corpus.json").read_text())["cases"]


@pytest.fixture(scope="module")
def reward():
    guarded = get_reward("math.answer_correctness", workers=2, deadline_seconds=1.0)
    yield guarded
    guarded.reward.close()


def call(name="calculator", **arguments):
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def after_tool(final, tool_output, reasoning=None):
    last = {"role": "assistant", "content": final}
    if reasoning is not None:
        last["reasoning_content"] = reasoning
    return [
        {"role": "assistant", "content": "", "tool_calls": [call(expr="...")]},
        {"role": "tool", "name": "calculator", "content": tool_output},
        last,
    ]


def scores(reward, completions, golds, prompts=None):
    return reward(prompts=prompts or ["q"] * len(completions), completions=completions, answer=golds)


def test_the_answer_after_a_tool_call_counts(reward):
    assert scores(reward, [after_tool("The answer is \\boxed{42}.", "42")], ["42"]) == [1.0]
    assert scores(reward, [after_tool("<answer>42</answer>", "{'error': 'division by zero'}")], ["42"]) == [1.0]


@pytest.mark.parametrize(
    "completion",
    [
        after_tool("I used the calculator.", "42"),  # only the tool said it
        after_tool("The calculator returned the result.", "The answer is \\boxed{42}"),
        after_tool("", "42"),
        # stopped on a tool call (or its result): no answering message, whatever the turn says beside the call
        [{"role": "assistant", "content": "The answer is \\boxed{42}.", "tool_calls": [call(expr="6*7")]}],
        [{"role": "assistant", "content": "\\boxed{42}", "tool_calls": [call()]}, {"role": "tool", "content": "42"}],
        # the answer only in the parsed reasoning
        [{"role": "assistant", "reasoning_content": "So the answer is \\boxed{42}.", "content": "I am not sure."}],
        after_tool("Not sure.", "42", reasoning="The tool says \\boxed{42}."),
    ],
)
def test_an_answer_the_model_never_gave_is_no_answer(reward, completion):
    assert scores(reward, [completion], ["42"]) == [0.0]


def test_a_tool_result_cannot_smuggle_a_second_answer_or_rescue_a_hedge(reward):
    completions = [
        after_tool("\\boxed{41}", "\\boxed{42}"),
        after_tool("It is 41 or 42.", "42"),
        after_tool("\\boxed{41}", "{'error': 'the answer is 42'}"),
        after_tool("The answer is \\boxed{42}.", "\\boxed{41} or \\boxed{40}"),  # the tool's hedge is not the model's
    ]
    assert scores(reward, completions, ["42"] * 4) == [0.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("case", GAMING, ids=[f"{c['category']}: {c['completion'][:40]}" for c in GAMING])
def test_gaming_stays_wrong_when_a_tool_returned_the_gold(reward, case):
    gold = case["gold"]
    completion = after_tool(case["completion"], f"The answer is \\boxed{{{gold}}}. {gold}")
    assert scores(reward, [completion], [gold], [case["prompt"]]) == [0.0]


def test_the_recall_corpus_scores_the_same_as_the_last_turn_of_a_trajectory(reward):
    cases = RECALL[::3]
    prompts = [c["prompt"] for c in cases]
    golds = [c["gold"] for c in cases]
    plain = scores(reward, [c["completion"] for c in cases], golds, prompts)
    as_final_turn = scores(reward, [after_tool(c["completion"], "\\boxed{-1}") for c in cases], golds, prompts)
    assert as_final_turn == plain
    assert plain == [float(c["label"]) for c in cases]


def test_parsed_reasoning_scores_as_inline_reasoning(reward):
    cases = [c for c in RECALL if c["completion"].lstrip().startswith("<think>")][:60]
    assert len(cases) >= 20
    parsed = []
    for case in cases:
        reasoning, answer = split_reasoning(case["completion"])
        parsed.append([{"role": "assistant", "reasoning_content": reasoning, "content": answer}])
    prompts = [c["prompt"] for c in cases]
    golds = [c["gold"] for c in cases]
    assert scores(reward, parsed, golds, prompts) == scores(reward, [c["completion"] for c in cases], golds, prompts)
