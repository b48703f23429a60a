"""Multiple-choice answers, cut-off completions and retractions (issue 19), through the public reward."""

import pytest

from reward_core import get_reward

from reward_math_correctness.choice import choice_gold, read_choice


@pytest.fixture(scope="module")
def reward():
    guarded = get_reward("math.answer_correctness", workers=2)
    yield guarded
    guarded.reward.close()


@pytest.mark.parametrize(
    "gold, completion",
    [
        ("C", "Answer: C) 2"),
        ("C", "(C) 2"),
        ("C", "Work.\n**C**"),
        ("B", "The correct answer is **(B)** 2.0 eV."),
        ("C", "The answer is 23, which is option C."),
        ("B", r"\boxed{\textbf{(B)}\ 9}"),
        ("B", r"$\textbf{(B) } 9$"),
        ("9", r"\boxed{\textbf{(B)}\ 9}"),
        ("9", r"$\textbf{(B) } 9$"),
        (r"\text{A, C}", r"\boxed{\text{C, A}}"),
        (r"\text{A, C}", r"\boxed{\text{A}, \text{C}}"),
        ("C", "Options A, B and D are wrong, so C."),
        ("C", "The correct option is C."),
        ("C", r"\boxed{(C)}"),
        ("(C)", r"\boxed{C}"),
        (r"\textbf{(C)}", "Answer: C"),
        (r"\text{(C)}", "So the answer is option C."),
        ("C", "It is C, not B."),
    ],
)
def test_a_choice_is_read_in_every_common_form(reward, gold, completion):
    assert reward(prompts=["q"], completions=[completion], answer=[gold]) == [1.0]


@pytest.mark.parametrize(
    "gold, completion",
    [
        ("C", "The answer is A or C."),  # a hedge between letters
        ("C", r"\boxed{A \text{ or } C}"),
        ("C", r"\boxed{B}"),
        ("C", "Answer: B) 2"),
        ("C", r"\boxed{\text{A, C}}"),  # several letters for a single choice
        (r"\text{A, C}", r"\boxed{A}"),  # one letter for a multi-select gold
        ("C", "Maybe C."),
        ("C", "It is not C."),
        ("C", "The answer is C?"),
        ("C", "Answer: C\nActually, it might be B."),
    ],
)
def test_a_wrong_or_uncommitted_choice_scores_zero(reward, gold, completion):
    assert reward(prompts=["q"], completions=[completion], answer=[gold]) == [0.0]


@pytest.mark.parametrize(
    "gold, completion, score",
    [
        ("12", "... First, 5 + 7 = 12, then we need to check whether he", 0.0),  # cut off mid-sentence
        ("12", "First, 5 + 7 = 12, and so the", 0.0),
        ("12", r"So \boxed{12}. Then we check whether he", 1.0),  # an anchored answer given earlier still counts
        ("4", "The answer is 4. Actually, it might be 5.", 0.0),  # a retraction
        ("4", r"\boxed{4}. Hmm, wait, let me redo this.", 0.0),
        ("12", "The GCD is 12, since 12 divides 36.", 1.0),  # the value asserted, not its justification
    ],
)
def test_cut_off_completions_and_retractions(reward, gold, completion, score):
    assert reward(prompts=["q"], completions=[completion], answer=[gold]) == [score]


def test_choice_helpers():
    assert choice_gold(r"\text{A, C}") == frozenset("AC")
    assert choice_gold("x") is None and choice_gold("72") is None and choice_gold("AB") is None
    assert read_choice("C) 2", "answer") == frozenset("C")
    assert read_choice("Options A, B and D are wrong, so C", "sentence") == frozenset("C")


@pytest.mark.parametrize(
    "gold, completion",
    [
        ("3+4i", r"\boxed{3 + 4 i}"),
        ("3+4i", r"\boxed{3+4\mathrm{i}}"),
        (r"(-\infty,3]", r"\boxed{(-∞, 3]}"),
        (r"\sqrt{2}", r"\boxed{√2}"),
        (r"0.\overline{3}", r"\boxed{0.\bar{3}}"),
        (r"0.\overline{3}", r"\boxed{0.333\ldots}"),
        (r"0.\overline{3}", r"\boxed{\frac{1}{3}}"),
        (r"\frac{1}{6}", r"\boxed{0.1\overline{6}}"),
        ("1011_2", r"\boxed{(1011)_2}"),
        ("11", r"\boxed{1011_2}"),
    ],
)
def test_notation_math_verify_misreads(reward, gold, completion):
    """Issue 19's notation rows: unicode signs, the imaginary unit, repeating decimals, base subscripts."""
    assert reward(prompts=["q"], completions=[completion], answer=[gold]) == [1.0]


@pytest.mark.parametrize(
    "gold, completion",
    [("3+4i", r"\boxed{3 + 5 i}"), (r"0.\overline{3}", r"\boxed{0.333}"), (r"\sqrt{2}", r"\boxed{√3}"), ("11", r"\boxed{1011_3}")],
)
def test_notation_near_misses_stay_wrong(reward, gold, completion):
    assert reward(prompts=["q"], completions=[completion], answer=[gold]) == [0.0]


@pytest.mark.parametrize(
    "gold, completion, score",
    [
        (r"\text{Monday}", "The answer is Monday.", 1.0),
        (r"\text{odd}", "Therefore the function is odd.", 1.0),
        (r"\text{odd}", "Therefore the function is not odd.", 0.0),
        (r"\text{odd}", "The answer is even.", 0.0),
        (r"\text{odd}", "Maybe the function is odd.", 0.0),
        ("no", r"\boxed{on}", 0.0),
        (r"\$18.90", "Each notebook is $3.78, so five of them cost 5 x $3.78 = $18.90.", 1.0),
        (r"\$18.90", r"\boxed{18.90}", 1.0),
        (r"\$1{,}250", r"\boxed{\$1,250}", 1.0),
    ],
)
def test_word_answers_in_prose_and_dollar_golds(reward, gold, completion, score):
    """A word answer is read in the final sentence with the same refusals; a dollar gold is never None."""
    assert reward(prompts=["q"], completions=[completion], answer=[gold]) == [score]
