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

import reward_core

pytest.importorskip("reward_math_format")
pytest.importorskip("reward_math_correctness")
pytest.importorskip("reward_deepeval_judge")


def test_grpo_trains_with_format_correctness_and_judge_rewards_by_name(tmp_path):
    from trl import GRPOConfig, GRPOTrainer
    from trl.trainer.utils import is_async_callable

    from reward_core.integrations import tiny
    from reward_deepeval_judge.testing import JudgeServer

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
               "-m", "reward_core.train", "--max-steps", "1", "--output-dir", str(tmp_path), "--cpu"]
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


def test_main_job_leaves_the_judge_out_without_an_endpoint_and_says_why(tmp_path, capsys):
    from reward_core.train import judge_entries

    os.environ.pop("REWARD_CORE_JUDGE_BASE_URL", None)
    assert judge_entries(["judge.answer_relevancy"]) == []
    assert "no judge endpoint is configured" in capsys.readouterr().err
    os.environ["REWARD_CORE_JUDGE_BASE_URL"] = "http://127.0.0.1:9/v1"
    try:
        (entry,) = judge_entries([{"name": "judge.answer_relevancy", "weight": 0.5}])
    finally:
        del os.environ["REWARD_CORE_JUDGE_BASE_URL"]
    assert entry == {"name": "judge.answer_relevancy", "weight": 0.5, "params": {"base_url": "http://127.0.0.1:9/v1"}}
