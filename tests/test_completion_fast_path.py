"""`completion_text`'s fast path: the C reader (`reward_core/_reading.c`) and its pure-Python twin agree.

`completion_text` walks every message of every completion in the trainer's process, once per reward; the C
reader makes a tool trajectory cost about what one message costs (`benchmarks/bench_tool_completions.py`). These
tests hold it to the Python function it mirrors on fuzzed messages (odd types, subclasses, every key TRL writes),
and check that it holds no reference it should not and survives a dict lookup that changes the messages.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reward_core import completion as reading
from reward_core import completion_text, read_completion

fast = pytest.importorskip("reward_core._reading", reason="built without a C compiler").model_text


class Text(str):
    """A str subclass: the fast path leaves it to `read_completion`."""


class Messages(dict):
    """A dict subclass: the same."""


_VALUE = st.one_of(
    st.none(), st.text(max_size=6), st.sampled_from(["", "<think>", "x</think>y", "\n"]), st.integers(),
    st.builds(Text, st.text(max_size=3)), st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=3)}), max_size=2),
)
_CALL = st.one_of(
    st.fixed_dictionaries({"type": st.just("function"), "function": st.one_of(
        st.fixed_dictionaries({"name": _VALUE}, optional={"arguments": _VALUE}),
        st.builds(Messages, st.fixed_dictionaries({"name": _VALUE})), _VALUE)}),
    st.fixed_dictionaries({}, optional={"name": _VALUE, "arguments": _VALUE, "function": st.none()}),
    _VALUE,
)
_ROLE = st.one_of(st.sampled_from(["assistant", "tool", "user", "system", "ipython", "Assistant"]), _VALUE)
_MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "role": _ROLE, "content": _VALUE, "reasoning_content": _VALUE, "thinking": _VALUE, "reasoning": _VALUE,
        "tool_calls": st.one_of(st.lists(_CALL, max_size=3), _VALUE), "name": _VALUE, "tool_call_id": _VALUE,
    },
)
_TEXT = st.one_of(st.text(max_size=8), st.sampled_from(["", "<think>", "x</think>y", "\n", "\u00e9\U0001f600"]))
_WELL_FORMED_CALL = st.one_of(
    st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
        {"name": _TEXT}, optional={"arguments": st.one_of(_TEXT, st.dictionaries(_TEXT, _TEXT, max_size=2))})},
        optional={"id": _TEXT}),
    st.fixed_dictionaries({"name": _TEXT}, optional={"arguments": _TEXT}),
)
_WELL_FORMED = st.one_of(  # what TRL writes: mostly read by the fast path, so its every branch is compared
    st.fixed_dictionaries({"role": st.just("assistant"), "content": _TEXT}),
    st.fixed_dictionaries(
        {"role": st.just("assistant"), "content": st.one_of(_TEXT, st.none())},
        optional={"reasoning_content": st.one_of(_TEXT, st.none()), "thinking": _TEXT, "reasoning": _TEXT,
                  "tool_calls": st.one_of(st.lists(_WELL_FORMED_CALL, max_size=3), st.none())},
    ),
    st.fixed_dictionaries({"role": st.sampled_from(["tool", "user", "system", "ipython"]),
                           "content": st.one_of(_TEXT, st.none())}, optional={"name": _TEXT}),
)
_MESSAGES = st.one_of(
    st.lists(_WELL_FORMED, max_size=5),
    st.lists(st.one_of(_WELL_FORMED, _WELL_FORMED, _MESSAGE, _MESSAGE.map(Messages), _VALUE), max_size=5),
)


@settings(max_examples=1500, deadline=None)
@given(_MESSAGES, st.sampled_from(["think", "reasoning", "t\u00e9"]))
def test_the_c_reader_makes_every_decision_the_python_one_makes(messages, tag):
    assert fast(messages, tag) == reading._model_text_py(messages, tag)


@settings(max_examples=300, deadline=None)
@given(_MESSAGES)
def test_completion_text_is_the_full_reading_whatever_the_messages(messages):
    try:
        expected = read_completion(messages).text()
    except reading.MalformedCompletionError:
        with pytest.raises(reading.MalformedCompletionError):
            completion_text(messages)
        return
    assert completion_text(messages) == expected


def test_the_reader_in_use_is_the_c_one():
    # The benchmark's figures are the C reader's; a build that silently fell back would not show them.
    assert reading._model_text is fast


def _trajectory():
    return [
        {"role": "assistant", "reasoning_content": "r1", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "calc", "arguments": {"x": 1}}}]},
        {"role": "tool", "name": "calc", "content": "42"},
        {"role": "assistant", "thinking": "r2", "content": "done"},
        {"role": "assistant", "content": 7},  # unusual: the reader gives up after taking references above
    ]


def test_no_reference_is_kept_on_any_path():
    messages = _trajectory()
    objects = [m.get(k) for m in messages for k in m] + messages
    before = [sys.getrefcount(o) for o in objects]
    for _ in range(1000):
        assert fast(messages, "think") is None
        assert fast(messages[:3], "think") == "<think>r1\nr2</think>done"
    assert [sys.getrefcount(o) for o in objects] == before


def test_a_lookup_that_changes_the_messages_reads_safely():
    messages = _trajectory()[:3]

    class Clearing:
        """A key that hashes like 'content': looking 'content' up compares with it, and the comparison empties
        the completion and its messages."""

        def __hash__(self):
            return hash("content")

        def __eq__(self, other):
            for message in messages:
                message.clear()
            messages.clear()
            return False

    for message in messages:
        message[Clearing()] = "x"
    result = fast(messages, "think")
    assert result is None or isinstance(result, str)
