"""math.answer_correctness through the core (entry point + guard): scores, params, anti-gaming, robustness."""

import asyncio
import json
import os
import pickle
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import reward_core
from reward_core import get_reward
from reward_core.errors import ColumnLengthError, InvalidParamsError, MissingColumnError

from reward_math_correctness.pool import TIMEOUT
from reward_math_correctness.rewards import AnswerCorrectnessReward


@pytest.fixture(scope="module")
def reward():
    guarded = get_reward("math.answer_correctness", workers=2, deadline_seconds=1.0)
    yield guarded
    guarded.reward.close()


def score_one(reward, gold, completion, **kwargs):
    return reward(prompts=["q"], completions=[completion], answer=[gold], **kwargs)[0]


GAMING = json.loads((Path(__file__).parent / "data" / "gaming_cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", GAMING, ids=[f"{c['category']}: {c['completion'][:40]}" for c in GAMING])
def test_gaming_scores_wrong(reward, case):
    """Hedges, several answers, restating the problem, answers only in the reasoning, false chains and
    relations, tiny values: wrong, whether written with an answer marker or without one."""
    scores = reward(prompts=[case["prompt"]], completions=[case["completion"]], answer=[case["gold"]])
    assert scores == [0.0], case["why"]


@pytest.mark.parametrize(
    "gold, completion",
    [
        ("42", "42"),
        ("42", "$42$"),
        ("5", "Answer: 5"),
        ("5", "**Answer:** 5"),
        ("5", "Final: 5"),
        ("5", "x = 5"),
        ("5", "Therefore x=5."),
        ("5", "The result is 5."),
        (r"(1,\infty)", r"The answer: $(1,+\infty)$"),
        (r"\begin{pmatrix} 41 \\ 20 \end{pmatrix}", r"... the final answer is $\boxed{\begin{pmatrix}41\\20\end{pmatrix}}$."),
        ("-5", "-5"),
    ],
)
def test_plainly_correct_answers_score_correct(reward, gold, completion):
    """The answers a new user saw scored 0.0: bare, in `$`, on an answer line, in a last sentence."""
    assert score_one(reward, gold, completion) == 1.0


@pytest.mark.parametrize(
    "gold, completion",
    [
        # matrices and vectors in any environment and spacing
        (r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}", r"\boxed{\left[\begin{array}{cc}1&2\\3&4\end{array}\right]}"),
        (r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}", r"$\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}$"),
        (r"\begin{pmatrix} 41 \\ 20 \end{pmatrix}", r"\boxed{\begin{pmatrix}41\\20\end{pmatrix}}"),
        # thousands separators, trailing zeros, leading dots, decimal commas
        ("7425000", "7,425,000"),
        ("1000", "1 000"),
        ("1000", r"\boxed{1{,}000}"),
        ("1000", "1000.0"),
        ("0.4", ".4"),
        ("2.74", "Answer: 2,74"),
        # intervals and the inequalities meaning the same set, both ways
        (r"(1,\infty)", r"\boxed{x > 1}"),
        (r"-2 \le x \le 7", r"\boxed{[-2, 7]}"),
        (r"x \in [-2,7]", r"\boxed{-2 \le x \le 7}"),
        # x = 5 / f(x) = 5 against 5, and back
        ("5", r"\boxed{f(x) = 5}"),
        ("x = 5", r"\boxed{5}"),
        # sets, percent
        (r"\{1, 2, 3\}", "$\\{3, 1, 2\\}$"),
        ("28\\%", "28 percent"),
        ("0.28", r"\boxed{28\%}"),
        # equations swapped or negated, identities sympy proves
        ("34x+45y-20z+100=0", "$-34x-45y+20z-100=0$"),
        ("y = 2x + 1", r"\boxed{2x + 1 = y}"),
        (r"\tan^2 y + 1", r"\boxed{\sec^2 y}"),
        # numeric precision: a float written out is the number; a decimal gold is compared to 6 places
        (r"\frac{1}{12}", "0.0833333333333333"),
        ("4.123105625617661", r"\boxed{\sqrt{17}}"),
        # a true approximation after the exact value
        (r"\frac{1}{3}", r"\boxed{\frac{1}{3} \approx 0.33}"),
        # a text gold
        (r"\text{Monday}", r"\boxed{\text{Monday}}"),
        # "or" in an earlier clause is not a hedge of the answer the last clause gives
        ("2", "x = 2 or x = -2, so the positive solution is 2."),
    ],
)
def test_equivalence_holes_are_closed(reward, gold, completion):
    assert score_one(reward, gold, completion) == 1.0


@pytest.mark.parametrize(
    "gold, completion",
    [
        ("5", r"\boxed{1 = 5}"),  # a false relation, whatever its right-hand side
        ("11", r"\boxed{x \approx 12}"),
        ("7", r"\boxed{7 \approx 8}"),  # a false approximation
        ("1000", r"\boxed{1000, 99}"),
        ("0.28", r"\boxed{29\%}"),
        (r"(1,\infty)", r"\boxed{x \ge 1}"),
        (r"\text{Monday}", r"\boxed{\text{Tuesday}}"),
        ("2", "The positive solution is 2, or maybe -2."),
    ],
)
def test_near_misses_stay_wrong(reward, gold, completion):
    assert score_one(reward, gold, completion) == 0.0


def test_a_gold_that_does_not_parse_scores_none(reward):
    assert reward(prompts=["q"] * 2, completions=["\\boxed{1}", "1"], answer=["\\frac{", "\\frac{"]) == [None, None]


def test_extraction_policy_is_a_param():
    anchored = get_reward("math.answer_correctness", workers=1, extraction="anchored")
    try:
        assert anchored(prompts=["q"] * 2, completions=["Answer: 5", "\\boxed{5}"], answer=["5", "5"]) == [0.0, 1.0]
    finally:
        anchored.reward.close()
    with pytest.raises(InvalidParamsError, match="extraction"):
        get_reward("math.answer_correctness", extraction="loose")


def test_unanchored_answers_are_counted(reward):
    metrics = {}
    reward(
        prompts=["q"] * 3,
        completions=["Answer: 5", "\\boxed{5}", "The result is 5."],
        answer=["5"] * 3,
        log_metric=metrics.__setitem__,
    )
    assert metrics["math.answer_correctness/unanchored"] == 2.0


def test_restated_problem_in_a_conversational_prompt(reward):
    prompt = [{"role": "system", "content": "Think step by step."}, {"role": "user", "content": "What is $17 + 25$?"}]
    scores = reward(prompts=[prompt] * 2, completions=[r"\boxed{17 + 25}", r"\boxed{42}"], answer=["42", "42"])
    assert scores == [0.0, 1.0]


@pytest.mark.parametrize(
    "gold, completion",
    [
        ("0.5", r"\boxed{\frac{1}{2}}"),
        (r"\frac{1}{2}", r"\boxed{0.5}"),
        (r"2\sqrt{2}", r"\boxed{\sqrt{8}}"),
        ("1000", r"\boxed{1,000}"),
        ("7", r"\boxed{x = 7}"),
        (r"\{1, 2, 3\}", r"\boxed{\{3, 1, 2\}}"),
        ("11", r"\boxed{x = 5+5+1 = 11}"),
        ("25", r"The answer is 25\%."),
        ("Natalia sold 48/2 = 24 clips in May.\n#### 72", "48 + 24 = 72\n#### 72"),
        (r"(1, 2]", r"\boxed{(1,2]}"),
        (r"x^2 + 2x + 1", r"\boxed{(x+1)^2}"),
        (r"\frac{1}{2004!}", r"\boxed{\frac{1}{2004!}}"),
        ("5", r"<think>maybe \boxed{4}</think> so \boxed{5}"),
        (r"\log_2 3", r"\boxed{\log_2 3}"),
    ],
)
def test_equivalent_forms_score_correct(reward, gold, completion):
    assert score_one(reward, gold, completion) == 1.0


def test_batch_scores_metrics_and_both_formats(reward):
    metrics = {}
    completions = [
        "#### 72",
        [{"role": "assistant", "content": r"\boxed{72}"}],
        "I have no idea",
        r"\boxed{9^{9^{9^{9}}}}",
        r"\boxed{5}",
    ]
    golds = ["72", "72", "72", "72", "see the figure"]
    scores = reward(
        prompts=["q"] * 5, completions=completions, answer=golds, log_metric=lambda k, v: metrics.__setitem__(k, v)
    )
    assert scores == [1.0, 1.0, 0.0, 0.0, None]
    shares = {k.rpartition("/")[2]: v for k, v in metrics.items() if "/reason/" in k}
    assert shares == {"correct": 0.4, "wrong": 0.0, "no_answer": 0.2, "refused": 0.0, "rejected": 0.2,
                      "restated": 0.0, "partial": 0.0, "timeout": 0.0, "gold_unparsable": 0.2}
    assert scores.reasons == ["correct: 72", "correct: 72", "no_answer", "rejected: 9^{9^{9^{9}}}",
                              "gold_unparsable: see the figure"]
    metrics = {k: v for k, v in metrics.items() if "/reason/" not in k}
    assert metrics == {
        "math.answer_correctness/gold_unparsable": 1.0,
        "math.answer_correctness/timeouts": 0.0,
        "math.answer_correctness/rejected": 1.0,
        "math.answer_correctness/no_answer": 1.0,
        "math.answer_correctness/unanchored": 0.0,
    }


def test_missing_gold_cell_is_skipped(reward):
    assert reward(prompts=["q", "q"], completions=["#### 1", "#### 1"], answer=[None, "1"]) == [None, 1.0]


def test_scores_gold_column_and_partial_credit_are_params():
    custom = get_reward(
        "math.answer_correctness",
        workers=1,
        gold_column="solution",
        correct_score=2.0,
        wrong_score=-1.0,
        no_answer_score=-2.0,
        partial_credit=[[0.1, 0.5], [0.2, 0.25]],
    )
    try:
        scores = custom(
            prompts=["q"] * 5,
            completions=["#### 100", "#### 109", "#### 118", "#### 150", "nothing"],
            solution=["100"] * 5,
        )
        assert scores == [2.0, 0.5, 0.25, -1.0, -2.0]
        assert custom.reward.score_range == (-2.0, 2.0)  # the instance's bounds, kept through pickling
        assert pickle.loads(pickle.dumps(custom.reward)).score_range == (-2.0, 2.0)
        latex = custom(prompts=["q"], completions=[r"\boxed{\frac{21}{2}}"], solution=[r"\frac{20}{2}"])
        assert latex == [0.5]
    finally:
        custom.reward.close()


def test_decimal_approximations_are_opt_in():
    lenient = get_reward("math.answer_correctness", workers=1, accept_decimal_approximations=True)
    try:
        assert lenient(prompts=["q"], completions=[r"\boxed{1.414214}"], answer=[r"\sqrt{2}"]) == [1.0]
        # still no tiny-value confusion: the decimal rule is about decimals only
        assert lenient(prompts=["q"], completions=[r"\boxed{\frac{1}{2006!}}"], answer=[r"\frac{1}{2004!}"]) == [0.0]
    finally:
        lenient.reward.close()


def test_missing_or_short_gold_column_is_a_typed_error(reward):
    with pytest.raises(MissingColumnError) as info:
        reward(prompts=["q"], completions=["#### 1"], solution=["1"])
    message = str(info.value)
    assert info.value.reward == "math.answer_correctness"
    assert "'answer'" in message and "['solution']" in message and "set the param gold_column" in message
    with pytest.raises(ColumnLengthError, match="column 'answer'") as info:
        reward.reward(prompts=["q", "q"], completions=["#### 1", "#### 2"], answer=["1"])
    assert info.value.reward == "math.answer_correctness"


def test_bad_params_are_typed_errors():
    with pytest.raises(InvalidParamsError):
        get_reward("math.answer_correctness", timeout_score="zero")
    with pytest.raises(InvalidParamsError):
        get_reward("math.answer_correctness", deadline_seconds=0)


def test_pickles_without_pool_or_caches(reward):
    reward(prompts=["q"], completions=[r"\boxed{\sqrt{8}}"], answer=[r"2\sqrt{2}"])
    inner = reward.reward
    assert inner.verifier._pool is not None and inner.verifier.cache
    clone = pickle.loads(pickle.dumps(inner))
    assert clone.verifier._pool is None and not clone.verifier.cache and clone.config == inner.config
    fn = pickle.loads(pickle.dumps(reward_core.get_reward("math.answer_correctness", workers=1).reward.as_fn()))
    assert fn.__name__ == "math.answer_correctness"


def test_pathological_inputs_finish_off_the_main_thread(reward):
    """Rejected by the pre-check, and, bypassing it, killed at the deadline, from a worker thread and from
    inside a running event loop (where TRL runs async rewards)."""
    outcome = {}

    def in_thread():
        outcome["scores"] = reward(
            prompts=["q"] * 2, completions=[r"\boxed{9^{9^{9^{9}}}}", r"\boxed{(10^{10})!}"], answer=["9", "9"]
        )
        pool = reward.reward.verifier.pool
        outcome["raw"] = pool.run(
            [("9", "9^{9^{9^{9}}}", "answer", {}), ("9", "(10^{10})!", "answer", {})], deadline=0.5
        )

    async def in_loop():
        return reward.reward.verifier.pool.run([("3", "9^{9^{9^{9}}}", "answer", {})], deadline=0.5)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert outcome["scores"] == [0.0, 0.0]
    # finished within the deadline (killed, or answered quickly when sympy leaves it unevaluated), never correct
    assert all(r == TIMEOUT or r[0] == "wrong" for r in outcome["raw"])
    assert outcome["raw"][0] == TIMEOUT

    loop_result = {}
    loop_thread = threading.Thread(target=lambda: loop_result.setdefault("r", asyncio.run(in_loop())))
    loop_thread.start()
    loop_thread.join(timeout=60)
    assert loop_result["r"] == [TIMEOUT]
    # the killed workers were replaced: the pool still answers
    assert score_one(reward, r"\frac{1}{2}", r"\boxed{0.5}") == 1.0


def test_timed_out_sample_is_wrong_or_none_and_counted():
    slow = get_reward("math.answer_correctness", workers=1, deadline_seconds=0.3, timeout_score="none")
    try:
        metrics = {}
        # passes the pre-check (a 5-digit exponent, no tower) but evaluating it needs 100,000-digit precision
        gold = r"\sin(1)"
        answer = r"\boxed{\sin(10^{99999})}"
        scores = slow(prompts=["q"], completions=[answer], answer=[gold], log_metric=metrics.__setitem__)
        assert scores == [None]
        assert metrics["math.answer_correctness/timeouts"] == 1.0
    finally:
        slow.reward.close()


def test_workers_run_under_the_memory_cap():
    capped = AnswerCorrectnessReward(AnswerCorrectnessReward.config_class(workers=1, memory_mb=1500))
    try:
        assert capped(prompts=["q"], completions=[r"\boxed{\sqrt{8}}"], answer=[r"2\sqrt{2}"]) == [1.0]
        (pid,) = capped.verifier.pool.pids()
        with open(f"/proc/{pid}/limits") as f:
            line = next(l for l in f if l.startswith("Max address space"))
        assert line.split()[3] == str(1500 * 1024 * 1024)  # the soft limit; the hard one stays as it was
    finally:
        capped.close()


def test_no_worker_process_outlives_the_interpreter():
    script = textwrap.dedent(
        r"""
        import os, reward_core
        r = reward_core.get_reward("math.answer_correctness", workers=2)
        print(r(prompts=["q"], completions=[r"\boxed{\sqrt{8}}"], answer=[r"2\sqrt{2}"]))
        print(" ".join(map(str, r.reward.verifier.pool.pids())))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "[1.0]"
    pids = [int(p) for p in lines[1].split()]
    assert len(pids) == 2
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or _is_zombie_or_gone(pid)


def _is_zombie_or_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_close_stops_every_worker():
    r = get_reward("math.answer_correctness", workers=2)
    r(prompts=["q"], completions=[r"\boxed{\sqrt{8}}"], answer=[r"2\sqrt{2}"])
    pids = r.reward.verifier.pool.pids()
    assert len(pids) == 2
    r.reward.close()
    assert r.reward.verifier.pool.pids() == []
    assert all(_is_zombie_or_gone(pid) for pid in pids)
