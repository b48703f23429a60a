"""math-verify 0.9.0's published (gold, prediction, expected) cases, each prediction passed to the public reward
as the whole completion, the way a trainer passes it.

The cases (tests/data/math_verify_cases.json) are re-created as data from math-verify's sdist (Apache-2.0; see
the file's "about"). Every case agrees with math-verify except the deliberate differences listed, with their
reasons, in tests/data/math_verify_differences.json and in the README; the agreement must stay at least 95 %.
"""

import json
from pathlib import Path

import pytest

from reward_core import get_reward

DATA = Path(__file__).parent / "data"
CASES = json.loads((DATA / "math_verify_cases.json").read_text())["cases"]
DIFFERENCES = json.loads((DATA / "math_verify_differences.json").read_text())["differences"]
DIFFERENT = {(d["gold"], d["pred"]): d for d in DIFFERENCES}


@pytest.fixture(scope="module")
def scores():
    reward = get_reward("math.answer_correctness", workers=2, deadline_seconds=30.0)
    metrics = {}
    try:
        yield reward(
            prompts=["q"] * len(CASES),
            completions=[case["pred"] for case in CASES],
            answer=[case["gold"] for case in CASES],
            log_metric=metrics.__setitem__,
        ), metrics
    finally:
        reward.reward.close()


def test_the_suite_is_complete_and_every_difference_is_a_case():
    assert len(CASES) == 275
    pairs = {(c["gold"], c["pred"]) for c in CASES}
    assert all(key in pairs for key in DIFFERENT)
    assert all(d["reason"] and d["ours"] != d["expected_by_math_verify"] for d in DIFFERENCES)


def test_math_verify_cases_as_whole_completions(scores):
    values, _ = scores
    disagreements = []
    for case, score in zip(CASES, values):
        ours = int(score == 1.0)
        documented = DIFFERENT.get((case["gold"], case["pred"]))
        wanted = documented["ours"] if documented else case["expected"]
        if ours != wanted:
            disagreements.append((case["source"], case["gold"][:60], case["pred"][-60:], case["expected"], score))
    assert disagreements == []


def test_agreement_is_at_least_95_percent(scores):
    values, _ = scores
    agree = sum(int(score == 1.0) == case["expected"] for case, score in zip(CASES, values))
    assert agree / len(CASES) >= 0.95, f"{agree}/{len(CASES)}"


def test_no_case_times_out(scores):
    _, metrics = scores
    assert metrics["math.answer_correctness/timeouts"] == 0.0
