"""`reward-core serve` attacked and faulted as in issue 20, each time a real server process on 127.0.0.1 that
must still answer a valid request afterwards. No assertion on timing: loops wait for a state, bounded."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

import reward_core

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

REWARDS = '''
import asyncio, math, os, sys, time

def length(completions, **kwargs):
    return [float(len(c)) for c in completions]

def exits(completions, **kwargs):
    sys.exit(3)

async def interrupts(completions, **kwargs):
    raise KeyboardInterrupt

def hang(completions, **kwargs):
    open(os.environ["STARTED_FILE"], "a").close()
    while True:
        time.sleep(0.05)

async def async_hang(completions, **kwargs):
    await asyncio.sleep(3600)

def nan_metric(completions, log_metric=None, **kwargs):
    log_metric("nan/x", math.nan)
    log_metric("nan/y", math.inf)
    log_metric("nan/ok", 0.5)
    return [1.0 for _ in completions]

def counted(completions, **kwargs):
    with open(os.environ["CALLS_FILE"], "a") as f:
        f.write("call\\n")
    while not os.path.exists(os.environ["GATE_FILE"]):
        time.sleep(0.01)
    return [1.0 for _ in completions]

async def slow(completions, **kwargs):
    open(os.environ["STARTED_FILE"], "a").close()
    await asyncio.sleep(30)
    open(os.environ["FINISHED_FILE"], "a").close()
    return [1.0 for _ in completions]

def judge_like(completions, base_url="", api_key="", max_tokens=0, **kwargs):
    return [1.0 for _ in completions]
'''

VALID = {"completions": ["ab", "c"]}
DEADLINE = 60.0


@contextmanager
def attack_server(tmp_path: Path, spec, *args: str, env: dict | None = None, nofile: int | None = None):
    """`reward-core serve` on a free port (with an open-file limit of `nofile`); yields (url, process)."""
    (tmp_path / "attack_rewards.py").write_text(REWARDS)
    spec_file = tmp_path / f"spec-{os.urandom(3).hex()}.json"
    spec_file.write_text(json.dumps({"rewards": spec}))
    full_env = {k: v for k, v in os.environ.items() if k != "REWARD_CORE_SERVE_TOKEN"}
    full_env.update({"PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                     "GATE_FILE": str(tmp_path / "gate"), "STARTED_FILE": str(tmp_path / "started"),
                     "FINISHED_FILE": str(tmp_path / "finished"), "CALLS_FILE": str(tmp_path / "calls"),
                     **(env or {})})

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    process = subprocess.Popen(
        [sys.executable, "-m", "reward_core.cli", "serve", "--config", str(spec_file), "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env,
        preexec_fn=limit if nofile else None,
    )
    try:
        line = process.stdout.readline()
        assert "reward-core serve:" in line, line + process.stderr.read()
        yield line.split(" on ")[1].split()[0], process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def raw(url: str, data: bytes, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """Send `data` as it is on a new connection; (status, headers, body) of the answer read until close."""
    host, port = url.split("//")[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def request(url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """A well-formed request with these headers (Host, Connection: close and Content-Length unless given)."""
    host = url.split("//")[1]
    headers = {"Host": host, "Connection": "close", **(headers or {})}
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return raw(url, ("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def wait_for(predicate, what: str):
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def still_serves(url: str, call, token: str | None = None, name: str = "len") -> None:
    status, body = call(url, "/v1/score", VALID, token=token)
    assert status == 200 and body["rewards"][name] == [2.0, 1.0], body
    assert call(url, "/healthz")[0] == 200


LEN = {"name": "attack_rewards:length", "log_name": "len"}


def test_idle_sockets_past_the_open_file_limit_do_not_lock_trainers_out(tmp_path, call):
    # 256 open files: the server keeps at most 128 connections and closes the idle ones first
    with attack_server(tmp_path, [LEN], "--header-timeout", "2", nofile=256) as (url, process):
        host, port = url.split("//")[1].rsplit(":", 1)
        idle = []
        try:
            for _ in range(300):  # more than the server's whole open-file limit, sending nothing
                idle.append(socket.create_connection((host, int(port)), timeout=30))
            still_serves(url, call)
            connections = call(url, "/v1/stats")[1]["connections"]
            assert connections["max"] == 128 and connections["evicted_idle"] >= 300 - 128
            assert connections["open"] <= 128
            # a socket that sends nothing is closed: the ones kept get a typed 408 (--header-timeout)
            last = idle[-1]
            received = b""
            while chunk := last.recv(4096):
                received += chunk
            assert received.startswith(b"HTTP/1.1 408") and b'"RequestTimeout"' in received
        finally:
            for sock in idle:
                sock.close()
        still_serves(url, call)
        assert process.poll() is None


def test_a_reward_that_exits_or_is_interrupted_fails_only_its_rows(tmp_path, call):
    spec = [LEN, {"name": "attack_rewards:exits", "log_name": "exits"},
            {"name": "attack_rewards:interrupts", "log_name": "interrupts"}]
    with attack_server(tmp_path, spec) as (url, process):
        for _ in range(2):
            status, body = call(url, "/v1/score", VALID)
            assert status == 200, body
            assert body["rewards"] == {"len": [2.0, 1.0], "exits": [None, None], "interrupts": [None, None]}
            assert body["metrics"]["exits/failed_rows"] == 2.0 and body["metrics"]["interrupts/failed_rows"] == 2.0
        still_serves(url, call)
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert "SystemExit" in process.stderr.read()


def test_a_hung_reward_times_out_reports_unhealthy_and_does_not_hold_sigterm(tmp_path, call):
    spec = [LEN, {"name": "attack_rewards:hang", "log_name": "hang"},
            {"name": "attack_rewards:async_hang", "log_name": "async_hang"}]
    with attack_server(tmp_path, spec, "--reward-timeout", "1", "--drain-timeout", "1") as (url, process):
        status, body = call(url, "/v1/score", VALID)
        assert status == 200 and body["rewards"] == {"len": [2.0, 1.0], "hang": [None, None],
                                                     "async_hang": [None, None]}
        # the sync reward's thread cannot be interrupted: the server says so, and fails its rows at once
        status, health = call(url, "/healthz")
        assert status == 503 and health["status"] == "unhealthy" and health["stuck"] == ["hang"]
        status, body = call(url, "/v1/score", VALID)
        assert status == 200 and body["rewards"]["len"] == [2.0, 1.0] and body["rewards"]["hang"] == [None, None]
        stats = call(url, "/v1/stats")[1]
        assert stats["stuck_rewards"] == ["hang"] and stats["timed_out_rewards"] >= 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 1
        out = process.stdout.read()
        assert "hang still in a call on their thread, abandoned" in out, out


def test_sigterm_is_not_held_by_a_body_that_never_arrives(tmp_path, call):
    with attack_server(tmp_path, [LEN], "--token-env", "TOK", env={"TOK": "t0k"}) as (url, process):
        host, port = url.split("//")[1].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(f"POST /v1/score HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer t0k\r\n"
                         "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"compl".encode())
            still_serves(url, call, token="t0k")
            process.send_signal(signal.SIGTERM)  # the drain timeout is 600 s; the body never comes
            assert process.wait(60) == 0
        out = process.stdout.read()
        assert "1 request(s) whose body had not arrived were dropped" in out, out


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_body_bomb_is_refused_before_it_is_built(tmp_path, call):
    with attack_server(tmp_path, [LEN], "--max-body-mb", "24") as (url, process):
        still_serves(url, call)
        before = _peak_rss_mb(process.pid)
        # 22 MB of `{}` in an extra column: json.loads would build 7 M dicts (~500 MB)
        bomb = b'{"completions":["ab","c"],"columns":{"x":[' + b"{}," * 7_000_000 + b'{}]}}'
        status, body = call(url, "/v1/score", raw=bomb)
        assert status == 413 and body["error"]["type"] == "PayloadTooLargeError", body
        assert "--max-json-values" in body["error"]["message"]
        # the body itself (22 MB) and its buffer, nothing like the 500 MB of dicts
        assert _peak_rss_mb(process.pid) - before < 120
        # nesting 100,000 deep is a typed 400, not a 500 with a traceback
        status, body = call(url, "/v1/score", raw=b"[" * 100_000 + b"]" * 100_000)
        assert status == 400 and "nests" in body["error"]["message"]
        still_serves(url, call)
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert "Traceback" not in process.stderr.read()


def test_non_finite_metrics_are_dropped_and_every_protocol_answers_json(tmp_path, call):
    spec = [LEN, {"name": "attack_rewards:nan_metric", "log_name": "nan"}]
    with attack_server(tmp_path, spec) as (url, process):
        status, body = call(url, "/v1/score", VALID)
        assert status == 200, body
        assert body["rewards"]["nan"] == [1.0, 1.0]
        assert body["metrics"]["nan/ok"] == 0.5 and body["metrics"]["nan/dropped_metrics"] == 2.0
        assert "nan/x" not in body["metrics"]
        status, answer = call(url, "/get_reward", {"query": ["ab"], "labels": ["x"]})
        assert status == 200 and answer["rewards"] == [3.0]
        assert call(url, "/slime", {"prompt": "p", "response": "ab", "label": "x"}) == (200, 3.0)
        assert call(url, "/v1/stats")[1]["dropped_metrics"] == 6  # 2 a batch, 3 batches
        still_serves(url, call)
    # a fallback that is not a JSON number never starts a server
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps([LEN]))
    for flag, value in [("--fallback", "nan"), ("--max-batch", "-5"), ("--max-body-mb", "-1"),
                        ("--max-body-mb", "nan"), ("--reward-timeout", "0"), ("--max-connections", "0")]:
        refused = subprocess.run([sys.executable, "-m", "reward_core.cli", "serve", "--config", str(spec_file),
                                  "--port", "0", flag, value], capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and flag in refused.stderr, (flag, value, refused.stderr)


def test_a_timed_out_client_and_its_retries_are_scored_once(tmp_path, call):
    spec = [{"name": "attack_rewards:counted", "log_name": "counted"}]
    with attack_server(tmp_path, spec) as (url, process):
        rewards = reward_core.remote_rewards(url, timeout=1, retries=2, backoff=0.05)
        (fn,) = rewards.reward_funcs
        results = []

        def trainer_step():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results.append(asyncio.run(fn(prompts=["p", "q"], completions=["ab", "c"])))

        step = threading.Thread(target=trainer_step)
        step.start()
        # the first try times out while the reward runs; a retry joins the same scoring
        wait_for(lambda: call(url, "/v1/stats")[1]["deduplicated_requests"] >= 1, "a retry joined the scoring")
        (tmp_path / "gate").touch()
        step.join(DEADLINE)
        assert results and results[0] in ([1.0, 1.0], [None, None])
        assert (tmp_path / "calls").read_text().count("call") == 1  # the judge is billed once
        status, body = call(url, "/v1/score", VALID)
        assert status == 200 and body["rewards"]["counted"] == [1.0, 1.0]
        # the blocking client (veRL, OpenRLHF) sends a key too: a retry of a running batch joins it
        from reward_core.serving.client import RewardClient

        before = call(url, "/v1/stats")[1]["batches"]
        RewardClient(url, timeout=1, retries=1).score(None, ["x"], {})
        assert call(url, "/v1/stats")[1]["batches"] == before + 1
        assert process.poll() is None


def test_a_client_that_goes_away_is_not_scored(tmp_path, call):
    spec = [LEN, {"name": "attack_rewards:slow", "log_name": "slow"}]
    with attack_server(tmp_path, spec) as (url, process):
        host, port = url.split("//")[1].rsplit(":", 1)
        body = json.dumps(VALID).encode()
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(f"POST /v1/score HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            wait_for((tmp_path / "started").exists, "the slow reward started")
        # the client is gone: the server cancels the batch instead of finishing it
        wait_for(lambda: call(url, "/v1/stats")[1]["cancelled_batches"] >= 1, "the batch was cancelled")
        stats = call(url, "/v1/stats")[1]
        assert stats["abandoned_requests"] >= 1 and stats["in_flight"] == 0 and stats["batches"] == 0
        assert not (tmp_path / "finished").exists()
        assert call(url, "/healthz")[0] == 200


def test_browsers_are_refused_by_host_origin_and_content_type(tmp_path, call):
    with attack_server(tmp_path, [LEN], "--allowed-host", "rm.internal") as (url, process):
        body = json.dumps(VALID).encode()
        json_type = {"Content-Type": "application/json"}
        # DNS rebinding: the page's own name in Host
        status, _, answer = request(url, "GET", "/v1/rewards", headers={"Host": "evil.example:80"})
        assert status == 403 and json.loads(answer)["error"]["type"] == "ForbiddenHost"
        status, _, answer = request(url, "POST", "/v1/score", body,
                                    {**json_type, "Origin": "http://evil.example"})
        assert status == 403 and json.loads(answer)["error"]["type"] == "ForbiddenOrigin"
        # no-cors POSTs: no Content-Type, text/plain, a multipart boundary named json
        for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "multipart/form-data; boundary=json"},
                        {"Content-Type": "application/x-www-form-urlencoded"}):
            status, _, answer = request(url, "POST", "/v1/score", body, headers)
            assert status == 415 and json.loads(answer)["error"]["type"] == "BadRequestError", headers
        assert call(url, "/v1/stats")[1]["batches"] == 0
        # an allowed name, and JSON with its charset
        status, _, answer = request(url, "POST", "/v1/score", body,
                                    {"Content-Type": "application/json; charset=utf-8", "Host": "rm.internal:1"})
        assert status == 200 and json.loads(answer)["rewards"]["len"] == [2.0, 1.0]
        still_serves(url, call)


def test_smaller_ones(tmp_path, call):
    spec = [LEN, {"name": "attack_rewards:judge_like", "log_name": "judge",
                  "params": {"base_url": "https://user:pw@judge.example/v1?api_key=sk-1&region=eu",
                             "api_key": "sk-2", "max_tokens": 8}}]
    # a token with a trailing newline in $REWARD_CORE_SERVE_TOKEN (as `$(cat file)` or a secret mount gives)
    with attack_server(tmp_path, spec, env={"REWARD_CORE_SERVE_TOKEN": "t0k\n"}) as (url, process):
        status, body = call(url, "/v1/score", VALID, token="t0k")
        assert status == 200 and body["rewards"]["len"] == [2.0, 1.0]
        # a column named self: a 400, not every reward failed
        status, body = call(url, "/v1/score", {**VALID, "columns": {"self": [1, 2]}}, token="t0k")
        assert status == 400 and "reserved" in body["error"]["message"]
        # credentials in params are not served
        status, described = call(url, "/v1/rewards", token="t0k")
        params = described["rewards"][1]["params"]
        assert params == {"base_url": "https://***@judge.example/v1?api_key=***&region=eu", "api_key": "***",
                          "max_tokens": 8}
        assert "sk-1" not in json.dumps(described) and "pw@" not in json.dumps(described)
        # 404 before authentication lists nothing; after it, no echo of a 100 KB path
        status, body = call(url, "/x" * 50_000)
        assert status == 401 and "/v1/score" not in body["error"]["message"]
        status, body = call(url, "/x" * 50_000, token="t0k")
        assert status == 404 and len(body["error"]["message"]) < 500
        # every other method, OPTIONS *, HEAD, a malformed request line: typed JSON
        auth = {"Authorization": "Bearer t0k"}
        for method, path in [("PUT", "/v1/score"), ("DELETE", "/v1/score"), ("OPTIONS", "/v1/score"),
                             ("PATCH", "/healthz")]:
            status, headers, answer = request(url, method, path, headers=auth)
            assert status == 405 and json.loads(answer)["error"]["type"] == "MethodNotAllowed", (method, answer)
            assert headers["content-type"] == "application/json"
        status, headers, answer = request(url, "HEAD", "/v1/score", headers=auth)
        assert status == 405 and headers["content-type"] == "application/json" and answer == b""
        status, _, answer = request(url, "OPTIONS", "*", headers=auth)
        assert status == 404 and json.loads(answer)["error"]["type"] == "NotFound"
        status, headers, answer = raw(url, b"GARBAGE\r\n\r\n")
        assert status == 400 and json.loads(answer)["error"]["type"] == "BadRequestError"
        status, body = call(url, "/v1/score", VALID, token="t0k")
        assert status == 200 and process.poll() is None
