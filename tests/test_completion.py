"""Reading completions in every shape TRL 1.16 passes: plain text, one message, parsed reasoning, tool trajectories.

Through the public API (`reward_core.read_completion`, `completion_text`, a reward resolved by name), with a
hypothesis fuzz of nested, unclosed and repeated constructs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reward_core
from reward_core import MalformedCompletionError, completion_text, read_completion, split_reasoning


def call(name, arguments=None, **extra):
    return {"type": "function", "function": {"name": name, "arguments": arguments if arguments is not None else {}},
            **extra}


TRAJECTORY = [
    {"role": "assistant", "reasoning_content": "I need the product.", "content": "",
     "tool_calls": [call("multiply", {"a": 6, "b": 7}, id="c1"), call("lookup", '{"q": "x"}')]},
    {"role": "tool", "name": "multiply", "content": "42"},
    {"role": "tool", "name": "lookup", "content": "{'error': 'Tool lookup not found.'}"},
    {"role": "assistant", "reasoning_content": "The tool says 42.", "content": "The answer is \\boxed{42}."},
]


def test_a_tool_trajectory_is_read_into_turns_calls_results_and_the_answer():
    read = read_completion(TRAJECTORY)
    assert len(read.turns) == 2 and read.answered
    assert read.final == "The answer is \\boxed{42}."
    assert read.reasoning() == "I need the product.\nThe tool says 42."
    first, second = read.tool_calls
    assert (first.name, first.arguments, first.id, first.turn) == ("multiply", {"a": 6, "b": 7}, "c1", 0)
    assert (second.name, second.arguments, second.raw_arguments) == ("lookup", {"q": "x"}, '{"q": "x"}')
    ok, failed = read.tool_results
    assert (ok.text, ok.ok, ok.call) == ("42", True, first)
    assert (failed.error, failed.ok, failed.call) == ("Tool lookup not found.", False, second)


def test_completion_text_is_the_models_words_with_parsed_reasoning_back_in_front():
    assert completion_text(TRAJECTORY) == "<think>I need the product.\nThe tool says 42.</think>The answer is \\boxed{42}."
    assert completion_text(TRAJECTORY, "reasoning").startswith("<reasoning>I need the product.")
    one = [{"role": "assistant", "thinking": "2+2", "content": "<answer>4</answer>"}]  # LFM2.5's field
    assert completion_text(one) == "<think>2+2</think><answer>4</answer>"
    assert completion_text([{"role": "assistant", "reasoning": "r", "content": "a"}]) == "<think>r</think>a"
    # Without parsed reasoning the content is returned exactly as before, inline tags and all.
    assert completion_text([{"role": "assistant", "content": "<think>x</think>y"}]) == "<think>x</think>y"
    assert completion_text([{"role": "assistant", "content": "a", "reasoning_content": None}]) == "a"


def test_tool_results_never_reach_the_models_text():
    leaked = [
        {"role": "assistant", "content": "", "tool_calls": [call("search")]},
        {"role": "tool", "name": "search", "content": "<think>x</think><answer>99</answer>"},
        {"role": "assistant", "content": "<answer>4</answer>"},
    ]
    assert completion_text(leaked) == "<answer>4</answer>"
    assert read_completion(leaked).tool_results[0].text == "<think>x</think><answer>99</answer>"


@pytest.mark.parametrize(
    "completion, final",
    [
        # stopped on a tool call (max_tool_calling_iterations) or a tool result: the model never answered
        ([{"role": "assistant", "content": "Let me check.", "tool_calls": [call("calc")]}], ""),
        ([{"role": "assistant", "content": "", "tool_calls": [call("calc")]}, {"role": "tool", "content": "4"}], ""),
        ([{"role": "assistant", "content": None, "tool_calls": [call("calc")]}, {"role": "tool", "content": "4"},
          {"role": "assistant", "content": [{"type": "text", "text": "It is "}, {"type": "image"}, {"type": "text", "text": "4."}]}],
         "It is 4."),
        ("plain text", "plain text"),
        ([{"content": "no role"}], "no role"),
    ],
)
def test_the_final_answer_is_the_last_assistant_message_that_calls_no_tool(completion, final):
    assert read_completion(completion).final == final


def test_tool_results_in_every_shape_trl_produces():
    blocks = [{"type": "text", "text": "a chart"}, {"type": "image", "image": "<PIL image>"}]
    read = read_completion([
        {"role": "assistant", "content": "", "tool_calls": [call("a"), call("b"), call("c"), call("d")]},
        {"role": "tool", "name": "a", "content": blocks},
        {"role": "tool", "name": "b", "content": '{"error": "bad input"}'},
        {"role": "tool", "name": "c", "content": "{'error': 'x' * 3}"},  # not a literal: the text is the message
        {"role": "tool", "name": "d", "content": "{'errors': 0}"},
        {"role": "tool", "content": "orphan"},
        {"role": "assistant", "content": "done"},
    ])
    a, b, c, d, orphan = read.tool_results
    assert (a.text, a.ok, a.content) == ("a chart", True, blocks)
    assert b.error == "bad input" and c.error == "{'error': 'x' * 3}" and d.ok
    assert orphan.call is None and orphan.name is None


def test_arguments_that_are_not_a_json_object_read_as_none():
    calls = read_completion([{"role": "assistant", "content": "", "tool_calls": [
        call("a", "{not json"), call("b", "[1, 2]"), call("c", 7), {"name": "flat", "arguments": {"x": 1}},
        call("e", ""),
    ]}]).tool_calls
    assert [c.arguments for c in calls] == [None, None, None, {"x": 1}, {}]
    assert calls[3].name == "flat"


def test_split_reasoning_reads_inline_blocks_the_way_chat_templates_write_them():
    assert split_reasoning("<think>a</think>b<THINK>c</Think>d") == ("a\nc", "bd")
    assert split_reasoning("opened by the template</think>answer") == ("opened by the template", "answer")
    assert split_reasoning("<think>never closed") == ("never closed", "")
    assert split_reasoning("no tags at all") == ("", "no tags at all")
    assert split_reasoning("<r>x</r>y", "r") == ("x", "y")
    assert read_completion("<think>hm</think>4").answer() == "4"


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([], "at least one message"),
        ([{"role": "assistant", "content": "a"}, 5], "message 1"),
        ([{"role": ["assistant"], "content": "a"}], "role"),
        ([{"role": "assistant"}], "no 'content'"),
        ([{"role": "assistant", "content": "", "tool_calls": {"name": "x"}}], "tool_calls"),
        ([{"role": "assistant", "content": "", "tool_calls": [{"function": {"arguments": {}}}]}], "tool call"),
        ([{"role": "assistant", "content": "", "tool_calls": ["calc()"]}], "tool call"),
        ([{"role": "assistant", "content": "a", "reasoning_content": ["x"]}], "reasoning_content"),
        ([{"role": "tool", "content": 3.5}], "content of message 0"),
        ({"role": "assistant", "content": "x"}, "string or a list"),
    ],
)
def test_malformed_completions_are_typed_errors_naming_the_reward_and_the_row(bad, fragment):
    with pytest.raises(MalformedCompletionError, match=fragment):
        read_completion(bad)
    reward = reward_core.get_reward("math.think_format")
    with pytest.raises(MalformedCompletionError, match=fragment) as info:
        reward(prompts=["q", "q"], completions=["<think>a</think>b", bad])
    assert info.value.reward == "math.think_format" and info.value.row == 1


def test_one_malformed_row_costs_only_that_row_under_on_error_skip():
    rewards = reward_core.load_rewards([{"name": "math.think_format", "on_error": "skip"}])
    with pytest.warns(reward_core.RewardRowWarning, match="row"):
        scores = rewards.reward_funcs[0](prompts=["q"] * 3, completions=[
            TRAJECTORY, [{"role": "assistant", "content": 1}], [{"role": "assistant", "reasoning_content": "r", "content": "a"}],
        ])
    assert scores == [1.0, None, 1.0]


# -- fuzz: nested, unclosed and repeated constructs, in text and in message structure ----------------------------

_PIECES = st.sampled_from([
    "<think>", "</think>", "<THINK>", "</Think>", "<think", "think>", "<answer>", "</answer>", "{'error': ", "{",
    "}", "'", '"', "\\boxed{", "\n", " ", "42", "x", "<", ">", "/",
])
_TEXT = st.lists(_PIECES, max_size=40).map("".join)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_CALL = st.one_of(
    st.builds(lambda n, a: {"type": "function", "function": {"name": n, "arguments": a}}, _TEXT, _JSONISH),
    st.builds(lambda n, a: {"name": n, "arguments": a}, _TEXT, _JSONISH),
    _JSONISH,
)
_MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["assistant", "tool", "user", "system", None])},
    optional={
        "content": st.one_of(st.none(), _TEXT, st.lists(st.fixed_dictionaries({"type": st.sampled_from(["text", "image"]),
                                                                              "text": _TEXT}), max_size=3)),
        "reasoning_content": st.one_of(st.none(), _TEXT),
        "thinking": _TEXT,
        "tool_calls": st.lists(_CALL, max_size=3),
        "name": _TEXT,
    },
)


_TOOL_MARK = "\u2603 from a tool"


def _marked(message: dict) -> dict:
    if message["role"] == "tool" and isinstance(message.get("content"), str):
        return {**message, "content": _TOOL_MARK + message["content"]}
    return message


@settings(max_examples=300, deadline=None)
@given(st.one_of(_TEXT, st.lists(_MESSAGE.map(_marked), min_size=1, max_size=6), _JSONISH))
def test_any_input_reads_or_raises_a_typed_error(completion):
    try:
        read = read_completion(completion)
    except MalformedCompletionError:
        with pytest.raises(MalformedCompletionError):
            completion_text(completion)
        return
    text = completion_text(completion)
    assert text == read.text()  # the fast path and the full reading agree
    assert isinstance(read.final, str) and isinstance(read.reasoning(), str)
    assert _TOOL_MARK not in text  # nothing a tool returned is ever the model's text
    # every score the format rewards give is a number, whatever the shape
    assert all(isinstance(s, float) for s in reward_core.get_reward("math.reasoning_tags")(
        prompts=["q"], completions=[completion]))


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.sampled_from(["think", "reasoning"]))
def test_split_reasoning_keeps_every_character_outside_the_tags(text, tag):
    reasoning, rest = split_reasoning(text, tag)
    assert len(reasoning.replace("\n", "")) + len(rest) <= len(text)
    lowered = text.lower()
    if lowered.count(f"<{tag}") == lowered.count(f"<{tag}>"):  # no fragment a removed block could complete
        assert f"<{tag}>" not in rest.lower()  # every opening tag starts a block: none is left in the answer
