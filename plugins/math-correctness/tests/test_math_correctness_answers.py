"""Issue 19's remaining families through the public reward: several values in the last sentence, word answers
that open it, and the equalities math-verify does not see on its own. Each rule has its hedged, negated or
wrong variants, which must score 0."""

import json
from pathlib import Path

import pytest

from reward_core import get_reward


@pytest.fixture(scope="module")
def reward():
    guarded = get_reward("math.answer_correctness", workers=2)
    yield guarded
    guarded.reward.close()


def score(reward, gold, completion):
    return reward(prompts=["q"], completions=[completion], answer=[gold])[0]


# -- several values in the last sentence --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "gold, completion",
    [
        ("1, 2, 3", "The solutions are $x = 1$, $x = 2$, and $x = 3$."),
        ("1, 2, 3", "Factoring, the solutions are $x = 3$, $x = 2$, and $x = 1$."),
        (r"\{1, 2, 3\}", "The solutions are $x = 3$, $x = 2$ and $x = 1$."),
        ("1, 2, 3", "The values are 1, 2, and 3."),
        ("-2, 5", "Therefore the roots are $x = -2$ and $x = 5$."),
        ("-2, 5", "The roots are $5$ and $-2$."),
        ("-1, 1", "Thus the solutions are $x=1$ and $x=-1$."),
        ("1, 2, 3", "Answer: $x = 1$, $x = 2$, and $x = 3$"),
        # a single value keeps reading the value the sentence asserts
        ("12", "The GCD is 12, since 12 divides 36."),
        ("6", "The GCD of $12$ and $18$ is $6$."),
        ("6", "The numbers are 12 and 18, and their GCD is 6."),
        ("1000", "The total is 1,000."),
    ],
)
def test_a_list_in_the_last_sentence_reads_every_value(reward, gold, completion):
    assert score(reward, gold, completion) == 1.0


@pytest.mark.parametrize(
    "gold, completion",
    [
        ("1, 2, 3", "The solutions are $x = 1$, $x = 2$, and $x = 4$."),  # one value wrong
        ("1, 2, 3", "The solutions are $x = 1$ and $x = 2$."),  # one value missing
        ("1, 2, 3", "The solutions are $x = 1$, $x = 2$, or $x = 3$."),  # a hedge between values
        ("1, 2, 3", "It could be 1, 2, and 3."),
        ("1, 2, 3", "The solutions are probably $x = 1$, $x = 2$, and $x = 3$."),
        ("1, 2, 3", "I think the solutions are $x = 1$, $x = 2$, and $x = 3$."),
        ("1, 2, 3", "Many students say the solutions are $x = 1$, $x = 2$, and $x = 3$."),
        ("1, 2, 3", "The solutions are not $x = 1$, $x = 2$, and $x = 3$."),
        ("1, 2, 3", "The solutions are $x = 1$, $x = 2$, and $x = 3$?"),
        ("1, 2, 3", "The solutions are $x = 1$, $x = 2$, and $x = 3$. Wait, that's wrong."),
        ("-1, 1", "The solutions are $x=1$ and $x=-1$. Actually, it might be 2."),
        ("1, 2, 3", "First, we need to check $x = 1$, $x = 2$, and"),  # cut off
        # listing never beats committing: a list against a single gold is wrong
        ("5", "The solutions are $x = 2$ and $x = 5$."),
        ("6", "The candidates are 6 and 12."),
        ("72", "It is 70 and 72."),
        ("72", "The answer is between 70 and 72."),
        ("1000", "It could be 1,000."),
    ],
)
def test_a_wrong_or_uncommitted_list_scores_zero(reward, gold, completion):
    assert score(reward, gold, completion) == 0.0


# -- a yes/no opening the final sentence ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"\text{No}", r"No. Since $91 = 7 \times 13$, it is not prime."),
        (r"\text{No}", r"No, since $91 = 7 \times 13$ is a product of two primes."),
        ("No", r"**No.** Since $91 = 7 \cdot 13$, 91 is composite."),
        (r"\text{Yes}", r"Yes. Because $2^{10} = 1024 > 1000$, it exceeds a thousand."),
        (r"\text{Yes}", "We check: $97$ has no divisor below $10$.\n\nYes. It is prime."),
        ("True", "True, since $3^2 + 4^2 = 5^2$."),
        ("no", "Checking every divisor up to 9.\nNo. It has the divisor 7."),
        # the opening word changes nothing against any other gold
        ("12", "Yes. The total is $12$."),
        ("12", "No. The total is $12$."),
        (r"\text{odd}", "Yes. Therefore the function is odd."),
    ],
)
def test_a_yes_or_no_opening_the_final_sentence_answers(reward, gold, completion):
    assert score(reward, gold, completion) == 1.0


@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"\text{No}", r"Yes. Since $91 = 7 \times 13$, it is not prime."),  # the wrong word
        (r"\text{No}", r"No? Since $91 = 7 \times 13$, it is not prime."),  # a question
        (r"\text{No}", r"No. Since $91 = 7 \times 13$, it might not be prime."),  # a hedge
        (r"\text{No}", r"No, wait, since $91 = 7 \times 13$ let me recheck."),  # a doubt
        (r"\text{No}", r"No. Maybe it is prime after all since $91 = 91 \times 1$."),
        (r"\text{No}", r"Yes. No, since $91 = 7 \times 13$."),  # a retraction
        (r"\text{No}", r"No. Since $91 = 7 \times"),  # cut off
        (r"\text{No}", r"No matter what, $91 = 7 \times 13$."),  # not an answer word
        (r"\text{No}", r"Nobody knows, but $91 = 7 \times 13$."),
        ("5", "Yes. It is not 5."),
    ],
)
def test_a_wrong_or_uncommitted_opening_word_scores_zero(reward, gold, completion):
    assert score(reward, gold, completion) == 0.0


# -- complex numbers: `j`, decimal parts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"\frac{1}{2} - \frac{1}{2}i", r"\boxed{0.5 - 0.5i}"),
        (r"\frac{1}{2} - \frac{1}{2}i", r"\boxed{0.50 - 0.50i}"),
        (r"\frac{1}{2} - \frac{1}{2}i", r"\boxed{\frac{1-i}{2}}"),
        (r"\frac{1}{2} - \frac{1}{2}i", "The answer is $0.5 - 0.5i$."),
        ("0.5+0.5i", r"\boxed{\frac{1}{2}+\frac{1}{2}i}"),
        ("1.5 + 2i", r"\boxed{\frac{3}{2} + 2i}"),
        ("3+4i", r"\boxed{3+4j}"),
        ("3+4i", r"\boxed{3 + 4 j}"),
        ("3+4i", r"\boxed{3+4\mathrm{j}}"),
        ("-2i", r"\boxed{-2j}"),
        ("i", r"\boxed{j}"),
        ("-1+i", r"\boxed{-1 + j}"),
    ],
)
def test_complex_numbers_with_j_or_decimal_parts_are_equal(reward, gold, completion):
    assert score(reward, gold, completion) == 1.0


@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"\frac{1}{2} - \frac{1}{2}i", r"\boxed{0.5 + 0.5i}"),  # the conjugate
        (r"\frac{1}{2} - \frac{1}{2}i", r"Maybe \boxed{0.5 - 0.5i}."),
        (r"\frac{1}{3} + i", r"\boxed{0.33 + i}"),  # a rounded decimal of an exact gold
        (r"\frac{1}{3} + \frac{2}{3}i", r"\boxed{0.333 + 0.667i}"),
        ("3+4i", r"\boxed{4+3i}"),
        ("3+4i", r"\boxed{3-4j}"),
        ("3+4i", r"\boxed{3+4x}"),
        ("2j", r"\boxed{2i}"),  # `j` is read as the unit only in an answer to an `i` gold
    ],
)
def test_a_different_or_rounded_complex_number_scores_zero(reward, gold, completion):
    assert score(reward, gold, completion) == 0.0


# -- "or" / "and" joining inequalities -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ or } x > 2}"),
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ or } 2 < x}"),
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x<1 \lor x>2}"),
        (r"(-\infty,1)\cup(2,\infty)", "Answer: x < 1 or x > 2"),
        (r"(-\infty,1]\cup[2,\infty)", r"\boxed{x \le 1 \text{ or } x \ge 2}"),
        (r"x<1 \text{ or } x>2", r"\boxed{(-\infty,1)\cup(2,\infty)}"),
        ("[1,2]", r"\boxed{x \geq 1 \text{ and } x \leq 2}"),
        ("(1,2)", r"\boxed{x > 1 \text{ and } x < 2}"),
    ],
)
def test_or_and_and_join_inequalities_as_union_and_intersection(reward, gold, completion):
    assert score(reward, gold, completion) == 1.0


@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ and } x > 2}"),  # the intersection (empty)
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x \le 1 \text{ or } x \ge 2}"),  # closed ends
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ or } x > 3}"),
        (r"(-\infty,1)\cup(2,\infty)", "Answer: x < 1 or x > 3"),
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ or } y > 2}"),  # two variables
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ or } x > 2 \text{ and } x < 5}"),  # mixed
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ or maybe } x > 2}"),
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1} \text{ or } \boxed{x > 2}"),  # two answers
        (r"(-\infty,1)\cup(2,\infty)", r"\boxed{x < 1 \text{ or } x > 2 \text{ or } x = 7}"),
        ("(1,2)", r"\boxed{x > 1 \text{ or } x < 2}"),  # every real
        ("(1,2)", r"\boxed{x > 1 \text{ and } x < 3}"),
        ("1", r"\boxed{x < 1 \text{ or } x > 1}"),
    ],
)
def test_a_wrong_union_or_intersection_scores_zero(reward, gold, completion):
    assert score(reward, gold, completion) == 0.0


# -- an unsimplified expression with a plus-minus ---------------------------------------------------------------
@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"2 \pm \sqrt{3}", r"\boxed{\frac{4 \pm \sqrt{12}}{2}}"),
        (r"2 \pm \sqrt{3}", r"\boxed{\frac{4 \mp \sqrt{12}}{2}}"),
        (r"2 \pm \sqrt{3}", r"x = \frac{4 \pm \sqrt{12}}{2}"),
        (r"\frac{-1 \pm \sqrt{5}}{2}", r"\boxed{\frac{-2 \pm \sqrt{20}}{4}}"),  # a gold with the sign inside
        (r"\frac{-1 \pm \sqrt{5}}{2}", r"\boxed{-\frac{1}{2} \pm \frac{\sqrt{5}}{2}}"),
        (r"\frac{-1 \pm \sqrt{5}}{2}", r"\boxed{\frac{-1 - \sqrt{5}}{2}, \frac{-1 + \sqrt{5}}{2}}"),
        ("1, 3", r"\boxed{\frac{4 \pm 2}{2}}"),
        (r"1 + \sqrt{2}", r"\boxed{\frac{2 + \sqrt{8}}{2}}"),
    ],
)
def test_an_unsimplified_expression_equal_to_the_gold_is_correct(reward, gold, completion):
    assert score(reward, gold, completion) == 1.0


@pytest.mark.parametrize(
    "gold, completion",
    [
        (r"2 \pm \sqrt{3}", r"\boxed{\frac{4 \pm \sqrt{3}}{2}}"),
        (r"2 \pm \sqrt{3}", r"\boxed{\frac{4 + \sqrt{12}}{2}}"),  # one of the two values
        (r"2 \pm \sqrt{3}", r"\boxed{\sqrt{3} \pm 2}"),
        (r"2 \pm \sqrt{3}", r"\boxed{\frac{4 \pm \sqrt{12}}{2} \pm 1}"),
        (r"2 \pm \sqrt{3}", r"Maybe \boxed{\frac{4 \pm \sqrt{12}}{2}}."),
        (r"\frac{-1 \pm \sqrt{5}}{2}", r"\boxed{\frac{-1 + \sqrt{5}}{2}}"),
        (r"2 + \sqrt{3}", r"\boxed{\frac{4 \pm \sqrt{12}}{2}}"),  # two values for one
        ("3", r"\boxed{\frac{4 \pm 2}{2}}"),
    ],
)
def test_a_plus_minus_that_is_not_the_gold_scores_zero(reward, gold, completion):
    assert score(reward, gold, completion) == 0.0


# -- the options a prompt (or an `options` column) lists --------------------------------------------------------
QUESTION = "What is 2 + 2?\nA) 2\nB) 3\nC) 4\nD) 5"
CITIES = "Which city is the capital of Italy?\n(A) Paris\n(B) Rome\n(C) Oslo"


@pytest.mark.parametrize(
    "prompt, gold, completion",
    [
        (QUESTION, "C", r"\boxed{4}"),  # the option's value for the gold letter
        (QUESTION, "C", "The answer is 4."),
        (QUESTION, r"\text{(C)}", "Answer: 4"),
        (CITIES, "B", r"\boxed{\text{Rome}}"),  # the option's text
        (CITIES, "B", "The answer is Rome."),
        (QUESTION, "4", r"\boxed{C}"),  # a value gold, the option chosen by its letter
        (QUESTION, "4", "Answer: (C)"),
        (QUESTION, "4", r"\boxed{4}"),
        (QUESTION, "C", r"\boxed{C}"),
    ],
)
def test_an_option_is_chosen_by_its_text_or_its_letter(reward, prompt, gold, completion):
    assert reward(prompts=[prompt], completions=[completion], answer=[gold]) == [1.0]


@pytest.mark.parametrize(
    "prompt, gold, completion",
    [
        (QUESTION, "C", r"\boxed{3}"),  # another option's value
        (QUESTION, "C", r"Maybe \boxed{4}."),
        (QUESTION, "C", "The answer is not 4."),
        (QUESTION, "C", r"\boxed{4} or \boxed{5}"),
        (QUESTION, "4", r"\boxed{B}"),
        (QUESTION, "4", "Answer: C or D"),
        (CITIES, "B", "The answer is Paris."),
        ("What is 2 + 2?", "C", r"\boxed{4}"),  # no options listed: a value is no letter
        ("Pick one:\nA) 4\nB) 4.0\nC) 5", "A", r"\boxed{4}"),  # two options with that value: no choice
        ("Steps:\nA) 4\nC) 5", "A", r"\boxed{4}"),  # not a run of options from A
    ],
)
def test_a_wrong_ambiguous_or_uncommitted_option_scores_zero(reward, prompt, gold, completion):
    assert reward(prompts=[prompt], completions=[completion], answer=[gold]) == [0.0]


def test_an_options_column_lists_the_options(reward):
    scores = reward(
        prompts=["q"] * 4,
        completions=[r"\boxed{4}", r"\boxed{B}", r"\boxed{5}", r"\boxed{\text{Rome}}"],
        answer=["C", "3", "C", "B"],
        options=[["2", "3", "4", "5"], ["(A) 2", "(B) 3"], {"A": "2", "B": "3", "C": "4"}, ["Paris", "Rome"]],
    )
    assert scores == [1.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    "gold, completion, expected",
    [
        (r"(-\infty,1)\cup(2,\infty)", "The solution is $x < 1$ or $x > 2$.", 1.0),
        (r"(-\infty,1)\cup(2,\infty)", "Therefore, the solution set is $x<1$ or $x>2$.", 1.0),
        ("(1,2)", "So the solution is $x > 1$ and $x < 2$.", 1.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is $x < 1$ or $x > 3$.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is maybe $x < 1$ or $x > 2$.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is probably $x < 1$ or $x > 2$.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "Many students think the solution is $x < 1$ or $x > 2$.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is not $x < 1$ or $x > 2$.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is $x < 1$ or $x > 2$. Wait, that's wrong.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is $x < 1$ or $y > 2$.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is $x < 1$ and $x > 2$.", 0.0),
        (r"(-\infty,1)\cup(2,\infty)", "The solution is $x < 1$ or $x > 2$?", 0.0),
        ("2", "The answer is $x = 2$ or $x = 3$.", 0.0),  # "or" between values stays a hedge
        ("3", "It is $3$ or $4$.", 0.0),
    ],
)
def test_or_between_relations_in_the_final_sentence_is_their_union(reward, gold, completion, expected):
    assert score(reward, gold, completion) == expected


FORMS = json.loads((Path(__file__).parent / "data" / "answer_forms_corpus.json").read_text())["cases"]


def test_every_answer_form_of_the_corpus_gets_the_graders_verdict(reward):
    """Choices, words, complex numbers, notation, lists, unions, dollars, cut-off: right ones 1, wrong ones 0."""
    scores = reward(prompts=[c["prompt"] for c in FORMS], completions=[c["completion"] for c in FORMS],
                    answer=[c["gold"] for c in FORMS])
    wrong = [(c["category"], c["completion"], c["gold"], score) for c, score in zip(FORMS, scores)
             if (score == 1.0) != (c["expected"] == 1)]
    assert wrong == []
    assert {c["category"] for c in FORMS} >= {"multiple choice", "word answers", "complex numbers", "notation"}
