"""Real GRPOTrainer runs with tools: tool trajectories and environments reach rewards resolved by name (no Hub)."""

from __future__ import annotations

import copy
import json

import pytest

import reward_core
from reward_core.apps import report

pytest.importorskip("reward_math_correctness")
pytest.importorskip("reward_tool_use")

MULTIPLY = "reward_core.apps.tiny_tools:multiply"
SPEC = [
    {"name": "math.answer_correctness", "weight": 1.0},
    {"name": "tools.valid_calls", "weight": 0.25, "params": {"tools": [MULTIPLY]}},
    {"name": "tools.call_success", "weight": 0.25},
    {"name": "tools.call_budget", "weight": 0.25, "params": {"min_calls": 1, "max_calls": 1}},
]


@pytest.fixture(scope="module")
def caller():
    """A tokenizer with TRL's Qwen3 template and a small model warm-started to call `multiply` (a few seconds)."""
    import torch

    from reward_core.apps import tiny, tiny_tools

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        tokenizer = tiny_tools.tool_tokenizer()
        model = tiny.tiny_model(tokenizer, seed=0, hidden_size=64, intermediate_size=128)
        tiny_tools.warm_start(model, tokenizer, tiny_tools.product_problems(64, seed=1), steps=100, batch_size=16,
                              learning_rate=1e-2, mix=[("tool", 1.0)], seed=0)
    finally:
        torch.set_num_threads(threads)
    return tokenizer, model


def _train(tmp_path, caller, reward_funcs, weights, **trainer_kwargs):
    """Two GRPO steps of 8 completions with the warm-started caller (a copy), on one torch thread."""
    import torch
    from trl import GRPOConfig, GRPOTrainer

    from reward_core.apps import tiny_tools

    tokenizer, model = caller
    args = GRPOConfig(
        output_dir=str(tmp_path), use_cpu=True, bf16=False, per_device_train_batch_size=8, num_generations=4,
        max_completion_length=64, max_tool_calling_iterations=2, temperature=0.5, beta=0.0, max_steps=2,
        logging_steps=1, report_to="none", save_strategy="no", seed=0, reward_weights=weights,
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        trainer = GRPOTrainer(
            model=copy.deepcopy(model), processing_class=copy.deepcopy(tokenizer), reward_funcs=reward_funcs,
            args=args, train_dataset=tiny_tools.product_dataset(32, seed=2), **trainer_kwargs,
        )
        trainer.train()
    finally:
        torch.set_num_threads(threads)
    return trainer


def _calls(completion) -> tuple[int, int]:
    """The tool calls a completion made, and how many of them the tool answered without an error."""
    calls = sum(len(m.get("tool_calls") or []) for m in completion if m["role"] == "assistant")
    answered = sum(m["role"] == "tool" and "error" not in m["content"] for m in completion)
    return calls, answered


def _trajectory(completion) -> bool:
    roles = [message["role"] for message in completion]
    return len(completion) >= 3 and roles[:2] == ["assistant", "tool"] and roles[-1] == "assistant"


def test_tool_trajectories_reach_the_rewards_by_name_and_are_scored(tmp_path, caller):
    from reward_core.apps.tiny_tools import multiply

    rewards = reward_core.load_rewards(SPEC)
    log = report.CompletionLog()
    trainer = _train(tmp_path, caller, log.wrap(rewards.reward_funcs), rewards.reward_weights, tools=[multiply])

    records = log.records
    assert len(records) == 2 * 8 and {r["step"] for r in records} == {1, 2}
    trajectories = [r for r in records if _trajectory(r["completion"])]
    assert trajectories, [r["completion"] for r in records]
    for record in records:
        scores = record["rewards"]
        assert list(scores) == rewards.log_names and all(isinstance(v, float) for v in scores.values()), record
    for record in trajectories:
        call, tool = record["completion"][:2]
        assert call["tool_calls"][0]["function"]["name"] == "multiply" and tool["name"] == "multiply"
        # the tool ran: its result is the product of the call's arguments, or TRL's {'error': ...}
        arguments = call["tool_calls"][0]["function"]["arguments"]
        if set(arguments) == {"a", "b"}:
            assert tool["content"] == str(arguments["a"] * arguments["b"])
        calls, answered = _calls(record["completion"])
        scores = record["rewards"]
        assert scores["tools.call_success"] == pytest.approx(answered / calls)
        assert scores["tools.call_budget"] == max(0.0, 1.0 - 0.25 * (calls - 1))
        # only the model's final message counts as its answer, never the tool's result
        final, answer = record["completion"][-1]["content"].strip(), record["columns"]["answer"]
        if final == answer:
            assert scores["math.answer_correctness"] == 1.0
        elif answer not in final:
            assert scores["math.answer_correctness"] == 0.0
    logged = [row for row in trainer.state.log_history if "reward" in row]
    assert len(logged) == 2 and all(row["tools/call_frequency"] > 0 for row in logged)


class Calculator:
    """An environment whose `multiply` tool counts the calls it answers and remembers the last product."""

    def __init__(self) -> None:
        self.reset()

    def reset(self, **kwargs) -> None:
        self.answered = 0
        self.last_product = None

    def multiply(self, a: int, b: int) -> int:
        """Multiply two whole numbers exactly.

        Args:
            a: The first factor.
            b: The second factor.
        """
        self.answered += 1
        self.last_product = a * b
        return a * b


def test_environment_state_is_read_from_each_completions_environment(tmp_path, caller, monkeypatch):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    rewards = reward_core.load_rewards([
        {"name": "tools.environment_state", "params": {"attribute": "answered"}},
        {"name": "tools.valid_calls", "weight": 0.25},  # no tools param: the environment's methods
    ])
    seen = []

    def products(completions, environments, **kwargs):
        # what each environment recorded, read beside the rewards (one environment per completion)
        seen.extend((env.answered, env.last_product) for env in environments)
        return [0.0 for _ in completions]

    log = report.CompletionLog()
    _train(tmp_path, caller, log.wrap([*rewards.reward_funcs, products]), [*rewards.reward_weights, 0.0],
           environment_factory=Calculator)

    records = log.records
    assert len(records) == len(seen) == 16
    assert any(_trajectory(r["completion"]) for r in records)
    assert any(answered for answered, _ in seen) and any(r["rewards"]["tools.environment_state"] for r in records)
    for record, (answered, last_product) in zip(records, seen):
        calls, answered_calls = _calls(record["completion"])
        # the score is the environment's count of the calls it answered: the trajectory's successful calls
        assert record["rewards"]["tools.environment_state"] == float(answered) == answered_calls
        if answered:
            results = [m["content"] for m in record["completion"] if m["role"] == "tool"]
            assert results[-1] == str(last_product)
        # the environment's methods are the known tools; a call of multiply validates exactly when it succeeds
        assert record["rewards"]["tools.valid_calls"] == (pytest.approx(answered_calls / calls) if calls else 0.0)


def test_the_tools_config_trains_end_to_end(tmp_path, capsys):
    from reward_core.train import main

    assert main(["--config", "tools", "--output-dir", str(tmp_path), "--max-steps", "2", "--warm-start-steps", "5",
                 "--cpu"]) == 0
    out = capsys.readouterr().out
    manifest = json.loads((tmp_path / "reward_manifest.json").read_text())
    names = [r["log_name"] for r in manifest["rewards"]]
    assert names == ["math.answer_correctness", "tools.valid_calls", "tools.call_success", "tools.call_budget"]
    assert manifest["rewards"][1]["params"]["tools"] == [MULTIPLY]
    history = json.loads((tmp_path / "log_history.json").read_text())
    steps = [row for row in history if "reward" in row]
    assert [row["step"] for row in steps] == [1, 2]
    assert all(f"rewards/{name}/mean" in row and "tools/call_frequency" in row for row in steps for name in names)
    assert (tmp_path / "rewards.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    records = [json.loads(line) for line in (tmp_path / "completions.jsonl").read_text().splitlines()]
    assert records and all(set(r["rewards"]) == set(names) for r in records)
    assert all(r["prompt"][-1]["content"].startswith("What is ") for r in records)
    assert "rewards over 2 logged step(s)" in out and "reward (weighted total)" in out
    assert "rank 0/1 finished 2 step(s)" in out
