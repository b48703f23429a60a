"""Every first-party reward (the three packs and trl.*) keeps the contract, and its docstring example runs."""

from __future__ import annotations

import dataclasses
import doctest
import importlib

import pytest

import reward_core
from reward_core.testing import CHECKS, ContractViolation, assert_reward_contract, check_reward_contract, sample_batch

FIRST_PARTY = {"reward-core", "reward-core-math-format", "reward-core-math-correctness", "reward-core-deepeval-judge",
               "reward-core-tool-use"}
# Params a reward needs before it can be built (required params, or a judge endpoint filled in below).
REQUIRED = {
    "math.soft_overlong": {"max_completion_len": 24, "soft_punish_cache": 8},
    "trl.soft_overlong_punishment": {"max_completion_len": 24, "soft_punish_cache": 8},
    "trl.cosine_scaled": {"max_len": 100, "solution_column": "answer"},
    "trl.accuracy_reward": {"solution_column": "answer"},
    "trl.reasoning_accuracy_reward": {"solution_column": "answer"},
    "judge.geval": {"criteria": "Is the answer correct and complete?"},
    "tools.valid_calls": {"tools": ["json:dumps"]},
    "tools.environment_state": {"attribute": "steps", "low": 0.0},
}


@dataclasses.dataclass
class Counter:
    """An environment whose state a reward reads: how many steps it took (here, the row's number)."""

    steps: int

    def reset(self) -> None:
        self.steps = 0

    def step(self) -> int:
        """Take one step."""
        self.steps += 1
        return self.steps


def first_party_names() -> list[str]:
    reward_core.reset_plugins()
    names = [e.name for e in reward_core.list_rewards() if e.distribution in FIRST_PARTY]
    reward_core.reset_plugins()
    return names


@pytest.fixture(scope="module")
def judge_server():
    testing = pytest.importorskip("reward_deepeval_judge_testing")
    with testing.JudgeServer(score=7) as server:
        yield server


def test_every_first_party_pack_is_installed():
    distributions = {e.distribution for e in reward_core.list_rewards()}
    assert FIRST_PARTY <= distributions


@pytest.mark.parametrize("name", first_party_names())
def test_first_party_reward_keeps_the_contract(name, judge_server):
    params = dict(REQUIRED.get(name, {}))
    if name.startswith("judge."):
        params.update(base_url=judge_server.base_url, model="test-judge")
    reward = reward_core.get_reward(name, **params)
    batch = sample_batch()
    batch["environments"] = [Counter(i) for i in range(len(batch["completions"]))]
    results = check_reward_contract(reward, batch)
    assert [check for check, _ in results] == [check.name for check in CHECKS]  # every check ran
    assert [(check, problem) for check, problem in results if problem] == []


@pytest.mark.parametrize("name", first_party_names())
def test_first_party_docstring_examples_run(name):
    target = {e.name: e for e in reward_core.list_rewards()}[name].load()
    module = importlib.import_module(target.__module__)
    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(target, module=module) if t.examples]
    assert tests, f"{name}: its docstring has no runnable example"
    runner = doctest.DocTestRunner()
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


def test_the_kit_reports_every_broken_rule():
    calls = []

    def order_dependent(completions, **kwargs):
        calls.append(1)
        kwargs["answer"].append("x") if kwargs.get("answer") else None
        return [float(i) + len(calls) for i in range(len(completions))]

    reward_core.register_reward("test.bad_citizen", order_dependent)
    with pytest.raises(ContractViolation) as info:
        assert_reward_contract("test.bad_citizen")
    message = str(info.value)
    for broken in ["scores each completion independently", "deterministic", "never mutates its inputs",
                   "scores both completion formats alike"]:
        assert broken in message
    assert "returns one float" not in message and "non-generic log name" not in message


def test_the_kit_checks_scores_against_the_instances_score_range():
    class Overshoots(reward_core.BaseReward):
        """Declares [0, 1] but gives 2.0 to empty completions."""

        score_range = (0.0, 1.0)

        def __call__(self, prompts, completions, **kwargs):
            return [1.0 if reward_core.completion_text(c) else 2.0 for c in completions]

    results = dict(check_reward_contract(Overshoots(reward_core.RewardConfig(name="test.overshoots"))))
    assert "(5, 2.0)" in results["stays within its declared score_range"]
    wider = Overshoots(reward_core.RewardConfig(name="test.overshoots"))
    wider.score_range = (0.0, 2.0)  # an instance whose params widen the bounds
    assert dict(check_reward_contract(wider))["stays within its declared score_range"] is None
