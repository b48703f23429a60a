"""Expected scores of every reward on the ways a policy games format rewards, resolved through the core.

Each case names the gaming category of the issue (tag stuffing, empty tags, code fences, nesting or
duplication, answer first, text after the answer, 1 MB, non-ASCII, empty) and the score we promise.
"""

from __future__ import annotations

import pytest

import reward_core

MB = 1_000_000
GOOD = "<reasoning>2 + 2 = 4</reasoning>\n<answer>4</answer>"


def score(name: str, completion, **params) -> float:
    reward = reward_core.get_reward(name, **params)
    [result] = reward(prompts=["What is 2 + 2?"], completions=[completion])
    return result


def both_formats(text: str) -> list:
    return [text, [{"role": "assistant", "content": text}]]


# ---------------------------------------------------------------------------------------------------------
# math.reasoning_tags: +0.5 per tag seen exactly once, -0.5 otherwise; counts only (order is strict_format's job)

REASONING_TAGS = [
    ("well formed", GOOD, 2.0),
    ("stuffing: a second <reasoning> costs that tag", "<reasoning><reasoning>r</reasoning><answer>4</answer>", 1.0),
    ("stuffing: many opening answer tags", GOOD + "<answer>" * 100, 1.0),
    ("stuffing: every tag twice", GOOD + GOOD, -2.0),
    ("empty tags still count (counting reward)", "<reasoning></reasoning><answer></answer>", 2.0),
    ("tags only inside a code fence", "```\n<reasoning>r</reasoning><answer>4</answer>\n```", -2.0),
    ("duplicates inside a code fence are mentions", GOOD + "\n```xml\n<answer>5</answer>\n```\n", 2.0),
    ("duplicates inside a ~~~ fence", GOOD + "\n~~~\n<reasoning>x</reasoning>\n~~~", 2.0),
    ("duplicate inside inline code", "Use `<answer>` tags. " + GOOD, 2.0),
    ("unclosed fence hides everything after it", "```\n" + GOOD, -2.0),
    ("nested answer inside reasoning (counts only)", "<reasoning>r<answer>4</answer></reasoning>", 2.0),
    ("answer before reasoning (counts only)", "<answer>4</answer><reasoning>r</reasoning>", 2.0),
    ("text after the answer (counts only)", GOOD + " and 5 too", 2.0),
    ("1 MB of reasoning", "<reasoning>" + "x" * MB + "</reasoning><answer>4</answer>", 2.0),
    ("1 MB of opening answer tags", "<answer>" * (MB // 8), -2.0),
    ("non-ASCII content", "<reasoning>二加二等于四 🙂</reasoning><answer>四</answer>", 2.0),
    ("full-width brackets are not tags", "＜reasoning＞r＜/reasoning＞<answer>4</answer>", 0.0),
    ("empty completion", "", -2.0),
]


@pytest.mark.parametrize(("case", "text", "expected"), REASONING_TAGS, ids=[c[0] for c in REASONING_TAGS])
def test_reasoning_tags(case, text, expected):
    for completion in both_formats(text):
        assert score("math.reasoning_tags", completion) == expected, case


def test_reasoning_tags_r1_style_and_raw_counting():
    r1 = "<think>2 + 2 = 4</think><answer>4</answer>"
    assert score("math.reasoning_tags", r1, reasoning_tag="think") == 2.0
    assert score("math.reasoning_tags", r1) == 0.0  # <reasoning> tags expected by default
    fenced = GOOD + "\n```\n<answer>5</answer>\n```"
    # ignore_code_blocks=False counts every occurrence, code included, as a plain str.count would.
    assert score("math.reasoning_tags", fenced, ignore_code_blocks=False) == 0.0  # <answer>, </answer> twice


# ---------------------------------------------------------------------------------------------------------
# math.strict_format: structure gate (0.0), then -0.5 empty reasoning, -0.5 empty answer, -0.5 text after,
# -0.25 text before or between the blocks

STRICT = [
    ("well formed", GOOD, 1.0),
    ("surrounding whitespace is fine", "\n  " + GOOD + "\n\n", 1.0),
    ("stuffing: an extra closing answer tag", GOOD + "</answer>", 0.0),
    ("stuffing: every tag twice", GOOD + GOOD, 0.0),
    ("empty reasoning", "<reasoning>  \n</reasoning><answer>4</answer>", 0.5),
    ("zero-width reasoning is empty", "<reasoning>\u200b\u2060</reasoning><answer>4</answer>", 0.5),
    ("empty answer", "<reasoning>r</reasoning><answer> </answer>", 0.5),
    ("both empty", "<reasoning></reasoning><answer></answer>", 0.0),
    ("tags only inside a code fence", "```\n" + GOOD + "\n```", 0.0),
    (
        "tag mentions in a fence inside the reasoning",
        "<reasoning>The format is\n```\n<answer>5</answer>\n```\nso 4</reasoning>\n<answer>4</answer>",
        1.0,
    ),
    ("tag mention in inline code", "<reasoning>`</answer>` ends it</reasoning><answer>4</answer>", 1.0),
    ("nested answer inside reasoning", "<reasoning>r<answer>4</answer></reasoning>", 0.0),
    ("reasoning inside answer", "<answer><reasoning>r</reasoning>4</answer>", 0.0),
    ("overlapping blocks", "<reasoning>r<answer>4</reasoning></answer>", 0.0),
    ("answer before reasoning", "<answer>4</answer><reasoning>r</reasoning>", 0.0),
    ("missing answer block", "<reasoning>r</reasoning> 4", 0.0),
    ("text after the answer", GOOD + " Also 5.", 0.5),
    ("a code block after the answer", GOOD + "\n```\nprint(4)\n```", 0.5),
    ("text before the reasoning", "Sure! " + GOOD, 0.75),
    ("text between the blocks", "<reasoning>r</reasoning> so <answer>4</answer>", 0.75),
    ("empty reasoning and text after", "<reasoning></reasoning><answer>4</answer>!", 0.0),
    ("1 MB of reasoning", "<reasoning>" + "x " * (MB // 2) + "</reasoning><answer>4</answer>", 1.0),
    ("1 MB of text after the answer", GOOD + "y" * MB, 0.5),
    ("1 MB of whitespace after the answer", GOOD + " \n" * (MB // 2), 1.0),
    ("1 MB of tag stuffing", ("<reasoning></reasoning><answer></answer>" * (MB // 40)), 0.0),
    ("non-ASCII content", "<reasoning>二加二等于四</reasoning>\n<answer>四</answer>", 1.0),
    ("ideographic space only is empty", "<reasoning>r</reasoning><answer>\u3000</answer>", 0.5),
    ("empty completion", "", 0.0),
]


@pytest.mark.parametrize(("case", "text", "expected"), STRICT, ids=[c[0] for c in STRICT])
def test_strict_format(case, text, expected):
    for completion in both_formats(text):
        assert score("math.strict_format", completion) == expected, case


def test_strict_format_r1_style():
    r1 = "<think>\nadd them\n</think>\n<answer>4</answer>"
    assert score("math.strict_format", r1, reasoning_tag="think") == 1.0
    assert score("math.strict_format", r1) == 0.0


# ---------------------------------------------------------------------------------------------------------
# math.think_format: starts with <think>, one <think> and one </think> outside code, non-empty thought

THINK = [
    ("well formed", "<think>\nadd them\n</think>\n4", 1.0),
    ("leading whitespace", "\n  <think>add</think>4", 1.0),
    ("no closing tag", "<think>add them, 4", 0.0),
    ("stuffing: a second opening tag after the answer", "<think>add</think>4<think>", 0.0),
    ("stuffing: a second closing tag", "<think>add</think></think>4", 0.0),
    ("empty thought", "<think></think>4", 0.0),
    ("whitespace thought", "<think> \n\t</think>4", 0.0),
    ("tags only inside a code fence", "```\n<think>add</think>\n```\n4", 0.0),
    ("a mention in a fence inside the thought", "<think>add\n```\n<think>\n```\n</think>4", 1.0),
    ("a mention in inline code", "<think>the `</think>` tag ends it</think>4", 1.0),
    ("nested thoughts", "<think><think>add</think></think>4", 0.0),
    ("answer before thinking", "4 <think>add</think>", 0.0),
    ("text after the thought is the answer", "<think>add</think> The answer is 4.", 1.0),
    ("1 MB thought", "<think>" + "hmm " * (MB // 4) + "</think>4", 1.0),
    ("1 MB without closing tag", "<think>" + "hmm " * (MB // 4), 0.0),
    ("1 MB of opening tags", "<think>" * (MB // 7), 0.0),
    ("non-ASCII thought", "<think>二加二等于四</think>四", 1.0),
    ("empty completion", "", 0.0),
]


@pytest.mark.parametrize(("case", "text", "expected"), THINK, ids=[c[0] for c in THINK])
def test_think_format(case, text, expected):
    for completion in both_formats(text):
        assert score("math.think_format", completion) == expected, case


def test_think_format_allow_empty_and_custom_tag():
    assert score("math.think_format", "<think></think>4", allow_empty=True) == 1.0
    assert score("math.think_format", "<reasoning>r</reasoning>4", think_tag="reasoning") == 1.0


# ---------------------------------------------------------------------------------------------------------
# math.soft_overlong: lengths come from completion_ids only, so text cannot game it


@pytest.mark.parametrize(
    ("case", "length", "expected"),
    [
        ("empty completion", 0, 0.0),
        ("at the free limit", 80, 0.0),
        ("one token into the cache", 81, -0.05),
        ("half way through the cache", 90, -0.5),
        ("at max_completion_len", 100, -1.0),
        ("over max_completion_len", 101, -1.0),
        ("1 MB of tokens", MB, -1.0),
    ],
)
def test_soft_overlong(case, length, expected):
    reward = reward_core.get_reward("math.soft_overlong", max_completion_len=100, soft_punish_cache=20)
    # The text is irrelevant (1 MB of non-ASCII text with 10 tokens is not punished); only token ids count.
    assert reward(prompts=["q"], completions=["好" * 10], completion_ids=[[7] * length]) == [expected], case
    assert reward(prompts=["q"], completions=["好" * MB], completion_ids=[[7] * 10]) == [0.0]


def test_soft_overlong_without_cache_punishes_only_beyond_max():
    reward = reward_core.get_reward("math.soft_overlong", max_completion_len=100, soft_punish_cache=0)
    assert reward(prompts=["q"] * 2, completions=["a", "b"], completion_ids=[[1] * 100, [1] * 101]) == [0.0, -1.0]


# ---------------------------------------------------------------------------------------------------------
# math.repetition_penalty: (1 - unique/total n-grams) * max_penalty, over token ids or else words


@pytest.mark.parametrize(
    ("case", "text", "params", "expected"),
    [
        ("no repetition", "one two three four five", {}, 0.0),
        ("fewer words than ngram_size", "one two", {}, 0.0),
        ("empty completion", "", {}, 0.0),
        ("half of the trigrams repeat", "the cat the cat the cat", {}, -0.5),
        ("bigrams", "the cat the cat the cat", {"ngram_size": 2}, -0.6),
        ("max_penalty scales it", "the cat the cat the cat", {"max_penalty": -2.0}, -1.0),
        ("stuffing: 1 MB of one word", "step " * (MB // 5), {}, -(1 - 1 / (MB // 5 - 2))),
        ("CJK characters are words", "你好你好你好", {}, -0.5),
        # words x, =, 你, 好, 你, 好, 你, 好: 7 bigrams, 4 distinct
        ("mixed scripts", "x = 你好 你好 你好", {"ngram_size": 2}, -(1 - 4 / 7)),
        ("unigrams", "a a a b", {"ngram_size": 1}, -0.5),
        ("tags and code are just words", "```\n<a> ```\n<a> ```\n<a>", {"ngram_size": 2}, -0.6),
    ],
)
def test_repetition_penalty_words(case, text, params, expected):
    for completion in both_formats(text):
        assert score("math.repetition_penalty", completion, **params) == pytest.approx(expected, abs=1e-12), case


def test_repetition_penalty_prefers_token_ids():
    reward = reward_core.get_reward("math.repetition_penalty", ngram_size=2)
    # Repetitive text, but the token ids decide when the trainer passes them.
    repetitive = "the cat the cat the cat"
    assert reward(prompts=["q"], completions=[repetitive], completion_ids=[[1, 2, 3, 4]]) == [0.0]
    assert reward(prompts=["q"], completions=["ok"], completion_ids=[[5] * 5]) == [-0.75]
    assert reward(prompts=["q"], completions=["ok"], completion_ids=[[]]) == [0.0]
    assert reward(prompts=["q"], completions=["ok"], completion_ids=[[9, 9] * (MB // 2)]) == [
        pytest.approx(-(1 - 1 / (MB - 1)), abs=1e-12)  # MB - 1 bigrams, all (9, 9)
    ]


# ---------------------------------------------------------------------------------------------------------
# math.step_format: min(distinct steps, max_steps) / max_steps

STEPS = [
    ("three Step N lines", "Step 1: add 2 and 2\nStep 2: the sum is 4\nStep 3: so 4", 1.0),
    ("numbered list", "1. add 2 and 2\n2) the sum is 4", 2 / 3),
    ("bullets of every kind", "- add 2\n* and 2\n+ sum is 4\n• so 4", 1.0),
    ("markdown bold and headings", "**Step 1:** add 2 and 2\n### Step 2. the sum is 4", 2 / 3),
    ("capped", "\n".join(f"{i}. fact number {i}" for i in range(1, 50)), 1.0),
    ("stuffing: one step repeated", "- add two\n" * 100, 1 / 3),
    ("stuffing: same text under new numbers", "1. add two\n2. Add  two\n3. ADD TWO", 1 / 3),
    ("empty bullets", "-\n- \n* \n1. \n2.", 0.0),
    ("too short to be a step", "- a\n- b\n- 4", 0.0),
    ("steps only inside a code fence", "```\n1. add two\n2. sum four\n3. done now\n```", 0.0),
    ("decimals and negative numbers are not steps", "3.14 is pi\n-5 + 3 = -2\n*emphasis* here", 0.0),
    ("1 MB of distinct steps", "".join(f"{i}. value {i}\n" for i in range(60_000)), 1.0),
    ("1 MB on one line", "1. " + "x" * MB, 1 / 3),
    ("1 MB without steps", "x " * (MB // 2), 0.0),
    ("non-ASCII steps", "1. 二加二\n2. 等于四\n3. 答案是四", 1.0),
    ("empty completion", "", 0.0),
]


@pytest.mark.parametrize(("case", "text", "expected"), STEPS, ids=[c[0] for c in STEPS])
def test_step_format(case, text, expected):
    for completion in both_formats(text):
        assert score("math.step_format", completion) == pytest.approx(expected), case


def test_step_format_params():
    text = "1. add two\n2. sum four"
    assert score("math.step_format", text, max_steps=2) == 1.0
    assert score("math.step_format", text, max_steps=4) == 0.5
    assert score("math.step_format", text, min_step_chars=7) == 1 / 3  # "add two" has 6 letters
    assert score("math.step_format", text, min_step_chars=8) == 0.0
