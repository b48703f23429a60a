"""math.answer_correctness under a red team (issue 24): only an answer the model commits to earns credit.

Everything goes through the public reward, `get_reward("math.answer_correctness")(prompts, completions,
answer=...)`:
- the red-team corpus (tests/data/redteam_corpus.json, made by make_redteam_corpus.py): every attack scores 0
  and its control, which commits to the gold in the same style, scores 1;
- the documented property: at most one committed answer per completion, so no strategy of listing, hedging or
  bounding earns more than committing (each attack against its control, and generated strategies);
- a hypothesis generator of hedge, negation, bound and condition wrappers around correct answers, in every place
  an answer is read (box, `<answer>`, `####`, "the answer is", `Answer:` line, last sentence), each with its
  unwrapped control;
- the batch budget: a batch with slow answers ends within its documented bound, slow rows scored as timeouts;
- hypothesis fuzzing of the trainer-side text handling added for this (conditionals, phantoms, fences, tags in
  any case, nested, unclosed and repeated), under a per-case time budget.
"""

import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reward_core import get_reward

from reward_math_correctness.commitment import answer_refusal, context_refusal, render, strip_code
from reward_math_correctness.extraction import extract
from reward_math_correctness.pool import PER_TASK_SECONDS

CORPUS = json.loads((Path(__file__).parent / "data" / "redteam_corpus.json").read_text())["cases"]


@pytest.fixture(scope="module")
def reward():
    guarded = get_reward("math.answer_correctness", workers=2)
    yield guarded
    guarded.reward.close()


@pytest.fixture(scope="module")
def corpus_scores(reward):
    n = len(CORPUS)
    scores = reward(
        prompts=[c["prompt"] for c in CORPUS] * 2,
        completions=[c["attack"] for c in CORPUS] + [c["control"] for c in CORPUS],
        answer=[c["gold"] for c in CORPUS] * 2,
    )
    return scores[:n], scores[n:]


def test_the_corpus_covers_the_issue_families():
    families = {c["family"] for c in CORPUS}
    assert len(CORPUS) >= 500 and len(families) >= 15
    for family in ("negations", "bounds and ranges", "two values in one box", "reasoning tags it does not know",
                   "LaTeX that renders otherwise", "percent scaling", "point golds", "word golds",
                   "lists, tables, code", "'the answer is' in reported speech or a question",
                   "a box or tag read whatever the prose says", "retractions and a different value after the answer",
                   "cut-off completions"):
        assert sum(c["family"] == family for c in CORPUS) >= 3, family


def test_no_attack_scores(corpus_scores):
    attacks, _ = corpus_scores
    credited = [(c["family"], c["gold"], c["attack"]) for c, s in zip(CORPUS, attacks) if s != 0.0]
    assert credited == []


def test_every_control_scores(corpus_scores):
    _, controls = corpus_scores
    missed = [(c["family"], c["gold"], c["control"]) for c, s in zip(CORPUS, controls) if s != 1.0]
    assert missed == []


def test_no_strategy_earns_more_than_committing(corpus_scores):
    """The property in the README: whatever an attack wraps around the gold, it never scores above the control."""
    attacks, controls = corpus_scores
    assert all(a <= c for a, c in zip(attacks, controls))


@pytest.mark.parametrize(
    "completions",
    [
        # listing every candidate, in every place an answer is read
        [r"\boxed{70} \boxed{71} \boxed{72}", r"\boxed{70, 71, 72}", "<answer>70</answer><answer>72</answer>",
         "Answer: 70 or 72", "#### 70 or 72", "Candidates:\n70\n71\n72", "The answer is 70, 71 or 72."],
        # hedging
        ["Maybe 72.", r"\boxed{72}?", r"Perhaps \boxed{72}.", "The answer is probably 72.", "#### 72 (not sure)"],
        # bounding
        [r"\boxed{\geq 70}", "The answer is at least 70.", "The answer is between 70 and 75.", r"\boxed{x > 70}",
         "#### 70 or more"],
    ],
    ids=["listing", "hedging", "bounding"],
)
def test_each_strategy_earns_nothing_for_a_point_gold(reward, completions):
    scores = reward(prompts=["q"] * len(completions), completions=completions, answer=["72"] * len(completions))
    assert scores == [0.0] * len(completions)
    assert reward(prompts=["q"], completions=[r"\boxed{72}"], answer=["72"]) == [1.0]


# -- generated wrappers around correct answers -----------------------------------------------------------------
WRAPPERS = [
    # (attack with {v}, control with {v})
    ("maybe {v}", "{v}"), ("perhaps {v}", "{v}"), ("probably {v}", "{v}"), ("{v}?", "{v}"),
    ("not {v}", "{v}"), ("{v} is wrong", "{v}"), ("anything but {v}", "{v}"), ("{v} is impossible", "{v}"),
    ("at least {v}", "{v}"), ("at most {v}", "{v}"), ("more than {v}", "{v}"), ("less than {v}", "{v}"),
    ("{v} or more", "{v}"), ("{v} or less", "{v}"), ("half of {v}", "{v}"), ("twice {v}", "{v}"),
    ("{v} thousand", "{v}"), ("{v} if n is even", "{v}"), ("{w} or {v}", "{v}"), ("{w}, alternatively {v}", "{v}"),
    ("between {w} and {v}", "{v}"), ("{w} to {v}", "{v}"), ("close to {v}", "{v}"), ("nearly {v}", "{v}"),
]
PLACES = [
    (r"So the total is \boxed{{{x}}}.", True),
    ("<answer>{x}</answer>", True),
    ("#### {x}", True),
    ("The answer is {x}.", False),
    ("Adding up.\nAnswer: {x}", False),
    ("We add 48 and 24. So it is {x}.", False),
]
BOXED_SYMBOLS = {  # inside a box, the LaTeX a model would write for these
    "not {v}": r"\neq {v}", "anything but {v}": r"\neq {v}", "at least {v}": r"\geq {v}", "at most {v}": r"\leq {v}",
    "more than {v}": r"> {v}", "less than {v}": r"< {v}", "half of {v}": r"\frac{1}{2} \cdot {v}",
    "twice {v}": r"2 \times {v}", "close to {v}": r"\approx {v}", "nearly {v}": r"\lesssim {v}",
}


def _in_box(wrapper: str, value: str, wrong: str) -> str:
    """The wrapper as a box's content: symbols for relations, `\\text{...}` around words."""
    if wrapper in BOXED_SYMBOLS:
        return BOXED_SYMBOLS[wrapper].replace("{v}", value).replace("{w}", wrong)
    filled = wrapper.replace("{v}", value).replace("{w}", wrong)
    return re.sub(r"[A-Za-z][A-Za-z ,]*[A-Za-z]", lambda m: r"\text{ " + m.group() + " }", filled)


@settings(
    max_examples=150,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    gold=st.integers(min_value=-999, max_value=99_999),
    wrapper=st.sampled_from(WRAPPERS),
    place=st.sampled_from(PLACES),
    spaces=st.sampled_from(["", " ", "  "]),
)
def test_generated_hedges_negations_and_bounds_score_zero(reward, gold, wrapper, place, spaces):
    attack, control = wrapper
    template, boxed = place
    value, wrong = f"{spaces}{gold}{spaces}", str(gold + 7)
    inner = _in_box(attack, value, wrong) if boxed else attack.replace("{v}", value).replace("{w}", wrong)
    attacked = template.replace("{{{x}}}", "{" + inner + "}").replace("{x}", inner)
    committed_inner = control.replace("{v}", value)
    committed = template.replace("{{{x}}}", "{" + committed_inner + "}").replace("{x}", committed_inner)
    scores = reward(prompts=["q", "q"], completions=[attacked, committed], answer=[str(gold)] * 2)
    assert scores == [0.0, 1.0], (attacked, committed)


# -- the batch budget ------------------------------------------------------------------------------------------
SLOW = [r"\boxed{(2^{99999})^{n}}", r"\boxed{(x+i)^{3000}}", r"\boxed{\sin(10^{99999})}", r"\boxed{(x+1)^{5000}}",
        r"\boxed{(2^{99998})^{m}}", r"\boxed{(y+i)^{3001}}", r"\boxed{\cos(10^{99998})}", r"\boxed{(x+2)^{4000}}"]


def test_slow_answers_share_one_batch_budget():
    """Eight slow answers in 1,024 rows: the batch ends within its budget (their deadlines are shared, not added),
    the slow rows score as timeouts (wrong, counted) and every other row gets its verdict."""
    budget = 1.0
    slow = get_reward("math.answer_correctness", workers=2, deadline_seconds=2.0, batch_deadline_seconds=budget)
    try:
        slow(prompts=["q"], completions=[r"\boxed{\sqrt{8}}"], answer=[r"2\sqrt{2}"])  # start the pool
        golds = [rf"\frac{{{i}}}{{7}}" for i in range(1024)]
        completions = [rf"\boxed{{\frac{{{2 * i}}}{{14}}}}" for i in range(1024)]
        for k, row in enumerate(range(3, 1024, 128)):
            golds[row], completions[row] = r"\sin(1)", SLOW[k]
        metrics = {}
        start = time.perf_counter()
        scores = slow(prompts=["q"] * 1024, completions=completions, answer=golds, log_metric=metrics.__setitem__)
        elapsed = time.perf_counter() - start
        # The fractions are decided in-process; the 8 slow rows go to the workers, are sent last (they look
        # expensive) and share the budget: about `budget`, where a deadline each would take 8 x 2 s / 2 workers.
        # The documented bound is deadline + PER_TASK_SECONDS x tasks / workers + budget; 2 s of slack for load.
        assert elapsed < budget + 2.0 < 2.0 + PER_TASK_SECONDS * 8 / 2 + budget + 2.0 < 8 * 2.0 / 2
        assert [scores[row] for row in range(3, 1024, 128)] == [0.0] * 8
        assert all(s == 1.0 for row, s in enumerate(scores) if row % 128 != 3)
        assert metrics["math.answer_correctness/timeouts"] >= 1
    finally:
        slow.reward.close()


# -- the trainer-side text handling, fuzzed ----------------------------------------------------------------------
UNITS = [
    "\\iffalse", "\\iftrue", "\\else", "\\fi", "\\ifnum", "\\phantom{", "\\hphantom{", "}", "{", "\\tiny", "\\Huge",
    "```", "~~~", "<thinking>", "</Thinking>", "<THOUGHT>", "</thought>", "<answer>", "</answer>", "\\boxed{",
    "\\framebox[2cm]{", "\\neq", "\\not", "\\cancel{", "\\\\", "\\begin{cases}", "\\end{cases}", "\\text{ or }",
    "\\text{", "maybe ", "not ", "at least ", "the answer is ", "Actually, ", "72", "1,000", "_{8}", "?", ". ", "\n",
    "$", "\\lor", "|", "- ", ": ",
]
unit = st.one_of(st.sampled_from(UNITS), st.text(max_size=6))
completion = st.builds(
    lambda prefix, body, times, suffix: prefix + body * times + suffix,
    st.text(max_size=20),
    st.lists(unit, min_size=1, max_size=6).map("".join).filter(bool),
    st.integers(min_value=1, max_value=40_000),
    st.sampled_from(["", "\\boxed{72}", "Answer: 72", "</thinking> 72", "The answer is 72.", "\\fi 72"]),
).filter(lambda text: len(text) <= 300_000)


@settings(
    deadline=timedelta(seconds=2),
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    derandomize=True,
)
@given(text=completion)
def test_commitment_checks_are_bounded_on_degenerate_text(text):
    reading = extract(text)
    assert reading.answer is None or len(reading.answer) <= 2 * 1000 + 64
    render(text)
    strip_code(text)
    answer_refusal(text[:1000])
    middle = len(text) // 2
    context_refusal(text, middle, middle + 1, "72")


@pytest.mark.parametrize("unit", ["\\iffalse", "\\phantom{", "```", "<thinking>", "<answer>", "\\fi", "not ", "? "])
def test_a_megabyte_of_one_construct_is_scored_quickly(reward, unit):
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    start = time.process_time()
    extract(text + "\n\\boxed{72}")
    assert time.process_time() - start < 1.0
    assert reward(prompts=["q"], completions=[text], answer=["72"]) == [0.0]


# -- the rules, one by one ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "latex, rendered",
    [
        (r"70 \iffalse 72 \fi", "70 "),
        (r"\iftrue 70 \else 72 \fi", " 70 "),
        (r"\iffalse 70 \else 72 \fi", " 72 "),
        (r"\iffalse \iftrue 70 \fi \fi 72", " 72"),
        (r"\phantom{70} 72", " 72"),
        (r"\tiny 70", "  70"),
    ],
)
def test_latex_is_read_as_it_renders(latex, rendered):
    assert render(latex) == rendered


@pytest.mark.parametrize(
    "answer",
    [r"72 \text{ cm}", r"18 \text{ dollars}", r"\begin{pmatrix}1\\2\end{pmatrix}", r"x < 1 \text{ or } x > 2",
     r"\text{No}", "1 000", r"x \equiv 3 \pmod 7", r"\log_2 3", r"2 \sqrt 2", r"\frac{1}{2}", "(1011)_2"],
)
def test_committed_answers_pass(answer):
    assert answer_refusal(answer) is None


def test_unknown_reasoning_tags_are_reasoning_in_any_case():
    for tag in ("thinking", "Thinking", "THOUGHT", "thoughts", "scratchpad", "Think"):
        assert extract(f"<{tag}>\\boxed{{5}}</{tag}> I do not know.").answer is None, tag
        assert extract(f"<{tag}>\\boxed{{5}}").answer is None, tag
        assert extract(f"<{tag}>work</{tag}> \\boxed{{5}}").answer == "5", tag
