"""The scanner every tag reward relies on: where Markdown code is, and that no input makes it slow."""

from __future__ import annotations

import pytest

import reward_core
from reward_math_format._scan import code_spans, find_once, is_blank, words

MB = 1_000_000


def in_code(text: str, needle: str, nth: int = 0) -> bool:
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(needle, pos + 1)
    code = code_spans(text)
    return code is not None and code.end_covering(pos) >= 0


def test_no_code_is_the_fast_path():
    assert code_spans("<answer>4</answer> with ~~ two tildes") is None


@pytest.mark.parametrize(
    ("text", "needle", "nth", "expected"),
    [
        ("```\nX\n```\nY", "X", 0, True),
        ("```\nX\n```\nY", "Y", 0, False),
        ("~~~~\nX\n~~~\nstill code X\n~~~~\nY", "X", 1, True),  # a shorter closing fence does not close
        ("   ```python\nX\n```", "X", 0, True),  # up to 3 spaces of indentation
        ("a ```\nX\n```", "X", 0, False),  # a fence must open a line; here the runs pair up as inline code
        ("```\nX", "X", 0, True),  # an unclosed fence runs to the end
        ("```\nX\n``` not a closer\nX\n```\nY", "X", 1, True),  # a closer has nothing after it
        ("```X``` and X", "X", 0, True),  # backticks in the info string: inline code, not a fence
        ("```X``` and X", "X", 1, False),
        ("`X` X", "X", 0, True),
        ("`X` X", "X", 1, False),
        ("``a ` X``", "X", 0, True),  # a run closes only at a run of the same length
        ("`a\nX`", "X", 0, False),  # inline code never crosses a line
        ("` unmatched X", "X", 0, False),
        ("`` a ` b ``` X `", "X", 0, True),  # ` at 'b' pairs with the final `
    ],
)
def test_code_spans(text, needle, nth, expected):
    assert in_code(text, needle, nth) is expected


def test_find_once_skips_code_and_counts_the_rest():
    text = "`<a>` <a>\n```\n<a>\n```\n"
    assert find_once(text, "<a>", None) == -1  # three raw occurrences
    # "```" ending a line opens no fence (only line starts do), so both "<a>" outside backticks count here:
    assert find_once("`<a>` <a> ```\n<a>\n", "<a>", code_spans("`<a>` <a> ```\n<a>\n")) == -1
    assert find_once(text, "<a>", code_spans(text)) == 6  # the one between the inline code and the fence
    assert find_once("<a><a>", "<a>", None) == -1
    assert find_once("none", "<a>", None) == -1


def test_is_blank_and_words():
    assert is_blank(" \t\n\u3000\u200b\ufeff")
    assert not is_blank(" x ")
    assert is_blank("abc  def", 3, 5)
    assert words("a  b\nc") == ["a", "b", "c"]
    assert words("é 你好") == ["é", "你", "好"]
    assert words("你好\u3000你好。") == ["你", "好", "你", "好", "。"]  # U+3000 is a space


# Inputs built to make a careless scanner quadratic or backtrack catastrophically, with the score each
# reward must give. (No timing assertion: a quadratic scanner would simply not finish on these.)
RUN_LENGTHS = "".join("`" * k + " " for k in range(1, 1400))  # ~1 MB of unmatched runs of distinct lengths
ADVERSARIAL = {
    "spaces": " " * MB,
    "newlines": "\n" * MB,
    "backticks": "`" * MB,
    "backtick pairs": "` " * (MB // 2),
    "distinct backtick runs on one line": RUN_LENGTHS,
    "fence lines": "```\n" * (MB // 4),
    "opening tags": "<think>" * (MB // 7),
    "tags in inline code on one line": "<think>" + "`</think>` " * (MB // 10) + "</think>4",
    "tags in inline code on many lines": "<think>" + "`</think>`\n" * (MB // 11) + "</think>4",
    "numbered markers": "1." * (MB // 2),
    "bullets": "- " * (MB // 2),
    "step words": "Step " * (MB // 5),
    "indentation": ("\t" * 7 + "\n") * (MB // 8),
}
EXPECTED = {
    # name: (reasoning_tags with think, strict_format with think, think_format, step_format)
    "spaces": (-2.0, 0.0, 0.0, 0.0),
    "newlines": (-2.0, 0.0, 0.0, 0.0),
    "backticks": (-2.0, 0.0, 0.0, 0.0),
    "backtick pairs": (-2.0, 0.0, 0.0, 0.0),
    "distinct backtick runs on one line": (-2.0, 0.0, 0.0, 0.0),
    "fence lines": (-2.0, 0.0, 0.0, 0.0),
    "opening tags": (-2.0, 0.0, 0.0, 0.0),
    "tags in inline code on one line": (0.0, 0.0, 1.0, 0.0),
    "tags in inline code on many lines": (0.0, 0.0, 1.0, 0.0),
    "numbered markers": (-2.0, 0.0, 0.0, 0.0),
    "bullets": (-2.0, 0.0, 0.0, 0.0),  # one bullet whose text "- - - ..." has no letters
    "step words": (-2.0, 0.0, 0.0, 0.0),
    "indentation": (-2.0, 0.0, 0.0, 0.0),
}


@pytest.mark.parametrize("case", list(ADVERSARIAL))
def test_adversarial_megabyte_inputs(case):
    text = ADVERSARIAL[case]
    names = [
        ("math.reasoning_tags", {"reasoning_tag": "think"}),
        ("math.strict_format", {"reasoning_tag": "think"}),
        ("math.think_format", {}),
        ("math.step_format", {}),
    ]
    got = tuple(
        reward_core.get_reward(name, **params)(prompts=["q"], completions=[text])[0] for name, params in names
    )
    assert got == pytest.approx(EXPECTED[case]), case
    [penalty] = reward_core.get_reward("math.repetition_penalty")(prompts=["q"], completions=[text])
    assert -1.0 <= penalty <= 0.0
