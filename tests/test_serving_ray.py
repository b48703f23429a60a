"""`reward-core serve --ray`: the same endpoints as a Ray Serve deployment, 2 replicas on a local Ray."""

from __future__ import annotations

import os
import socket

import pytest

import reward_core

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")
pytest.importorskip("reward_math_correctness")


def test_ray_serve_deployment_with_two_replicas(tmp_path, call):
    from reward_core.serving import ray_serve

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    try:
        # set after ray.init, so the replicas see it only because the deployment passes it on
        os.environ["RC_RAY_TEST_GOLD"] = "answer"
        spec = [{"name": "math.answer_correctness", "params": {"gold_column": "${RC_RAY_TEST_GOLD}"}}]
        ray_serve.run(spec, replicas=2, host="127.0.0.1", port=port, num_cpus=0.5,
                      token="t0ken", block=False)
        url = f"http://127.0.0.1:{port}"
        batch = {"completions": ["\\boxed{4}", "\\boxed{5}"], "columns": {"answer": ["4", "4"]}}
        assert call(url, "/v1/score", batch)[0] == 401
        answers = [call(url, "/v1/score", batch, token="t0ken") for _ in range(6)]
        assert all(a == (200, {"rewards": {"math.answer_correctness": [1.0, 0.0]}, "reward": [1.0, 0.0],
                               "weights": {"math.answer_correctness": 1.0}, "metrics": answers[0][1]["metrics"],
                               "reasons": {"math.answer_correctness": ["correct: 4", "wrong: 5"]}})
                   for a in answers)
        status, body = call(url, "/v1/score", {"completions": "nope"}, token="t0ken")
        assert status == 400 and body["error"]["type"] == "BadRequestError"
        status, answer = call(url, "/get_reward", {"query": ["\\boxed{4}"], "labels": ["4"]}, token="t0ken")
        assert status == 200 and answer["rewards"] == [1.0]
        os.environ["RC_RAY_TEST_TOKEN"] = "t0ken"
        rewards = reward_core.remote_rewards(url, token_env="RC_RAY_TEST_TOKEN")
        assert isinstance(rewards, reward_core.LoadedRewards) and rewards.log_names == ["math.answer_correctness"]
        assert rewards.manifest()["rewards"][0]["distribution"] == "reward-core-math-correctness"
        app = serve.status().applications["reward-core"]
        (deployment,) = app.deployments.values()
        assert deployment.replica_states.get("RUNNING") == 2
    finally:
        os.environ.pop("RC_RAY_TEST_TOKEN", None)
        serve.shutdown()
        ray.shutdown()
