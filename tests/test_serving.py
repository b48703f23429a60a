"""`reward-core serve` as a real process on 127.0.0.1, spoken to by real HTTP clients (urllib, aiohttp,
`remote_rewards`, the OpenRLHF and veRL file modules loaded by path the way those trainers load them)."""

from __future__ import annotations

import asyncio
import http.server
import importlib.util
import inspect
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

import reward_core

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("reward_math_format")
pytest.importorskip("reward_math_correctness")

SERVING = Path(reward_core.__file__).parent / "serving"

HELPERS = '''
import asyncio, os, time

def length(completions, **kwargs):
    return [float(len(c)) for c in completions]

def gated(completions, **kwargs):
    """Blocks (a sync reward, in its worker thread) until the gate file exists."""
    open(os.environ["STARTED_FILE"], "a").close()
    while not os.path.exists(os.environ["GATE_FILE"]):
        time.sleep(0.01)
    return [1.0 for _ in completions]

def broken(completions, **kwargs):
    raise RuntimeError("this reward always fails")
'''

MATH_SPEC = [
    "math.answer_correctness",
    {"name": "math.reasoning_tags", "weight": 0.5, "params": {"reasoning_tag": "think"}},
]


@contextmanager
def server(tmp_path: Path, spec, *args: str, env: dict | None = None):
    """A `reward-core serve` process on a free port; yields (url, process)."""
    (tmp_path / "serving_rewards.py").write_text(HELPERS)
    spec_file = tmp_path / f"spec-{os.urandom(3).hex()}.json"
    spec_file.write_text(json.dumps({"rewards": spec}))
    full_env = {**os.environ, "PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                "GATE_FILE": str(tmp_path / "gate"), "STARTED_FILE": str(tmp_path / "started"), **(env or {})}
    if "REWARD_CORE_SERVE_TOKEN" not in (env or {}):
        full_env.pop("REWARD_CORE_SERVE_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "reward_core.cli", "serve", "--config", str(spec_file), "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env,
    )
    try:
        line = process.stdout.readline()
        assert "reward-core serve:" in line, line + process.stderr.read()
        url = line.split(" on ")[1].split()[0]
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def math_server(tmp_path_factory):
    with server(tmp_path_factory.mktemp("math"), MATH_SPEC, "--max-batch", "64", "--max-body-mb", "0.05") as (url, _):
        yield url


BATCH = {
    "prompts": ["What is 2+2?", "What is 2+2?"],
    "completions": ["<think>2 and 2</think><answer>4</answer>", "5"],
    "columns": {"answer": ["4", "4"]},
}


def test_native_score_and_description_endpoints(math_server, call):
    assert call(math_server, "/healthz") == (200, {"status": "ok", "rewards": 2})
    status, described = call(math_server, "/v1/rewards")
    assert status == 200
    # the spec's manifest: names, pinned versions, params, weights and the providing distributions
    assert [(r["name"], r["log_name"], r["weight"]) for r in described["rewards"]] == [
        ("math.answer_correctness", "math.answer_correctness", 1.0), ("math.reasoning_tags", "math.reasoning_tags", 0.5)]
    tags = described["rewards"][1]
    assert tags["params"]["reasoning_tag"] == "think" and tags["resolved"].startswith("math.reasoning_tags")
    assert tags["distribution"] == "reward-core-math-format" and tags["distribution_version"]
    assert described["packages"]["reward-core-math-correctness"] and described["reward_core_version"]
    assert described["scoring"]["math.answer_correctness"]["async"] is False
    status, result = call(math_server, "/v1/score", BATCH)
    assert status == 200
    assert result["rewards"]["math.answer_correctness"] == [1.0, 0.0]
    tags = result["rewards"]["math.reasoning_tags"]
    assert result["reward"] == [1.0 + 0.5 * tags[0], 0.0 + 0.5 * tags[1]]
    assert any(k.startswith("math.answer_correctness/") for k in result["metrics"])
    # the manifest rebuilds exactly these rewards; /v1/manifest is an alias
    assert call(math_server, "/v1/manifest") == (200, described)
    assert reward_core.load_rewards(described).log_names == ["math.answer_correctness", "math.reasoning_tags"]
    # conversational completions work as in TRL
    chat = {**BATCH, "completions": [[{"role": "assistant", "content": c}] for c in BATCH["completions"]]}
    assert call(math_server, "/v1/score", chat)[1]["rewards"] == result["rewards"]
    status, stats = call(math_server, "/v1/stats")
    assert status == 200 and stats["batches"] >= 2 and stats["in_flight"] == 0


def test_openrlhf_and_slime_endpoints_speak_their_shapes(math_server, call):
    prompts = ["Q: What is 2+2?\nA:", "Q: What is 3+3?\nA:"]
    responses = [" <think>sum</think><answer>4</answer>", " <answer>7</answer>"]
    body = {"query": [p + r for p, r in zip(prompts, responses)], "prompts": prompts, "labels": ["4", "6"]}
    status, answer = call(math_server, "/get_reward", body)
    assert status == 200
    assert set(answer) == {"rewards", "scores", "extra_logs"}
    assert answer["extra_logs"]["math.answer_correctness"] == [1.0, 0.0]
    assert answer["rewards"][0] > answer["rewards"][1]
    # `scores` is the accuracy (the first reward whose score range lies within [0, 1]), `rewards` the total
    assert answer["scores"] == answer["extra_logs"]["math.answer_correctness"]
    status, reward = call(math_server, "/slime", {"prompt": prompts[0], "response": responses[0], "label": "4"})
    assert status == 200 and reward == answer["rewards"][0]


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "kind", "says"),
    [
        ("/v1/score", {"raw": b"{not json"}, 400, "BadRequestError", "not valid JSON"),
        ("/v1/score", {"payload": BATCH, "content_type": "text/plain"}, 415, "BadRequestError", "send JSON"),
        ("/v1/score", {"payload": {"prompts": ["p"]}}, 400, "BadRequestError", "'completions' must be a list"),
        ("/v1/score", {"payload": {"completions": ["a"], "params": {}}}, 400, "BadRequestError", "unknown key"),
        ("/v1/score", {"payload": {"completions": ["a", "b"], "columns": {"answer": ["1"]}}}, 400,
         "BadRequestError", "column 'answer'"),
        ("/v1/score", {"payload": {"completions": ["a"], "prompts": ["p", "q"]}}, 400, "BadRequestError", "'prompts'"),
        ("/v1/score", {"payload": {"completions": [{"text": 1}], "columns": {"answer": ["1"]}}}, 400,
         "BadRequestError", "completion"),
        ("/v1/score", {"payload": {"completions": ["x"] * 65, "columns": {"answer": ["1"] * 65}}}, 413,
         "PayloadTooLargeError", "--max-batch"),
        ("/v1/score", {"payload": {"completions": ["x" * 60_000], "columns": {"answer": ["1"]}}}, 413,
         "PayloadTooLargeError", "at most"),
        ("/get_reward", {"payload": {"prompts": ["p"]}}, 400, "BadRequestError", "'query'"),
        ("/slime", {"payload": {"prompt": "p"}}, 400, "BadRequestError", "'response'"),
        ("/v2/score", {"payload": {}}, 404, "NotFound", "POST /v1/score"),
        ("/healthz", {"payload": {}}, 405, "MethodNotAllowed", "not allowed"),
    ],
)
def test_bad_input_gets_a_typed_clear_error(math_server, path, kwargs, status, kind, says, call):
    got_status, body = call(math_server, path, **kwargs)
    assert got_status == status, body
    assert body["error"]["type"] == kind and says in body["error"]["message"], body
    assert "Traceback" not in body["error"]["message"]


def test_token_is_required_and_public_binds_need_one(tmp_path, call):
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    with server(tmp_path, ["serving_rewards:length"], "--token-env", "MY_TOKEN",
                env={"MY_TOKEN": "s3cret-token"}) as (url, _):
        assert call(url, "/healthz")[0] == 200  # liveness stays open
        for path, payload in [("/v1/score", {"completions": ["ab"]}), ("/v1/rewards", None), ("/get_reward",
                              {"query": ["ab"]})]:
            for token in (None, "wrong"):
                status, body = call(url, path, payload, token=token)
                assert status == 401 and body["error"]["type"] == "Unauthorized"
        assert call(url, "/v1/score", {"completions": ["ab"]}, token="s3cret-token") == (
            200, {"rewards": {"serving_rewards:length": [2.0]}, "reward": [2.0],
                  "weights": {"serving_rewards:length": 1.0}, "metrics": {}, "reasons": {}})
        os.environ["RC_TEST_WRONG"], os.environ["RC_TEST_RIGHT"] = "wrong", "s3cret-token"
        try:
            with pytest.raises(reward_core.RewardCoreError, match="401"):
                reward_core.remote_rewards(url, token_env="RC_TEST_WRONG")
            with pytest.raises(reward_core.RewardCoreError, match="RC_TEST_UNSET is not set"):
                reward_core.remote_rewards(url, token_env="RC_TEST_UNSET")
            assert reward_core.remote_rewards(url, "RC_TEST_RIGHT").log_names == ["serving_rewards:length"]
        finally:
            del os.environ["RC_TEST_WRONG"], os.environ["RC_TEST_RIGHT"]
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(["serving_rewards:length"]))
    refused = subprocess.run([sys.executable, "-m", "reward_core.cli", "serve", "--config", str(spec), "--host",
                              "0.0.0.0", "--port", "0"], capture_output=True, text=True, timeout=60,
                             env={k: v for k, v in os.environ.items() if k != "REWARD_CORE_SERVE_TOKEN"})
    assert refused.returncode == 1 and "refusing to serve on '0.0.0.0' without a token" in refused.stderr
    with server(tmp_path, ["serving_rewards:length"], "--host", "0.0.0.0", "--token-file", str(token_file)) as (url, _):
        assert call(url.replace("0.0.0.0", "127.0.0.1"), "/v1/rewards", token="s3cret-token")[0] == 200


def test_a_failing_reward_scores_null_rows_and_the_server_keeps_serving(tmp_path, call):
    spec = [{"name": "serving_rewards:length", "log_name": "len"}, {"name": "serving_rewards:broken", "log_name": "broken"}]
    with server(tmp_path, spec) as (url, process):
        for _ in range(2):
            status, body = call(url, "/v1/score", {"completions": ["ab", "c"]})
            assert status == 200
            assert body["rewards"] == {"len": [2.0, 1.0], "broken": [None, None]}
            assert body["reward"] == [None, None] and body["metrics"]["broken/failed_rows"] == 2.0
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert "batch of 2 rows" in process.stderr.read()


def test_sync_reward_runs_off_the_loop_and_sigterm_finishes_the_batch(tmp_path, call):
    with server(tmp_path, [{"name": "serving_rewards:gated", "log_name": "gated"}]) as (url, process):
        answers = []
        worker = threading.Thread(target=lambda: answers.append(call(url, "/v1/score", {"completions": ["a", "b"]})))
        worker.start()
        while not (tmp_path / "started").exists():  # the reward is now blocked in its thread
            assert worker.is_alive()
        assert call(url, "/healthz")[0] == 200  # the loop still answers
        assert call(url, "/v1/stats")[1]["in_flight"] == 1
        process.send_signal(signal.SIGTERM)
        (tmp_path / "gate").touch()
        worker.join(60)
        assert answers == [(200, {"rewards": {"gated": [1.0, 1.0]}, "reward": [1.0, 1.0], "weights": {"gated": 1.0},
                                  "metrics": {}, "reasons": {}})]
        assert process.wait(60) == 0
        assert "stopped after finishing the batches in flight" in process.stdout.read()


def test_judge_concurrency_limit_is_global_across_clients(tmp_path):
    pytest.importorskip("reward_deepeval_judge")
    aiohttp = pytest.importorskip("aiohttp")
    from reward_deepeval_judge_testing import JudgeServer

    with JudgeServer(latency=0.05, score=8) as judge:
        spec = [{"name": "judge.answer_relevancy", "params": {"base_url": judge.base_url, "model": "test-judge",
                                                             "max_concurrency": 2}}]
        with server(tmp_path, spec, env={"DEEPEVAL_TELEMETRY_OPT_OUT": "1"}) as (url, _):

            async def clients():
                async with aiohttp.ClientSession() as session:
                    async def one(client):
                        batch = {"prompts": [f"question {client}-{i}?" for i in range(5)],
                                 "completions": [f"answer {client}-{i}" for i in range(5)]}
                        async with session.post(url + "/v1/score", json=batch) as response:
                            return response.status, await response.json()
                    return await asyncio.gather(*(one(c) for c in range(4)))

            judge.reset_requests()
            results = asyncio.run(clients())
        assert all(status == 200 and body["rewards"]["judge.answer_relevancy"] == [0.8] * 5
                   for status, body in results)
        assert len(judge.requests_of("score")) == 20
        # 4 clients x 5 rows, one reward instance on one loop: never more than max_concurrency at the judge,
        # and the async reward did run requests concurrently (with each other and across clients)
        assert judge.max_in_flight == 2


def _load_by_path(name: str, path: Path):
    """Import a file the way OpenRLHF (--remote_rm_url file.py) and veRL (custom_reward_function.path) do."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_openrlhf_reward_func_and_verl_compute_score_through_the_server(math_server, monkeypatch):
    monkeypatch.setenv("REWARD_CORE_URL", math_server)
    openrlhf = _load_by_path("reward_func", SERVING / "openrlhf.py")
    # OpenRLHF calls reward_func(queries, prompts, labels) (openrlhf/utils/remote_rm_utils.py)
    assert list(inspect.signature(openrlhf.reward_func).parameters)[:3] == ["queries", "prompts", "labels"]
    prompts = ["Q: 2+2?\nA:", "Q: 3+3?\nA:"]
    out = openrlhf.reward_func([prompts[0] + " \\boxed{4}", prompts[1] + " 5"], prompts, ["4", "6"])
    assert set(out) == {"rewards", "scores", "extra_logs"}
    assert out["extra_logs"]["math.answer_correctness"].tolist() == [1.0, 0.0]

    verl = _load_by_path("custom_module", SERVING / "verl.py")
    # the naive manager's call (verl/workers/reward_manager/naive.py), keyword arguments only
    row = verl.compute_score(data_source="gsm8k", solution_str="<think>x</think><answer>4</answer>",
                             ground_truth="4", extra_info={"question": "What is 2+2?"})
    assert row["score"] == pytest.approx(1.0 + 0.5 * row["math.reasoning_tags"])
    assert row["math.answer_correctness"] == 1.0 and row["none_rows"] == 0.0
    # the batch manager's call (verl/workers/reward_manager/batch.py)
    rows = verl.compute_score_batch(data_sources=["a", "b"], solution_strs=["\\boxed{4}", "\\boxed{5}"],
                                    ground_truths=["4", "4"], extra_infos=[None, None])
    assert [r["math.answer_correctness"] for r in rows] == [1.0, 0.0]
    assert verl.compute_score_batch(["a"], ["\\boxed{4}"], ["4"], return_dict=False) == [rows[0]["score"]]


def test_verl_compute_score_in_process_without_a_server(tmp_path, monkeypatch):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(["math.answer_correctness"]))
    verl = _load_by_path("custom_module_local", SERVING / "verl.py")
    assert verl.compute_score("gsm8k", "\\boxed{7}", "7", spec=str(spec), return_dict=False) == 1.0


def test_remote_rewards_is_a_picklable_loaded_rewards_and_rows_are_none_when_the_server_dies(tmp_path, call):
    spec = [{"name": "serving_rewards:length", "log_name": "len"},
            {"name": "serving_rewards:gated", "log_name": "gated", "weight": 0.5}]
    with server(tmp_path, spec) as (url, process):
        served = reward_core.remote_rewards(url, retries=1, backoff=0.01)
        assert isinstance(served, reward_core.LoadedRewards)
        assert served.log_names == ["len", "gated"] and served.reward_weights == [1.0, 0.5]
        assert [r.name for r in served] == ["serving_rewards:length", "serving_rewards:gated"]
        assert served.manifest()["rewards"][1]["log_name"] == "gated"  # asked of the server
        (tmp_path / "gate").touch()

        async def step(rewards, completions):
            return await asyncio.gather(*(f(prompts=["p"] * len(completions), completions=completions,
                                            completion_ids=[[1, 2]] * len(completions), trainer_state=object())
                                          for f in rewards.reward_funcs))

        assert asyncio.run(step(served, ["abc", "de"])) == [[3.0, 2.0], [1.0, 1.0]]
        # an unpickled copy (a new process's view: no session, no token, no pending batch) works on its own loop
        rewards = pickle.loads(pickle.dumps(served))
        assert isinstance(rewards, reward_core.LoadedRewards) and rewards.log_names == ["len", "gated"]
        assert all(reward_core.is_async_reward(f) for f in rewards.reward_funcs)
        before = call(url, "/v1/stats")[1]["batches"]
        assert asyncio.run(step(rewards, ["abcd"])) == [[4.0], [1.0]]
        assert call(url, "/v1/stats")[1]["batches"] == before + 1  # both functions shared one request

        # veRL's module through the same server: a failed batch keeps the keys of a scored one
        verl = _load_by_path("custom_module_dying", SERVING / "verl.py")
        scored = verl.compute_score("d", "abc", "x", url=url)
        assert set(scored) == {"score", "acc", "len", "gated", "none_rows", "len/reason/failed",
                               "gated/reason/failed"} and scored["none_rows"] == 0.0
        assert scored["len/reason/failed"] == 0.0

        (tmp_path / "gate").unlink()
        (tmp_path / "started").unlink()

        async def killed_mid_batch():
            task = asyncio.ensure_future(step(rewards, ["abc", "de", "f"]))
            while not (tmp_path / "started").exists():
                await asyncio.sleep(0.01)
            process.kill()  # the server dies with the batch in flight
            return await task

        with pytest.warns(reward_core.RewardRowWarning, match="3 row"):
            assert asyncio.run(killed_mid_batch()) == [[None, None, None], [None, None, None]]
        process.wait(30)
        with pytest.warns(reward_core.RewardRowWarning, match="scored None"):
            failed = verl.compute_score_batch(["d"], ["abc"], ["x"], url=url, fallback=-1.0)
        assert failed == [{"score": -1.0, "acc": -1.0, "len": -1.0, "gated": -1.0, "none_rows": 1.0,
                           "len/reason/failed": 1.0, "gated/reason/failed": 1.0}]
        assert set(failed[0]) == set(scored)


class _Stub(http.server.BaseHTTPRequestHandler):
    """A stand-in server: answers the statuses queued in `script` (then 200), and records each request."""

    script: list = []
    seen: list = []

    def log_message(self, *args):
        pass

    def _answer(self, body: bytes):
        type(self).seen.append(self.path)
        status, headers = type(self).script.pop(0) if type(self).script else (200, {})
        if status == 200:
            payload = (json.dumps({"rewards": [{"name": "n", "log_name": "n", "weight": 1.0}]}) if self.command == "GET"
                       else json.dumps({"rewards": {"n": [1.0]}, "reward": [1.0], "metrics": {}}))
        else:
            payload = json.dumps({"error": {"type": "TooManyRequests", "message": "slow down"}})
        data = payload.encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._answer(b"")

    def do_POST(self):
        self._answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))


def test_clients_honour_retry_after_on_429_within_a_bound(monkeypatch):
    from reward_core.serving import client as client_module

    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr(client_module, "_sleep", fake_sleep)
    monkeypatch.setattr(client_module, "_sleep_sync", waits.append)
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{stub.server_address[1]}"
    try:
        rewards = reward_core.remote_rewards(url, retries=3, max_retry_after=5.0, backoff=0.25)
        (fn,) = rewards.reward_funcs
        # 429 with a Retry-After in seconds, a 429 asking for an hour (capped), a 503 without one (backoff)
        _Stub.script[:] = [(429, {"Retry-After": "2"}), (429, {"Retry-After": "3600"}), (503, {})]
        _Stub.seen[:] = []
        assert asyncio.run(fn(prompts=["p"], completions=["c"])) == [1.0]
        assert waits == [2.0, 5.0, 1.0] and len(_Stub.seen) == 4
        # the blocking client (veRL, OpenRLHF modules): same rule, and an HTTP-date Retry-After in the past is 0
        waits.clear()
        _Stub.script[:] = [(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), (429, {"Retry-After": "1"})]
        sync = client_module.RewardClient(url, retries=2, backoff=0.25)
        assert sync.score(None, ["c"], {})["reward"] == [1.0] and waits == [0.0, 1.0]
        # more 429s than retries: the rows are None, training goes on
        waits.clear()
        _Stub.script[:] = [(429, {"Retry-After": "1"})] * 4
        with pytest.warns(reward_core.RewardRowWarning, match="1 row"):
            assert asyncio.run(fn(prompts=["p"], completions=["c"])) == [None]
        assert waits == [1.0, 1.0, 1.0]
    finally:
        stub.shutdown()
        stub.server_close()


def test_grpo_trainer_scores_through_remote_rewards_and_goes_on_when_the_server_dies(tmp_path, call):
    """Real GRPOTrainer steps (tiny local model) scored by another process, which is killed after step 1:
    step 2's rows come back None (TRL logs NaN) and training finishes its steps."""
    pytest.importorskip("trl")
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from reward_core.apps import tiny

    with server(tmp_path, MATH_SPEC) as (url, process):
        # what a launcher shipping the rewards to another process would hand the trainer: an unpickled copy
        rewards = pickle.loads(pickle.dumps(reward_core.remote_rewards(url, retries=1, backoff=0.05, timeout=30)))
        path = rewards.write_manifest(tmp_path)
        seen = {}

        class KillServerAfterFirstStep(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                if state.global_step == 1:
                    seen["stats"] = call(url, "/v1/stats")[1]
                    process.kill()
                    process.wait(30)

        tokenizer = tiny.tiny_tokenizer()
        args = GRPOConfig(
            output_dir=str(tmp_path / "out"), use_cpu=True, bf16=False, per_device_train_batch_size=4,
            num_generations=4, max_completion_length=8, max_steps=2, logging_steps=1, report_to="none",
            save_strategy="no", reward_weights=rewards.reward_weights,
        )
        trainer = GRPOTrainer(model=tiny.tiny_model(tokenizer), processing_class=tokenizer,
                              reward_funcs=rewards.reward_funcs, args=args, train_dataset=tiny.arithmetic_dataset(8),
                              callbacks=[KillServerAfterFirstStep()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # RewardRowWarning and TRL's "all reward functions returned None"
            trainer.train()
    assert trainer.state.global_step == 2
    logged = [row for row in trainer.state.log_history if "rewards/math.answer_correctness/mean" in row]
    assert len(logged) == 2
    names = ["math.answer_correctness", "math.reasoning_tags"]
    assert all(math.isfinite(logged[0][f"rewards/{n}/mean"]) for n in names)  # step 1: scored by the server
    # step 2: the server is gone, every row None; TRL's NaN mean is stored as None in the log history
    assert all(logged[1][f"rewards/{n}/mean"] is None or math.isnan(logged[1][f"rewards/{n}/mean"]) for n in names)
    assert logged[1]["math.answer_correctness/remote_failed_rows"] == 4
    assert seen["stats"]["batches"] >= 1 and seen["stats"]["rows"] >= 4 and seen["stats"]["failed_batches"] == 0
    assert reward_core.load_rewards(path).log_names == rewards.log_names
