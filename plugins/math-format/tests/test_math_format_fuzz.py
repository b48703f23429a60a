"""Fuzz the math-format rewards with degenerate completions: whatever a model produces, every reward scores it
in linear time, with a float inside its declared range.

Hypothesis draws a short unit (nested or unclosed braces, LaTeX commands, tags of the default, R1 and custom
names, `$`, backticks and fences, step markers, mixed scripts, or arbitrary text) and a repeat count, and
builds completions of up to 300 KB by repetition. `deadline` is the per-case time budget: generous for a
slow CI machine (the whole case, every reward included, takes tens of milliseconds here), far below what
one quadratic scan takes at these sizes. No other timing is asserted; benchmarks/bench_adversarial_text.py
measures the figures.

The scanners the tag rewards rely on are also checked against their plain references on small inputs:
`outside_code` (regex substitutions) against `CodeSpans` (the lazy map of code), and `distinct_ngrams` and
`word_units` against counting tuples of `words`.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reward_core import get_reward
from reward_math_format._scan import _MARKS, code_spans, distinct_ngrams, outside_code, word_units, words

UNITS = [
    # braces and LaTeX, nested, unclosed, repeated
    "{", "}", "{{", "}}", "{{{{", "\\boxed{", "\\boxed{4}", "\\frac{", "\\frac{1}{2}", "^{", "\\sqrt{", "\\left(",
    "\\begin{align}", "\\end{align}", "\\\\", "&", "\\text{", "\\(", "\\)", "\\[", "\\]",
    # tags: default, R1 and custom names, closers, mismatched
    "<think>", "</think>", "</think><think>", "<reasoning>", "</reasoning>", "<answer>", "</answer>", "<answer>4",
    "<scratch>", "</scratch>", "<final>", "</final>", "<think", "think>", "</", "<<think>>", "<|im_end|>",
    # dollars
    "$", "$$", "\\$", "$x$", "$$\n",
    # Markdown code: inline runs of many lengths, fences, tildes
    "`", "``", "```", "`x`", "``x``", "`<think>`", "```\n", "~~~\n", "   ```py\n", "`" * 16, "`" * 17, "````x",
    # step markers
    "Step 1: ", "step 2. add", "**Step 3**", "### Step 4\n", "1. ", "2) ", "- ", "* ", "+ ", "• ", "– ",
    # text, whitespace, scripts
    "the answer is 4", "x", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u200b", "\u3000",
    "数学", "解答步骤", "العربية", "🙂", "😀😀", "é\u0301", "e\u0301\u0301", "Ω≈≤", "ſtep", "ΣΑΣ",
]

unit = st.one_of(st.sampled_from(UNITS), st.text(max_size=8))
pattern = st.lists(unit, min_size=1, max_size=6).map("".join).filter(bool)
# The repeat count comes from a drawn size, half the time 50..300 KB (a bare count would mostly be small).
size = st.one_of(st.integers(min_value=1, max_value=2_000), st.integers(min_value=50_000, max_value=300_000))
completion = st.builds(
    lambda prefix, body, size, suffix: prefix + body * max(1, size // len(body)) + suffix,
    st.sampled_from(["", "<think>\n", "<reasoning>", "```\n", "`", "Step 1: start\n", "数学"]),
    pattern,
    size,
    st.sampled_from(["", "</think>\n4", "</reasoning><answer>4</answer>", "\n```", "`", "\n- last step"]),
)

BUDGET = settings(
    deadline=timedelta(seconds=2),
    max_examples=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    derandomize=True,
)

TEXT_REWARDS = [
    ("math.reasoning_tags", {}),
    ("math.reasoning_tags", {"reasoning_tag": "think"}),
    ("math.reasoning_tags", {"reasoning_tag": "scratch", "answer_tag": "final", "ignore_code_blocks": False}),
    ("math.strict_format", {}),
    ("math.strict_format", {"reasoning_tag": "think"}),
    ("math.think_format", {}),
    ("math.think_format", {"allow_empty": True, "ignore_code_blocks": False}),
    ("math.repetition_penalty", {}),
    ("math.repetition_penalty", {"ngram_size": 1}),
    ("math.repetition_penalty", {"ngram_size": 5, "max_penalty": -0.5}),
    ("math.step_format", {}),
    ("math.step_format", {"max_steps": 10, "min_step_chars": 1}),
]
REWARDS = [(name, params, get_reward(name, **params)) for name, params in TEXT_REWARDS]
OVERLONG = get_reward("math.soft_overlong", max_completion_len=50_000, soft_punish_cache=10_000)
BY_TOKENS = get_reward("math.repetition_penalty")


def in_range(score: object, reward) -> bool:
    low, high = reward.reward.score_range
    return type(score) is float and math.isfinite(score) and low <= score <= high


@BUDGET
@given(text=completion)
def test_every_reward_scores_degenerate_completions(text):
    for name, params, reward in REWARDS:
        [score] = reward(prompts=["q"], completions=[text])
        assert in_range(score, reward), (name, params, score)
    # Conversational completions read the same text.
    name, params, reward = REWARDS[4]
    assert reward(prompts=["q"], completions=[[{"role": "assistant", "content": text}]]) == [score_of(reward, text)]


def score_of(reward, text: str) -> float:
    return reward(prompts=["q"], completions=[text])[0]


@BUDGET
@given(text=completion, wide=st.booleans())
def test_token_id_rewards_score_degenerate_completions(text, wide):
    # Token ids from the text's bytes: small ids take the packed path of distinct_ngrams, wide ones the tuples.
    ids = list(text.encode("utf-8", "surrogatepass"))
    if wide:
        ids = [i + 70_000 for i in ids]
    [penalty] = BY_TOKENS(prompts=["q"], completions=[text], completion_ids=[ids])
    assert in_range(penalty, BY_TOKENS)
    [overlong] = OVERLONG(prompts=["q"], completions=[text], completion_ids=[ids])
    assert in_range(overlong, OVERLONG)


# -- the fast scanners against their references, on small inputs -------------------------------------------

CODE_UNITS = ["`", "``", "```", "````", "`" * 16, "`" * 17, "`" * 20, "~~~", "~~~~", "\n", " ", "   ", "\t", "\r",
              "x", "<a>", "<think>", "\u200b", "\x00", "\x01", "\x02"]
code_text = st.one_of(
    st.lists(st.sampled_from(CODE_UNITS), max_size=40).map("".join),
    # every character outside_code might use as a mark, and a long run: the line-by-line fallback
    st.lists(st.sampled_from(CODE_UNITS), max_size=30).map(lambda units: "".join(units) + _MARKS + "`" * 16),
)


def outside_code_reference(text: str) -> str:
    """Every stretch of code (per `CodeSpans`) replaced by one "\\x00"."""
    code = code_spans(text)
    if code is None:
        return text
    out, pos = [], 0
    while pos < len(text):
        end = code.end_covering(pos)
        if end >= 0:
            out.append("\x00")
            pos = end
        else:
            out.append(text[pos])
            pos += 1
    return "".join(out)


@settings(max_examples=600, derandomize=True, deadline=timedelta(seconds=2))
@given(text=code_text)
def test_outside_code_agrees_with_code_spans(text):
    # Adjacent pieces of code may come out as one placeholder or several: the same tags, the same blanks.
    assert squeeze(outside_code(text)) == squeeze(outside_code_reference(text))


def squeeze(text: str) -> str:
    return re.sub("\x00+", "\x00", text)


@settings(max_examples=300, derandomize=True, deadline=timedelta(seconds=2))
@given(
    text=st.lists(st.sampled_from(["数", "学", "题", "a", "bc", " ", "\n", "\u3000", "😀", "é"]), max_size=30).map("".join),
    ids=st.lists(st.one_of(st.integers(0, 5), st.integers(60_000, 70_000), st.booleans()), max_size=30),
    n=st.integers(1, 6),
)
def test_distinct_ngrams_counts_tuples(text, ids, n):
    def reference(units):
        return len(set(zip(*[list(units)[i:] for i in range(n)])))

    assert list(word_units(text)) == words(text)
    assert distinct_ngrams(word_units(text), n) == reference(words(text))
    assert distinct_ngrams(ids, n) == reference(ids)
