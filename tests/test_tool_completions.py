"""Tool trajectories and parsed reasoning everywhere a completion travels: `reward-core score` on JSONL, a real
`reward-core serve` process over `/v1/score`, and `remote_rewards` (environments cross as their state)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

import reward_core

pytest.importorskip("reward_tool_use")
pytest.importorskip("reward_math_correctness")

SCHEMA = {"name": "multiply", "parameters": {"type": "object", "required": ["a", "b"],
                                             "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}
SPEC = [
    {"name": "math.answer_correctness", "params": {"workers": 1}},
    {"name": "math.think_format", "weight": 0.25},
    {"name": "tools.valid_calls", "weight": 0.5, "params": {"tools": [SCHEMA]}},
    {"name": "tools.call_success", "weight": 0.5},
]


def trajectory(a: int, b: int, reported: int, arguments=None) -> list[dict]:
    call = {"type": "function", "function": {"name": "multiply", "arguments": arguments or {"a": a, "b": b}}}
    return [
        {"role": "assistant", "reasoning_content": f"I need {a} times {b}.", "content": "", "tool_calls": [call]},
        {"role": "tool", "name": "multiply", "content": str(a * b)},
        {"role": "assistant", "reasoning_content": "The tool answered.", "content": f"\\boxed{{{reported}}}"},
    ]


ROWS = [
    {"prompt": "What is 12 * 34?", "completion": trajectory(12, 34, 408), "answer": "408"},
    {"prompt": "What is 12 * 34?", "completion": trajectory(12, 34, 400, {"a": "12"}), "answer": "408"},
    {"prompt": "What is 12 * 34?", "completion": [{"role": "assistant", "content": "\\boxed{408}"}], "answer": "408"},
]
# (answer_correctness, think_format, valid_calls, call_success) of each row
EXPECTED = [[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]


def in_process() -> list[list[float | None]]:
    rewards = reward_core.load_rewards(SPEC)
    columns = dict(prompts=[r["prompt"] for r in ROWS], completions=[r["completion"] for r in ROWS],
                   answer=[r["answer"] for r in ROWS])
    per_reward = [f(**columns) for f in rewards.reward_funcs]
    return [list(row) for row in zip(*per_reward)]


def test_in_process_scores_are_the_expected_ones():
    assert in_process() == EXPECTED


def test_score_reads_structured_completions_from_jsonl(tmp_path):
    (tmp_path / "spec.json").write_text(json.dumps({"rewards": SPEC}))
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    out = tmp_path / "scored.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
    done = subprocess.run([sys.executable, "-m", "reward_core.cli", "score", str(tmp_path / "rows.jsonl"),
                           "--config", str(tmp_path / "spec.json"), "--output", str(out)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    names = ["math.answer_correctness", "math.think_format", "tools.valid_calls", "tools.call_success"]
    assert [[line["rewards"][n] for n in names] for line in scored] == EXPECTED
    assert scored[0]["completion"] == ROWS[0]["completion"]  # written back unchanged


@pytest.fixture(scope="module")
def tool_server(tmp_path_factory, serve_spec):
    spec = [*SPEC, {"name": "tools.environment_state", "params": {"attribute": "solved"}}]
    with serve_spec(tmp_path_factory.mktemp("tools-serve"), spec) as url:
        yield url


class Grid:
    """A live environment (TRL's environment_factory): only its state can cross to a server."""

    def __init__(self, solved: bool) -> None:
        self.solved = solved
        self._lock = object()  # private and not JSON: not sent

    def reset(self) -> None:
        self.solved = False


def test_served_rewards_score_trajectories_and_read_environment_state(tool_server, call):
    batch = {"prompts": [r["prompt"] for r in ROWS], "completions": [r["completion"] for r in ROWS],
             "columns": {"answer": [r["answer"] for r in ROWS], "environments": [{"solved": True}] * 3}}
    status, result = call(tool_server, "/v1/score", batch)
    assert status == 200, result
    names = ["math.answer_correctness", "math.think_format", "tools.valid_calls", "tools.call_success"]
    assert [[result["rewards"][n][row] for n in names] for row in range(3)] == EXPECTED

    remote = reward_core.remote_rewards(tool_server)
    columns = dict(prompts=batch["prompts"], completions=batch["completions"], answer=batch["columns"]["answer"],
                   environments=[Grid(True), Grid(False), Grid(True)])

    async def score_all():
        return [await f(**columns) for f in remote.reward_funcs]

    per_reward = dict(zip(remote.log_names, asyncio.run(score_all())))
    assert [[per_reward[n][row] for n in names] for row in range(3)] == EXPECTED
    assert per_reward["tools.environment_state"] == [1.0, 0.0, 1.0]
