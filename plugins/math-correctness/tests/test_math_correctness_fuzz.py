"""Fuzz the trainer-process side of math.answer_correctness: whatever a model degenerates into, scoring stays
linear and ends with a score.

Hypothesis builds completions from nested and unclosed braces and commands, repeated commands, tag floods,
`$` floods and mixed scripts, repeated up to a few hundred KB. Each case runs under a per-case time budget
(hypothesis's `deadline`), generous enough for a slow CI machine and far below what a quadratic step takes
at these sizes (350 KB of `\\boxed{` took minutes before extraction was made linear).
"""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reward_core import get_reward

from reward_math_correctness.extraction import extract

UNITS = [
    "\\boxed{", "\\fbox{", "\\boxed{1}", "{", "}", "{{", "}}", "\\frac{", "\\frac{1}{", "^{", "\\sqrt{", "\\left(",
    "\\begin{pmatrix}", "\\end{pmatrix}", "\\\\", "&",
    "<think>", "</think>", "<reasoning>", "</reasoning>", "<answer>", "</answer>", "<answer>5", "<|im_start|>",
    "$", "$$", "\\(", "\\)", "\\[", "\\]", "\\$",
    "the answer is ", "The final answer is: ", "Answer:", "**Answer:**", "### Final Answer\n", "####", "Result: ",
    "x = ", "= ", "1", "3.14", "1,000", "-", "or ", "maybe ", "not ", "**", "__", ". ", "\n", "\n\n", " ", "\t",
    "数学", "العربية", "🙂", "é\u0301", "\u200b", "Ω≈≤",
]

unit = st.one_of(st.sampled_from(UNITS), st.text(max_size=8))
pattern = st.lists(unit, min_size=1, max_size=6).map("".join)
completion = st.builds(
    lambda prefix, body, times, suffix: prefix + body * times + suffix,
    st.text(max_size=20),
    pattern.filter(bool),
    st.integers(min_value=1, max_value=60_000),
    st.sampled_from(["", "\\boxed{5}", "Answer: 5", "</think> 5", "}" * 50, "$5$", "The answer is 5."]),
).filter(lambda text: len(text) <= 400_000)

BUDGET = settings(
    deadline=timedelta(seconds=2),
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    derandomize=True,
)


@BUDGET
@given(text=completion)
def test_extraction_is_bounded_on_degenerate_completions(text):
    reading = extract(text)
    assert reading.answer is None or len(reading.answer) <= 2 * 1000 + 64
    assert reading.mode in ("answer", "sentence")


@pytest.fixture(scope="module")
def reward():
    guarded = get_reward("math.answer_correctness", workers=1, deadline_seconds=0.5)
    yield guarded
    guarded.reward.close()


@settings(
    deadline=timedelta(seconds=5),  # the trainer's side plus at most one verification under its 0.5 s deadline
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(text=completion)
def test_the_reward_scores_degenerate_completions(reward, text):
    assert reward(prompts=["What is 5?"], completions=[text], answer=["5"])[0] in (0.0, 1.0)


@pytest.mark.parametrize(
    "unit, then_boxed",
    [
        ("\\boxed{", 0.0),  # a flood of boxes is no answer, even with a real one after it
        ("{", 1.0),
        ("<answer>", 1.0),
        ("</think><think>", 1.0),
        ("$", 1.0),
        ("\\[", 1.0),
        ("the answer is ", 1.0),
        ("Answer:\n", 1.0),
        ("**", 1.0),
        ("\n", 1.0),
        ("a. ", 1.0),
    ],
)
def test_a_megabyte_of_one_construct_is_scored(reward, unit, then_boxed):
    """The floods the issue measured (350 KB of `\\boxed{` ran for minutes), at 1 MB, through the reward."""
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    scores = reward(prompts=["q", "q"], completions=[text, text + "\n\\boxed{5}"], answer=["5", "5"])
    assert scores == [0.0, then_boxed]
