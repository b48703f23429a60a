"""The extraction rules, the fast numeric path and the pre-check: pure string functions, no worker processes.

What users see is tested through the reward in test_math_correctness_reward.py; these pin each rule down."""

import subprocess
import sys
from fractions import Fraction

import pytest

from reward_math_correctness.verification import unsolved_operator
from reward_math_correctness.extraction import MAX_BOXES, extract, hedge_reason, is_bare_answer
from reward_math_correctness.notation import absurd_reason, fast_number, gold_text, numbers_equal

LIMITS = dict(max_chars=1000, max_depth=30, max_exponent=100_000, max_factorial=10_000)


@pytest.mark.parametrize(
    "completion, answer, rule",
    [
        ("<answer>42</answer>", "42", "answer_tag"),
        ("<answer>so \\boxed{7}</answer>", "7", "answer_tag"),
        ("work \\boxed{3} more work \\boxed{ 3 }", "3", "boxed"),  # the same answer twice is one answer
        ("\\boxed{3} or \\boxed{4}", "\\boxed{3}, \\boxed{4}", "boxed"),  # several answers stay several
        ("<think>\\boxed{5}</think> The answer is \\boxed{6}", "6", "boxed"),
        ("<think>I think \\boxed{5}", None, "none"),  # reasoning never closed: no final answer
        ("<reasoning>r</reasoning><answer>9</answer>", "9", "answer_tag"),
        ("Janet has 3 + 4 = 7 eggs.\n#### 7", "7", "gsm8k"),
        ("So the final answer is 3.5. Done", "3.5", "answer_is"),
        ("The answer is: **12**", "12", "answer_is"),
        ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}", "boxed"),
        ("\\fbox{8}", "8", "boxed"),
        ("\\boxed{12 $ and $13}", "12 and 13", "boxed"),  # stray `$` in a box
        # lenient rules: the whole completion, a final-answer line, the last sentence
        ("42", "42", "whole"),
        ("$42$.", "42", "whole"),
        ("\\[ (1, +\\infty) \\]", "(1, +\\infty)", "whole"),
        ("$28$ percent", "28\\%", "whole"),
        ("**x = 5**", "x = 5", "whole"),
        ("Answer: 5", "5", "answer_line"),
        ("Work.\n**Answer:** 5", "5", "answer_line"),
        ("Work.\n### Final Answer\n\n$$\n7\n$$", "7", "answer_line"),
        ("Work.\nFinal: 5", "5", "answer_line"),
        ("Answer \\[\n 9 \n\\]", "9", "answer_line"),
        ("Work.\nResult: The volume is 120. I hope it is correct.", "The volume is 120", "answer_line"),
        ("Therefore x=5.", "Therefore x=5", "last_sentence"),
        ("no marker at all, 17", "no marker at all, 17", "last_sentence"),
        ("We add them. The result is 5. I hope it is correct.", "The result is 5", "last_sentence"),
        ("Alice wins with 2/3. <|im_start|>user\nWhat is 7?", "Alice wins with 2/3", "last_sentence"),
        ("no mathematics here", None, "none"),
        # cut at the length limit mid-sentence: the sentence before is reasoning still going on
        ("Let me compute 3 + 4 = 7. Then we multiply by", None, "none"),
        # a final sentence without mathematics that is no closing remark: what came before was reasoning
        ("Let's check: 2 + 3 = 5. Therefore we need to find x first.", None, "none"),
        ("So x = 4. I am not sure though.", None, "none"),
        ("So x = 4. Hope this helps!", "So x = 4", "last_sentence"),
    ],
)
def test_extraction_rules(completion, answer, rule):
    reading = extract(completion)
    assert (reading.answer, reading.rule, reading.refusal) == (answer, rule, None)


@pytest.mark.parametrize(
    "completion, refusal",
    [
        ("It is 3 or 4.", "hedge ('or')"),
        ("Answer: maybe 4", "hedge ('maybe')"),
        ("The answer is not 5.", "negated answer"),
        ("\\boxed{1}" * (MAX_BOXES + 1), "too many boxes"),
    ],
)
def test_extraction_refuses_hedges(completion, refusal):
    assert extract(completion).refusal == refusal


def test_anchored_policy_reads_only_markers():
    assert extract("Answer: 5", policy="anchored").answer is None
    assert extract("\\boxed{5}", policy="anchored").answer == "5"


def test_extraction_custom_reasoning_tag():
    assert extract("<scratch>\\boxed{1}</scratch>\\boxed{2}", ("scratch",)).answer == "2"
    assert extract("<think>\\boxed{1}</think>", ()).answer == "1"


@pytest.mark.parametrize(
    "gold, expected",
    [
        ("Natalia sold 48/2 = 24 clips in May.\n#### 72", "72"),
        ("#### 1,000", "1,000"),
        ("\\frac{1}{2}", "\\frac{1}{2}"),
        (72, "72"),
        (None, None),
        ("   ", None),
    ],
)
def test_gold_text(gold, expected):
    assert gold_text(gold) == expected


@pytest.mark.parametrize(
    "text, value, percent",
    [
        ("1,000", Fraction(1000), False),
        ("1{,}000", Fraction(1000), False),
        ("$1,000.50", Fraction(2001, 2), False),
        ("\\$16,\\!386.20", Fraction(163862, 10), False),
        ("18 eggs", Fraction(18), False),
        ("\\text{18 dollars}", Fraction(18), False),
        ("x = 7", Fraction(7), False),
        ("7.0", Fraction(7), False),
        ("-\\frac{3}{4}", Fraction(-3, 4), False),
        ("\\dfrac{6}{8}", Fraction(3, 4), False),
        ("3/4", Fraction(3, 4), False),
        ("25\\%", Fraction(25), True),
        ("90^\\circ", Fraction(90), False),
        (".5", Fraction(1, 2), False),
        ("0,111", Fraction(111, 1000), False),  # a decimal comma: not a thousands group
        ("2,74", Fraction(274, 100), False),
        ("28 percent", Fraction(28), True),
        ("1 000", Fraction(1000), False),
    ],
)
def test_fast_number_reads_plain_numbers(text, value, percent):
    assert fast_number(text) == (value, percent)


@pytest.mark.parametrize(
    "text",
    ["12 or 13", "3, 4", "\\pm 2", "\\sqrt{2}", "1, 22", "x = y = 3", "2^{10}", "\\frac{1}{x}", "1/0", ""],
)
def test_fast_number_leaves_everything_else_to_math_verify(text):
    assert fast_number(text) is None


def test_percent_matches_the_number_or_the_fraction():
    assert numbers_equal((Fraction(25), False), (Fraction(25), True))
    assert numbers_equal((Fraction(1, 4), False), (Fraction(25), True))
    assert not numbers_equal((Fraction(26), False), (Fraction(25), True))


@pytest.mark.parametrize(
    "answer, reason",
    [
        ("9^{9^{9^{9}}}", "exponent tower"),
        ("10^{10^{10}}", "exponent tower"),
        ("9^9^9", "exponent tower"),
        ("2**2**40", "exponent tower"),
        ("7^{123456789}", "huge exponent"),
        ("(10^{10})!", "huge factorial"),
        ("100000!", "huge factorial"),
        ("(5!)!", "huge factorial"),
        ("2^{10!}", "factorial in an exponent"),
        ("1" * 1001, "too long"),
        ("{" * 40 + "1" + "}" * 40, "too deeply nested"),
    ],
)
def test_absurd_predictions_are_rejected(answer, reason):
    assert absurd_reason(answer, **LIMITS) == reason


@pytest.mark.parametrize(
    "answer", ["e^{x^2}", "2^{2^{n}}", "2^{2015}", "\\frac{1}{2004!}", "10!", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"]
)
def test_reasonable_answers_pass_the_pre_check(answer):
    assert absurd_reason(answer, **LIMITS) is None


def test_words_in_latex_are_read_alike_everywhere():
    # One pattern (text.LATEX_WORD): the prose commands hold words, the name commands hold names in mathematics.
    assert fast_number(r"5\,\mathrm{cm}") == fast_number(r"5 \text{ cm}") == (Fraction(5), False)
    assert is_bare_answer(r"5 \textrm{cm}") and is_bare_answer(r"\operatorname{lcm}(4, 6)")
    for prose in (r"3 \text{ or } 4", r"3 \textit{ or } 4", r"3 \mbox{ or } 4"):
        assert hedge_reason(prose) == "hedge ('or')", prose
    assert hedge_reason(r"3 \mathrm{or} 4") is None
    assert unsolved_operator("12", r"\operatorname{lcm}(4, 6)") == "lcm"
    assert unsolved_operator("12", r"12 \text{ (the lcm of 4 and 6)}") is None


def test_listing_rewards_imports_nothing_heavy():
    code = (
        "import sys, reward_core\n"
        "names = [r.name for r in reward_core.list_rewards()]\n"
        "assert 'math.answer_correctness' in names, names\n"
        "heavy = sorted(m for m in ('sympy', 'math_verify', 'torch', 'latex2sympy2_extended') if m in sys.modules)\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
