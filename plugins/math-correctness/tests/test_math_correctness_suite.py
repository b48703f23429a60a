"""math-verify 0.9.0's published (gold, prediction, expected) cases through this reward's equivalence path.

The cases (tests/data/math_verify_cases.json) are re-created as data from math-verify's sdist (Apache-2.0; see
the file's "about"). Every case agrees with math-verify except the deliberate differences listed, with their
reasons, in tests/data/math_verify_differences.json and in the README.
"""

import json
from pathlib import Path

import pytest

from reward_math_correctness.rewards import AnswerCorrectnessConfig, AnswerCorrectnessReward
from reward_math_correctness.text import extract_answer, gold_text

DATA = Path(__file__).parent / "data"
CASES = json.loads((DATA / "math_verify_cases.json").read_text())["cases"]
DIFFERENCES = {(d["gold"], d["pred"]): d for d in json.loads((DATA / "math_verify_differences.json").read_text())["differences"]}


@pytest.fixture(scope="module")
def verdicts():
    reward = AnswerCorrectnessReward(AnswerCorrectnessConfig(workers=2, deadline_seconds=30.0))
    try:
        # The prediction is read as a completion would be; a prediction without any final-answer marker is
        # taken whole, as math-verify takes it.
        answers = [extract_answer(c["pred"]) or c["pred"] for c in CASES]
        yield reward.verdicts([gold_text(c["gold"]) for c in CASES], answers)
    finally:
        reward.close()


def test_the_suite_is_complete():
    assert len(CASES) == 275
    assert all(key in {(c["gold"], c["pred"]) for c in CASES} for key in DIFFERENCES)


def test_math_verify_cases(verdicts):
    disagreements = []
    for case, (verdict, _) in zip(CASES, verdicts):
        ours = int(verdict == "correct")
        documented = DIFFERENCES.get((case["gold"], case["pred"]))
        wanted = documented["ours"] if documented else case["expected"]
        if ours != wanted:
            disagreements.append((case["source"], case["gold"][:60], case["pred"][:60], case["expected"], verdict))
    assert disagreements == []


def test_no_case_times_out(verdicts):
    assert not [v for v in verdicts if v[0] in ("timeout", "crashed", "resource")]
