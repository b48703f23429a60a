"""Real GRPOTrainer runs with rewards resolved by name from the installed packs (tiny local model, no Hub)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

import reward_core
from reward_core.apps import report
from reward_core.train import DEFAULT_CONFIG as DEMO_CONFIG

pytest.importorskip("reward_math_format")
pytest.importorskip("reward_math_correctness")
pytest.importorskip("reward_deepeval_judge")


def test_grpo_trains_with_format_correctness_and_judge_rewards_by_name(tmp_path):
    from trl import GRPOConfig, GRPOTrainer
    from trl.trainer.utils import is_async_callable

    from reward_core.apps import tiny
    from reward_deepeval_judge_testing import JudgeServer

    threads: list[str] = []

    async def async_probe(completions, **kwargs):
        # Runs beside the judge: TRL gathers every async reward on its own event-loop thread.
        threads.append(threading.current_thread().name)
        return [0.0 for _ in completions]

    reward_core.register_reward("test.async_probe", async_probe)
    with JudgeServer(score=6) as server:
        rewards = reward_core.load_rewards([
            {"name": "math.reasoning_tags", "weight": 0.5, "params": {"reasoning_tag": "think"}},
            {"name": "math.answer_correctness", "weight": 1.0},
            {"name": "judge.answer_relevancy", "weight": 0.25,
             "params": {"base_url": server.base_url, "model": "test-judge", "request_timeout": 10.0}},
            {"name": "test.async_probe", "weight": 0.0},
        ])
        judge = rewards.reward_funcs[2]
        assert is_async_callable(judge)
        tokenizer = tiny.tiny_tokenizer()
        args = GRPOConfig(
            output_dir=str(tmp_path), use_cpu=True, bf16=False, per_device_train_batch_size=4, num_generations=4,
            max_completion_length=12, max_steps=2, logging_steps=1, report_to="none", save_strategy="no",
            reward_weights=rewards.reward_weights,
        )
        trainer = GRPOTrainer(
            model=tiny.tiny_model(tokenizer), processing_class=tokenizer, reward_funcs=rewards.reward_funcs,
            args=args, train_dataset=tiny.arithmetic_dataset(16),
        )
        trainer.train()
        judged = server.requests_of("score")

    assert trainer.args.reward_weights == [0.5, 1.0, 0.25, 0.0]
    logged = [row for row in trainer.state.log_history if "reward" in row]
    assert len(logged) == 2
    for name in ["math.reasoning_tags", "math.answer_correctness", "judge.answer_relevancy", "test.async_probe"]:
        assert all(f"rewards/{name}/mean" in row for row in logged), name
    # the judge scored every completion (4 per step) against the local server: 6/10 -> 0.6
    assert len(judged) >= 8
    assert all(row["rewards/judge.answer_relevancy/mean"] == pytest.approx(0.6) for row in logged)
    assert threads and set(threads) == {"GRPOTrainer-AsyncLoop"}


def test_two_process_distributed_training_on_cpu(tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun, "torchrun is installed with torch"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REWARD_CORE_", "LOCAL_", "RANK", "WORLD_"))}
    env["OMP_NUM_THREADS"] = "1"
    with socket.socket() as probe:  # a free port for the rendezvous (port 0 is not passed through to ranks)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [torchrun, "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", str(port),
               "-m", "reward_core.train", "--max-steps", "1", "--warm-start-steps", "2", "--output-dir", str(tmp_path),
               "--cpu"]
    # A session of its own, so a timeout kills the ranks too, not only the torchrun launcher.
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "rank 0/2 finished 1 step(s)" in result.stdout and "rank 1/2 finished 1 step(s)" in result.stdout
    history = json.loads((tmp_path / "log_history.json").read_text())
    assert any("rewards/math.answer_correctness/mean" in row for row in history)
    manifest = json.loads((tmp_path / "reward_manifest.json").read_text())
    assert [r["name"] for r in manifest["rewards"]][:2] == ["math.answer_correctness", "math.reasoning_tags"]
    # completions.jsonl holds both ranks' shards: per_device_train_batch_size completions each
    per_rank = yaml.safe_load(DEMO_CONFIG.read_text())["grpo"]["per_device_train_batch_size"]
    records = [json.loads(line) for line in (tmp_path / "completions.jsonl").read_text().splitlines()]
    assert len(records) == 2 * per_rank and {r["step"] for r in records} == {1}


def test_main_job_leaves_the_judge_out_without_an_endpoint_and_fills_it_in_from_the_environment(monkeypatch):
    import reward_core

    for variable in ("REWARD_CORE_JUDGE_BASE_URL", "REWARD_CORE_JUDGE_MODEL", "REWARD_CORE_JUDGE_API_KEY_ENV"):
        monkeypatch.delenv(variable, raising=False)
    config = reward_core.read_spec(DEMO_CONFIG)
    without = reward_core.load_rewards(config)
    assert without.left_out == ("judge.answer_relevancy",)
    assert "judge.answer_relevancy" not in without.log_names

    monkeypatch.setenv("REWARD_CORE_JUDGE_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("REWARD_CORE_JUDGE_MODEL", "local-judge")
    with_judge = reward_core.load_rewards(config)
    assert with_judge.left_out == ()
    (judge,) = [r for r in with_judge if r.name == "judge.answer_relevancy"]
    assert judge.weight == 0.25
    assert judge.params["base_url"] == "http://127.0.0.1:9/v1" and judge.params["model"] == "local-judge"
    assert judge.params["api_key_env"] == "OPENAI_API_KEY"  # the config's default for an unset variable


# --- the main job's outputs: rewards.png, log_history.json, completions.jsonl and the terminal table ---

TIMING_KEYS = {"step_time", "train_runtime", "train_samples_per_second", "train_steps_per_second"}


def _demo(tmp_path: Path, *extra: str) -> list[dict]:
    """A short run of the default demo (a few warm-start and GRPO steps), in this process."""
    from reward_core.train import main

    assert main(["--output-dir", str(tmp_path), "--max-steps", "3", "--warm-start-steps", "20", "--cpu", *extra]) == 0
    return json.loads((tmp_path / "log_history.json").read_text())


@pytest.fixture
def no_judge(monkeypatch):
    monkeypatch.delenv("REWARD_CORE_JUDGE_BASE_URL", raising=False)


def test_main_job_writes_the_picture_history_completions_and_prints_the_table(tmp_path, capsys, no_judge):
    history = _demo(tmp_path)
    captured = capsys.readouterr()
    out = captured.out
    config = yaml.safe_load(DEMO_CONFIG.read_text())
    manifest = json.loads((tmp_path / "reward_manifest.json").read_text())
    names = [r["log_name"] for r in manifest["rewards"]]
    enabled = [e["name"] for e in config["rewards"] if "enabled" not in e]  # the judge's needs an endpoint
    assert names == enabled and len(enabled) == len(config["rewards"]) - 1
    assert "leaves out judge.answer_relevancy" in captured.err
    assert "math.answer_correctness" in names and sum(n.startswith("math.") for n in names) >= 3

    assert (tmp_path / "rewards.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    steps = [row for row in history if "reward" in row]
    assert [row["step"] for row in steps] == [1, 2, 3]
    assert all(f"rewards/{name}/mean" in row for row in steps for name in names)

    # one record per scored completion, with exactly the scores TRL received: their means are TRL's logged means
    records = [json.loads(line) for line in (tmp_path / "completions.jsonl").read_text().splitlines()]
    assert len(records) == 3 * config["grpo"]["per_device_train_batch_size"]
    for record in records:
        assert set(record) == {"step", "prompt", "completion", "columns", "rewards", "reasons"}
        assert list(record["reasons"]) == names  # every math reward says why
        assert all(isinstance(r, str) for r in record["reasons"].values())
        assert record["step"] in (1, 2, 3) and set(record["columns"]) == {"answer"}
        assert list(record["rewards"]) == names
        assert all(v is None or isinstance(v, (int, float)) for v in record["rewards"].values())
        assert record["completion"][0]["role"] == "assistant" and record["prompt"][-1]["role"] == "user"
    for row in steps:
        for name in names:
            scores = [r["rewards"][name] for r in records if r["step"] == row["step"]]
            scores = [score for score in scores if score is not None]
            assert sum(scores) / len(scores) == pytest.approx(row[f"rewards/{name}/mean"], abs=1e-6)

    # the terminal table: a row per reward and the total, with first/last/best and a sparkline
    assert "first" in out and "last" in out and "best" in out
    table = out[out.index("rewards over 3 logged step(s)"):]
    for label in [*names, "reward (weighted total)"]:
        line = next(line for line in table.splitlines() if line.startswith(label + " "))
        assert any(ch in line for ch in report.SPARK_CHARS), line
    assert "weighted total: mean of the first 3 step(s)" in out
    # why: each reason's share, logged through TRL's log_metric, from the first steps to the last
    assert all(f"{name}/reason/" in key for name in names[:1] for key in [next(
        k for k in steps[0] if k.startswith(f"{name}/reason/"))])
    assert sum(v for k, v in steps[0].items() if k.startswith("math.answer_correctness/reason/")) == \
        pytest.approx(1.0)
    why = out[out.index("why: each reason's share"):]
    assert "math.answer_correctness:" in why and "->" in why
    assert "rank 0/1 finished 3 step(s)" in out

    # the run's manifest re-scores the run's saved completions to identical numbers, through the CLI
    scored = tmp_path / "rescored.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "reward_core.cli", "score", "--config", str(tmp_path / "reward_manifest.json"),
         str(tmp_path / "completions.jsonl"), "--output", str(scored)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rescored = [json.loads(line)["rewards"] for line in scored.read_text().splitlines()]
    assert rescored == [record["rewards"] for record in records]


def test_the_demo_is_seeded(tmp_path, no_judge):
    runs = []
    for name in ("a", "b"):
        history = _demo(tmp_path / name)
        runs.append(([{k: v for k, v in row.items() if k not in TIMING_KEYS} for row in history],
                     (tmp_path / name / "completions.jsonl").read_text()))
    assert runs[0] == runs[1]
    other = _demo(tmp_path / "c", "--seed", "7")
    assert [{k: v for k, v in row.items() if k not in TIMING_KEYS} for row in other] != runs[0][0]


def test_report_table_sparkline_and_rise():
    history = [
        {"loss": 0.1, "reward": 0.5, "rewards/a/mean": 0.0, "rewards/p/mean": -1.0, "step": 1},
        {"loss": 0.1, "reward": 1.0, "rewards/a/mean": 0.5, "rewards/p/mean": -0.5, "step": 2},
        {"loss": 0.1, "reward": 1.5, "rewards/a/mean": 1.0, "rewards/p/mean": -0.75, "step": 3},
        {"train_runtime": 1.0, "step": 3},
    ]
    assert report.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert report.sparkline([1, 1]) == "▄▄" and report.sparkline([None, 1.0, 2.0]) == " ▁█"
    assert len(report.sparkline(range(1000), width=20)) == 20
    assert report.rise([0.0, 1.0, 2.0, 3.0], window=2) == (0.5, 2.5, 2.0)
    rows = {r.label: r for r in report.summarize(history, ["a", "p"], [1.0, 0.5])}
    assert (rows["a"].first, rows["a"].last, rows["a"].best, rows["a"].weight) == (0.0, 1.0, 1.0, 1.0)
    assert (rows["p"].first, rows["p"].last, rows["p"].best) == (-1.0, -0.75, -0.5)  # best = max, penalties too
    assert rows["reward"].values == (0.5, 1.0, 1.5)
    table = report.format_table(history, ["a", "p"], [1.0, 0.5], window=1)
    assert "reward (weighted total)" in table and "(+1.000)" in table


def test_completion_log_records_exact_scores_and_keeps_names_async_and_pickling():
    import asyncio
    import pickle

    from trl.trainer.utils import get_callable_name, is_async_callable

    async def judged(completions, **kwargs):
        return [0.25 for _ in completions]

    reward_core.register_reward("test.judged", judged)
    rewards = reward_core.load_rewards([
        {"name": "math.reasoning_tags", "params": {"reasoning_tag": "think"}},
        {"name": "test.judged", "log_name": "judge"},
    ])
    log = report.CompletionLog()
    tags, judge = log.wrap(rewards.reward_funcs)
    assert [get_callable_name(f) for f in (tags, judge)] == ["math.reasoning_tags", "judge"]
    assert not is_async_callable(tags) and is_async_callable(judge)
    assert pickle.loads(pickle.dumps(tags))(prompts=["q"], completions=["<answer>1</answer>"]) == [0.0]

    class State:
        global_step = 4

    batch = {"prompts": ["p1", "p2"], "completions": ["<think>x</think><answer>1</answer>", "1"],
             "answer": ["1", "2"], "completion_ids": [[1], [2]], "trainer_state": State(), "log_metric": print}
    assert tags(**batch) == [2.0, -2.0]
    assert asyncio.run(judge(**batch)) == [0.25, 0.25]
    assert log.records == [
        {"step": 5, "prompt": "p1", "completion": "<think>x</think><answer>1</answer>", "columns": {"answer": "1"},
         "rewards": {"math.reasoning_tags": 2.0, "judge": 0.25}, "reasons": {"math.reasoning_tags": "all_tags"}},
        {"step": 5, "prompt": "p2", "completion": "1", "columns": {"answer": "2"},
         "rewards": {"math.reasoning_tags": -2.0, "judge": 0.25},
         "reasons": {"math.reasoning_tags": "missing: missing <think> </think> <answer> </answer>"}},
    ]
