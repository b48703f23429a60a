"""Reasons beside scores: the contract a third-party reward opts into, the guard that forwards them to TRL, and
every place people look (`reward-core show`, `reward-core score`, `/v1/score`, `remote_rewards`)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import warnings

import pytest

import reward_core
from reward_core import BaseReward, completion_text, with_reasons
from reward_core.testing import check_reward_contract


class Polite(BaseReward):
    """1.0 when the completion says please."""

    score_range = (0.0, 1.0)
    reason_codes = {"polite": "says please", "rude": "does not"}  # the two lines a pack adds

    def __call__(self, prompts, completions, **kwargs):
        found = ["please" in completion_text(c) for c in completions]
        return with_reasons([float(f) for f in found], ["polite" if f else ("rude", "no please") for f in found])


class Undeclared(Polite):
    """Gives a code it never declared."""

    def __call__(self, prompts, completions, **kwargs):
        return with_reasons([0.0] * len(completions), ["surprise"] * len(completions))


def sink():
    logged, columns = {}, {}
    return logged, columns, {"log_metric": logged.__setitem__, "log_extra": columns.__setitem__}


def test_reasons_reach_trls_completions_table_and_logs_and_trl_still_gets_a_list_of_floats():
    reward_core.register_reward("test.polite", Polite)
    reward = reward_core.get_reward("test.polite")
    logged, columns, kwargs = sink()
    scores = reward(prompts=["q"] * 4, completions=["please", "no", "please!", "x"], **kwargs)
    assert scores == [1.0, 0.0, 1.0, 0.0] and isinstance(scores, list) and all(type(s) is float for s in scores)
    assert scores.reasons == ["polite", "rude: no please", "polite", "rude: no please"]
    assert columns == {"test.polite/reason": scores.reasons}
    assert logged == {"test.polite/reason/polite": 0.5, "test.polite/reason/rude": 0.5}
    assert dict(check_reward_contract(reward))["gives reasons from its declared codes, one per row"] is None


def test_a_reward_without_reasons_costs_nothing_and_logs_nothing():
    reward_core.register_reward("test.length", lambda completions, **kw: [float(len(c)) for c in completions])
    logged, columns, kwargs = sink()
    scores = reward_core.get_reward("test.length")(prompts=["q"], completions=["abc"], **kwargs)
    assert scores == [3.0] and type(scores) is list and not logged and not columns


def test_undeclared_codes_are_dropped_with_a_warning_and_never_cost_a_score():
    reward_core.register_reward("test.undeclared", Undeclared)
    reward = reward_core.get_reward("test.undeclared")
    logged, columns, kwargs = sink()
    with pytest.warns(reward_core.RewardRowWarning, match="reasons were dropped.*surprise"):
        scores = reward(prompts=["q"], completions=["a"], **kwargs)
    assert scores == [0.0] and not columns and not logged
    problem = dict(check_reward_contract(reward))["gives reasons from its declared codes, one per row"]
    assert "surprise" in problem and "polite" in problem


def test_rows_that_fail_under_skip_say_failed():
    def fragile(completions, **kwargs):
        if any("boom" in c for c in completions):
            raise RuntimeError("boom")
        return [1.0] * len(completions)

    reward_core.register_reward("test.fragile", fragile)
    rewards = reward_core.load_rewards([{"name": "test.fragile", "on_error": "skip"}])
    logged, columns, kwargs = sink()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reward_core.RewardRowWarning)
        scores = rewards.reward_funcs[0](prompts=["q"] * 3, completions=["a", "boom", "b"], **kwargs)
    assert scores == [1.0, None, 1.0]
    assert scores.reasons == [None, "failed: RuntimeError", None]
    assert logged["test.fragile/reason/failed"] == pytest.approx(1 / 3)


def run_cli(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
    return subprocess.run([sys.executable, "-m", "reward_core.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env)


def test_show_lists_the_codes():
    shown = run_cli("show", "math.answer_correctness")
    assert shown.returncode == 0, shown.stderr
    block = shown.stdout[shown.stdout.index("reasons"):]
    for code in ("correct", "wrong", "no_answer", "refused", "restated", "timeout", "gold_unparsable", "failed"):
        assert f"\n  {code} " in block
    data = json.loads(run_cli("show", "math.strict_format", "--json").stdout)
    assert set(data["reason_codes"]) >= {"well_formed", "deducted", "missing_tag", "bad_structure", "failed"}


def test_score_writes_reasons_and_counts_each_code_with_an_example(tmp_path):
    (tmp_path / "spec.yaml").write_text(
        "rewards:\n  - {name: math.answer_correctness, params: {workers: 1}}\n"
        "  - {name: math.think_format}\n")
    rows = [("<think>2+2</think>\\boxed{4}", "4"), ("It is 4 or 5.", "4"), ("I do not know", "4"),
            ("\\boxed{5}", "4"), ("\\boxed{4}", "4")]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"prompt": "2+2?", "completion": c, "answer": a}) + "\n"
                                               for c, a in rows))
    done = run_cli("score", str(tmp_path / "in.jsonl"), "--config", str(tmp_path / "spec.yaml"),
                   "--output", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [line["reasons"]["math.answer_correctness"].partition(":")[0] for line in lines] == [
        "correct", "refused", "no_answer", "wrong", "correct"]
    assert lines[3]["reasons"]["math.answer_correctness"] == "wrong: 5"
    assert [line["reasons"]["math.think_format"] for line in lines] == ["thought"] + ["no_opening"] * 4
    why = done.stdout[done.stdout.index("why"):]
    assert "correct                 2  40.0%   line 1: correct: 4 <- <think>2+2</think>\\boxed{4}" in why
    assert "no_opening              4  80.0%   line 2" in why


@pytest.fixture(scope="module")
def served(tmp_path_factory, serve_spec):
    spec = [{"name": "math.answer_correctness", "params": {"workers": 1}}, "math.think_format"]
    with serve_spec(tmp_path_factory.mktemp("reasons-serve"), spec) as url:
        yield url


def test_the_server_returns_reasons_and_remote_rewards_forwards_them_to_trl(served, call):
    batch = {"prompts": ["2+2?"] * 2, "completions": ["<think>hm</think>\\boxed{4}", "5"],
             "columns": {"answer": ["4", "4"]}}
    status, result = call(served, "/v1/score", batch)
    assert status == 200, result
    assert result["reasons"] == {"math.answer_correctness": ["correct: 4", "wrong: 5"],
                                 "math.think_format": ["thought", "no_opening"]}
    assert result["metrics"]["math.think_format/reason/thought"] == 0.5

    remote = reward_core.remote_rewards(served)
    logged, columns, kwargs = sink()

    async def score_all():
        return [await f(prompts=batch["prompts"], completions=batch["completions"], answer=["4", "4"], **kwargs)
                for f in remote.reward_funcs]

    correctness, think = asyncio.run(score_all())
    assert correctness == [1.0, 0.0] and correctness.reasons == ["correct: 4", "wrong: 5"]
    assert columns == {"math.answer_correctness/reason": ["correct: 4", "wrong: 5"],
                       "math.think_format/reason": ["thought", "no_opening"]}
    assert logged["math.answer_correctness/reason/correct"] == 0.5 and logged["math.think_format/reason/no_opening"] == 0.5


def test_openrlhf_and_verl_logs_carry_each_codes_share(served, call):
    status, answer = call(served, "/get_reward", {"query": ["2+2? \\boxed{4}", "2+2? \\boxed{5}"],
                                                   "prompts": ["2+2? ", "2+2? "], "labels": ["4", "4"]})
    assert status == 200, answer
    logs = answer["extra_logs"]
    assert logs["math.answer_correctness/reason/correct"] == [1.0, 0.0]
    assert logs["math.answer_correctness/reason/wrong"] == [0.0, 1.0]
    assert logs["math.think_format/reason/no_opening"] == [1.0, 1.0]
    # every declared code is a column, so every batch has the same keys (veRL gathers them key by key)
    assert {k for k in logs if k.startswith("math.think_format/reason/")} == {
        f"math.think_format/reason/{code}" for code in reward_core.get_reward("math.think_format").reason_codes}

    from reward_core.serving import verl

    rows = verl.compute_score_batch(["d"] * 2, ["\\boxed{4}", "\\boxed{5}"], ["4", "4"], url=served)
    assert [row["math.answer_correctness/reason/correct"] for row in rows] == [1.0, 0.0]
    assert set(rows[0]) == set(rows[1])
