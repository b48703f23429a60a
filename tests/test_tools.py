"""`reward-core score`, `check` and `new` (the scaffold, installed into a fresh virtual environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import reward_core
import reward_core.testing

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / ".ci" / "constraints.txt"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
    return subprocess.run([sys.executable, "-m", "reward_core.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_score_scores_saved_completions_and_survives_bad_lines(tmp_path):
    (tmp_path / "rewards.yaml").write_text(
        "rewards:\n"
        "  - {name: trl.think_format_reward, weight: 0.5}\n"
        "  - {name: trl.accuracy_reward, params: {solution_column: answer}}\n"
    )
    lines = [
        json.dumps({"prompt": "2+2?", "completion": "<think>sum</think>$\\boxed{4}$", "answer": "4"}),
        "{not json",
        json.dumps({"prompt": "2+2?", "completion": [{"role": "assistant", "content": "$\\boxed{5}$"}], "answer": "4"}),
        json.dumps({"prompt": "2+2?", "answer": "4"}),
        json.dumps({"prompt": "2+2?", "completion": [{"role": "assistant"}], "answer": "4"}),
        json.dumps({"prompt": "2+2?", "completion": "<think>x</think>$\\boxed{4}$", "answer": "4"}),
    ]
    (tmp_path / "rollouts.jsonl").write_text("\n".join(lines) + "\n")
    result = run_cli("score", "--config", "rewards.yaml", "--input", "rollouts.jsonl", "--output", "scored.jsonl",
                     "--batch-size", "4", "--correlation", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    assert [row["rewards"] for row in scored] == [
        {"trl.think_format_reward": 1.0, "trl.accuracy_reward": 1.0},
        {"trl.think_format_reward": 0.0, "trl.accuracy_reward": 0.0},
        {"trl.think_format_reward": 1.0, "trl.accuracy_reward": 1.0},
    ]
    assert [row["reward"] for row in scored] == [1.5, 0.0, 1.5]
    assert "line 2: invalid JSON" in result.stderr
    assert "line 4: expected a JSON object with a 'completion' key" in result.stderr
    assert "line 5:" in result.stderr and "row 0" in result.stderr and "'content'" in result.stderr
    assert "scored 3 completion(s); 3 bad line(s)" in result.stdout
    table = result.stdout.splitlines()
    think_row = next(line for line in table if line.startswith("trl.think_format_reward"))
    assert think_row.split()[1:4] == ["0.6667", "0.4714", "0"]
    assert "trl.think_format_reward ~ trl.accuracy_reward: +1.000" in result.stdout
    assert "scoring [" in result.stderr  # the progress bar


def test_check_command_passes_a_good_reward_and_fails_a_bad_one(tmp_path):
    good = run_cli("check", "trl.soft_overlong_punishment", "-p", "max_completion_len=16", "-p", "soft_punish_cache=4")
    checks = len(reward_core.testing.CHECKS)
    assert good.returncode == 0 and f"keeps the contract ({checks}/{checks} checks passed)" in good.stdout
    (tmp_path / "sloppy.py").write_text(
        "def sloppy(completions, **kwargs):\n"
        "    return [float(i) for i, _ in enumerate(completions)]\n"
    )
    env_path = f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    bad = subprocess.run([sys.executable, "-m", "reward_core.cli", "check", "sloppy:sloppy", "--json"],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=env_path))
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    failed = [c["check"] for c in report["checks"] if c["problem"]]
    assert failed == ["scores each completion independently (order)"]


def test_trl_rewards_by_name_match_trl_and_mix_with_ours():
    from trl.rewards import accuracy_reward, think_format_reward

    completions = [[{"role": "assistant", "content": t}] for t in
                   ["<think>a</think>$\\boxed{3}$", "$\\boxed{4}$", "<think></think> 3", "no answer"]]
    solution = ["3", "3", "$3$", "3"]
    ours = reward_core.get_reward("trl.accuracy_reward")
    assert ours(prompts=["q"] * 4, completions=completions, solution=solution) == accuracy_reward(completions, solution)
    think = reward_core.get_reward("trl.think_format_reward")
    assert think(prompts=["q"] * 4, completions=completions) == think_format_reward(completions)
    mixed = reward_core.load_rewards(["trl.think_format_reward", {"name": "math.reasoning_tags", "weight": 0.5}])
    assert mixed.log_names == ["trl.think_format_reward", "math.reasoning_tags"]
    with pytest.raises(reward_core.MissingColumnError, match=r"column 'solution'.*\['answer'\].*solution_column") as info:
        ours(prompts=["q"], completions=["x"], answer=["3"])
    assert info.value.reward == "trl.accuracy_reward"


def test_new_pack_installs_into_a_fresh_venv_resolves_and_passes_check(tmp_path):
    made = run_cli("new", "acme-rewards", "--directory", str(tmp_path))
    assert made.returncode == 0, made.stderr
    pack = tmp_path / "acme-rewards"
    assert (pack / "pyproject.toml").read_text().count('acme-rewards = "acme_rewards.plugin"') == 1
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(CONSTRAINTS)]
    subprocess.run([*pip, "setuptools", "wheel", "pluggy", "importlib-metadata", "pytest"], check=True)
    subprocess.run([*pip, "--no-build-isolation", "--no-deps", str(REPO), str(pack)], check=True)
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("REWARD_CORE_", "PYTHONPATH", "VIRTUAL_ENV"))}
    listed = subprocess.run([str(env_dir / "bin" / "reward-core"), "list", "--json"], capture_output=True, text=True,
                            env=clean_env, check=True)
    assert "acme.concise" in {r["name"] for r in json.loads(listed.stdout)["rewards"]}
    resolved = subprocess.run(
        [str(python), "-c", "import reward_core; r = reward_core.get_reward('acme.concise', max_words=2);"
         "print(r(prompts=['q'], completions=['one two three four']))"],
        capture_output=True, text=True, env=clean_env, check=True,
    )
    assert resolved.stdout.strip() == "[0.5]"
    check = subprocess.run([str(env_dir / "bin" / "reward-core"), "check", "acme.concise"], capture_output=True,
                           text=True, env=clean_env)
    assert check.returncode == 0 and "keeps the contract" in check.stdout, check.stdout + check.stderr
    tests = subprocess.run([str(python), "-m", "pytest", "-q", str(pack / "tests")], capture_output=True, text=True,
                           env=clean_env, cwd=pack)
    assert tests.returncode == 0 and "3 passed" in tests.stdout, tests.stdout + tests.stderr


def test_new_refuses_bad_names_and_existing_directories(tmp_path):
    assert run_cli("new", "bad name", "--directory", str(tmp_path)).returncode == 1
    assert run_cli("new", "twice", "--directory", str(tmp_path)).returncode == 0
    again = run_cli("new", "twice", "--directory", str(tmp_path))
    assert again.returncode == 1 and "already exists" in again.stderr
