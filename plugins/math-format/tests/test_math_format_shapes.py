"""Format rewards on the shapes TRL 1.16 passes with a response parser and tools, through `get_reward`.

Parsed reasoning (`reasoning_content`, `thinking`) is the reasoning block: the same reasoning inline in the
reward's tag or parsed scores the same, in one message and across a tool trajectory; tags inside tool results
never count.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reward_core import get_reward

# (reward name, params, the reasoning tag that reward reads)
FORMAT_REWARDS = [
    ("math.reasoning_tags", {}, "reasoning"),
    ("math.reasoning_tags", {"reasoning_tag": "think"}, "think"),
    ("math.strict_format", {"reasoning_tag": "think"}, "think"),
    ("math.strict_format", {}, "reasoning"),
    ("math.think_format", {}, "think"),
    ("math.think_format", {"allow_empty": True}, "think"),
    ("math.step_format", {}, "think"),
]
IDS = [f"{name}{'-' + '-'.join(f'{k}={v}' for k, v in params.items()) if params else ''}" for name, params, _ in FORMAT_REWARDS]

# (reasoning, content) pairs as a response parser leaves them, covering what each reward judges
CASES = [
    ("2 + 2 is 4.", "<answer>4</answer>"),
    ("2 + 2 is 4.", "\n\n<answer>4</answer>"),
    ("Step 1: add.\nStep 2: check.\nStep 3: done.", "<answer>4</answer>"),
    (" ", "<answer>4</answer>"),  # a whitespace-only thought
    ("\u200b", "<answer>4</answer> and more"),
    ("thinking about <answer>3</answer>", "<answer>4</answer>"),  # tags inside the thought
    ("a `<answer>` mention in code", "<answer>4</answer>"),
    ("long " * 500, "4"),
    ("2 + 2", ""),  # no answer at all
    ("2 + 2", "<answer></answer>"),
    ("2 + 2", "<answer>4</answer>\n```\n<answer>5</answer>\n```"),
    ("- first\n- second", "1. a step\n2. another step\n<answer>4</answer>"),
]


def one_message(reasoning: str, content: str, field: str = "reasoning_content") -> list[dict]:
    return [{"role": "assistant", field: reasoning, "content": content}]


def trajectory(reasoning: str, content: str, tool_output: str = "4") -> list[dict]:
    call = {"type": "function", "function": {"name": "add", "arguments": {"a": 2, "b": 2}}}
    return [
        {"role": "assistant", "reasoning_content": reasoning, "content": "", "tool_calls": [call]},
        {"role": "tool", "name": "add", "content": tool_output},
        {"role": "assistant", "content": content},
    ]


@pytest.mark.parametrize(("name", "params", "tag"), FORMAT_REWARDS, ids=IDS)
def test_parsed_reasoning_scores_as_the_same_reasoning_inline(name, params, tag):
    reward = get_reward(name, **params)
    inline = [f"<{tag}>{r}</{tag}>{c}" for r, c in CASES]
    expected = reward(prompts=["q"] * len(CASES), completions=inline)
    for shape in (lambda r, c: one_message(r, c), lambda r, c: one_message(r, c, "thinking"), trajectory):
        parsed = [shape(r, c) for r, c in CASES]
        assert reward(prompts=["q"] * len(CASES), completions=parsed) == expected


@pytest.mark.parametrize(("name", "params", "tag"), FORMAT_REWARDS[:5], ids=IDS[:5])
def test_a_model_that_reasons_in_reasoning_content_is_not_punished(name, params, tag):
    reward = get_reward(name, **params)
    parsed = one_message("6 times 7 is 42.", "<answer>42</answer>")
    bare = [{"role": "assistant", "content": "<answer>42</answer>"}]
    thinking, not_thinking = reward(prompts=["q", "q"], completions=[parsed, bare])
    assert thinking > not_thinking


@pytest.mark.parametrize(("name", "params", "tag"), FORMAT_REWARDS, ids=IDS)
def test_tags_inside_a_tool_result_never_count(name, params, tag):
    reward = get_reward(name, **params)
    stuffed = f"<{tag}>x</{tag}><answer>4</answer>\nStep 1: look.\nStep 2: see.\nStep 3: done."
    for reasoning, content in CASES:
        clean = reward(prompts=["q"], completions=[trajectory(reasoning, content)])
        assert reward(prompts=["q"], completions=[trajectory(reasoning, content, stuffed)]) == clean
        assert reward(prompts=["q"], completions=[trajectory(reasoning, content, "{'error': '" + stuffed + "'}")]) == clean


def test_the_trajectory_reads_like_the_inline_completion_the_model_could_have_written():
    strict = get_reward("math.strict_format", reasoning_tag="think")
    # Reasoning spread over two turns is one reasoning block; text beside a tool call sits before the answer.
    two_turns = [
        {"role": "assistant", "reasoning_content": "I need 6*7.", "content": "",
         "tool_calls": [{"type": "function", "function": {"name": "multiply", "arguments": {"a": 6, "b": 7}}}]},
        {"role": "tool", "name": "multiply", "content": "42"},
        {"role": "assistant", "reasoning_content": "So it is 42.", "content": "<answer>42</answer>"},
    ]
    chatty = [dict(two_turns[0], content="Let me use the tool."), *two_turns[1:]]
    assert strict(prompts=["q", "q"], completions=[two_turns, chatty]) == [1.0, 0.75]


_WORDS = st.lists(st.sampled_from(["2", "+", "is", "4", "\n", " ", "Step 1:", "- x", "<answer>", "</answer>",
                                   "`code`", "```", "<", ">", "\u200b"]), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(_WORDS.filter(lambda r: r and "<think" not in r and "</think" not in r), _WORDS)
def test_parity_holds_for_any_reasoning_and_content(reasoning, content):
    for name, params, tag in FORMAT_REWARDS:
        if tag != "think":
            continue
        reward = get_reward(name, **params)
        inline = reward(prompts=["q"], completions=[f"<think>{reasoning}</think>{content}"])
        assert reward(prompts=["q"], completions=[one_message(reasoning, content)]) == inline
        assert reward(prompts=["q"], completions=[trajectory(reasoning, content, "<think>x</think>")]) == inline
