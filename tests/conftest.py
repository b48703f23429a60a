"""Shared fixtures: real fixture distributions, pip-installed into per-scenario site directories."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import reward_core

DISTS = Path(__file__).parent / "fixtures" / "dists"
GROUPS = {
    "good": ["rc-fixture-good", "rc-fixture-heavy"],
    "broken": ["rc-fixture-broken"],
    "conflict": ["rc-fixture-conflict-a", "rc-fixture-conflict-b"],
}


@pytest.fixture(scope="session")
def fixture_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each group of fixture distributions pip-installed (real wheels, real entry points) into its own dir."""
    sites = {}
    for group, dists in GROUPS.items():
        site = tmp_path_factory.mktemp(f"site-{group}")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
             "--target", str(site), *(str(DISTS / d) for d in dists)],
            check=True,
        )
        sites[group] = site
    return sites


@pytest.fixture(autouse=True)
def _fresh_plugins() -> Iterator[None]:
    reward_core.reset_plugins()
    yield
    reward_core.reset_plugins()


@pytest.fixture
def use_plugins(monkeypatch: pytest.MonkeyPatch, fixture_sites: dict[str, Path]) -> Callable[..., None]:
    """Make fixture groups importable and load only their distributions (first-party packs are left out)."""

    def use(*groups: str) -> None:
        for group in groups:
            monkeypatch.syspath_prepend(str(fixture_sites[group]))
        reward_core.configure_plugins(allow=[d for g in groups for d in GROUPS[g]])
        reward_core.reload_plugins()

    return use


@pytest.fixture
def run_python(fixture_sites: dict[str, Path]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run code in a fresh interpreter that sees the given fixture groups; returns the finished process."""

    def run(code: str, *groups: str, env: dict[str, str] | None = None, check: bool = True):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
        full_env["PYTHONPATH"] = os.pathsep.join(str(fixture_sites[g]) for g in groups)
        if env:
            full_env.update(env)
        result = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"subprocess failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    return run


def _http_call(url: str, path: str, payload=None, *, token: str | None = None, raw: bytes | None = None,
               content_type: str = "application/json"):
    """(status, parsed JSON body) of one real HTTP request."""
    data = raw if raw is not None else (None if payload is None else json.dumps(payload).encode())
    request = urllib.request.Request(url + path, data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextlib.contextmanager
def _serve_spec(folder: Path, spec: list) -> Iterator[str]:
    """A real `reward-core serve` process for `spec` (its rewards list) on a free loopback port; yields its URL."""
    pytest.importorskip("uvicorn")
    (folder / "spec.json").write_text(json.dumps({"rewards": spec}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
    process = subprocess.Popen([sys.executable, "-m", "reward_core.cli", "serve", "--config", str(folder / "spec.json"),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        assert "reward-core serve:" in line, line + process.stderr.read()
        yield line.split(" on ")[1].split()[0]
    finally:
        process.kill()
        process.communicate(timeout=30)


@pytest.fixture(scope="session")
def serve_spec() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """`with serve_spec(folder, rewards) as url:` a real `reward-core serve` process for a list of rewards."""
    return _serve_spec


@pytest.fixture(scope="session")
def call() -> Callable[..., tuple[int, object]]:
    """`call(url, path, payload=None, *, token=None, raw=None, content_type=...)`: a real HTTP request to a
    reward server, returning (status, parsed JSON body)."""
    return _http_call
