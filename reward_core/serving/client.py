"""Clients of the reward server: `remote_rewards(url)` for TRL, and a synchronous client for file modules.

`remote_rewards` gives `GRPOTrainer` one async reward function per served reward (same log names, same
weights). TRL calls them one after another with the same batch; they share one `POST /v1/score` per batch.
A server that cannot be reached, times out or fails (5xx) after `retries` makes that batch's rows `None`
(TRL skips them) with a `RewardRowWarning`, so a dead server never stops training; a request the server
refuses (bad token, malformed batch: 4xx) raises `RemoteRewardError`, because retrying cannot fix it.

Retries and timeouts follow what the trainers' own remote clients do (OpenRLHF's
openrlhf/utils/remote_rm_utils.py: 180 s, 5 tries; slime's slime/rollout/rm_hub/__init__.py: 120 s, 10
tries with backoff), with shorter defaults: a reward batch that has not come back in 180 s is lost anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import threading
import time
import urllib.parse
import warnings
import weakref
from typing import Any

from ..errors import RewardRowWarning
from .errors import RemoteRewardError

__all__ = ["remote_rewards", "RemoteRewards", "SyncClient", "ENV_URL", "ENV_TOKEN"]

#: The reward server's URL, for the file modules (veRL, OpenRLHF) that take no arguments.
ENV_URL = "REWARD_CORE_URL"
#: The bearer token (the server reads the same variable).
ENV_TOKEN = "REWARD_CORE_SERVE_TOKEN"
#: TRL's helpers and state: never sent to the server.
_LOCAL_KWARGS = frozenset({"trainer_state", "log_metric", "log_extra"})
#: Statuses worth retrying: the server is overloaded, restarting or failed on this batch.
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class _Transient(Exception):
    """A failure that a retry may fix (connection refused or reset, timeout, 5xx)."""


def _headers(token: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _refused(status: int, body: bytes, url: str) -> RemoteRewardError:
    try:
        error = json.loads(body).get("error", {})
        kind, message = error.get("type"), error.get("message")
    except (ValueError, AttributeError):
        kind, message = None, body[:300].decode("utf-8", "replace")
    hint = " (set the token with token=... or $REWARD_CORE_SERVE_TOKEN)" if status == 401 else ""
    return RemoteRewardError(f"reward server {url} answered {status}: {message}{hint}", status, kind)


class SyncClient:
    """A blocking client of one reward server (`http.client`, one kept-alive connection per thread)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 180.0, retries: int = 2,
                 backoff: float = 0.5) -> None:
        parsed = urllib.parse.urlsplit(url.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise RemoteRewardError(f"reward server URL must be http(s)://host:port, got {url!r}")
        self.url = url.rstrip("/")
        self._parsed = parsed
        self.token = token if token is not None else os.environ.get(ENV_TOKEN)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._parsed.scheme == "https" else http.client.HTTPConnection
            conn = self._local.conn = cls(self._parsed.hostname, self._parsed.port, timeout=self.timeout)
        return conn

    def request(self, method: str, path: str, payload: Any = None) -> Any:
        """The parsed JSON answer; `RemoteRewardError` when refused (4xx) or when every try failed."""
        body = None if payload is None else json.dumps(payload).encode()
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            conn = self._connection()
            try:
                conn.request(method, self._parsed.path + path, body=body, headers=_headers(self.token))
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                last = exc
                continue
            if response.status == 200:
                return json.loads(data)
            if response.status in _RETRY_STATUSES:
                last = _refused(response.status, data, self.url)
                continue
            raise _refused(response.status, data, self.url)
        raise RemoteRewardError(f"reward server {self.url} failed {self.retries + 1} time(s): {last}", None,
                                type(last).__name__)

    def rewards(self) -> list[dict[str, Any]]:
        return self.request("GET", "/v1/rewards")["rewards"]

    def score(self, prompts: list | None, completions: list, columns: dict[str, Any]) -> dict[str, Any]:
        """The server's `/v1/score` answer; on a server that stays unreachable, every row None (and a warning)."""
        try:
            return self.request("POST", "/v1/score", {"prompts": prompts, "completions": completions,
                                                      "columns": columns})
        except RemoteRewardError as exc:
            if exc.status is not None:
                raise
            warnings.warn(RewardRowWarning(f"{exc}; {len(completions)} row(s) scored None"), stacklevel=2)
            return {"rewards": {}, "reward": [None] * len(completions), "metrics": {}, "failed": True}


class RemoteRewards:
    """The rewards of a reward server, for TRL: `.reward_funcs`, `.reward_weights`, `.log_names`, `.manifest()`."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 180.0, retries: int = 2,
                 backoff: float = 0.5) -> None:
        self._sync = SyncClient(url, token, timeout=timeout, retries=retries, backoff=backoff)
        self.url = self._sync.url
        try:
            self.served = self._sync.rewards()
        except RemoteRewardError as exc:
            exc.add_note(f"remote_rewards({url!r}): is `reward-core serve` running there?")
            raise
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.log_names = [r["log_name"] for r in self.served]
        self.reward_weights = [float(r["weight"]) for r in self.served]
        self.reward_funcs = [_RemoteReward(self, name) for name in self.log_names]
        self._pending: dict[tuple[int, bytes], list] = {}
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def manifest(self) -> dict[str, Any]:
        """The server's manifest: the exact rewards, params and versions this run scored with."""
        return self._sync.request("GET", "/v1/manifest")

    def write_manifest(self, path: str | os.PathLike[str]) -> Any:
        from pathlib import Path

        path = Path(path)
        if path.is_dir():
            path = path / "reward_manifest.json"
        path.write_text(json.dumps(self.manifest(), indent=2) + "\n")
        return path

    def __len__(self) -> int:
        return len(self.reward_funcs)

    # -- one request per batch, shared by the reward functions -------------------------------------------
    async def _scores(self, payload: bytes, n: int) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        key = (id(loop), hashlib.blake2b(payload, digest_size=16).digest())
        entry = self._pending.get(key)
        if entry is None:
            future = loop.create_task(self._post(payload, n))
            entry = self._pending[key] = [future, len(self.reward_funcs)]
            while len(self._pending) > 8 * max(1, len(self.reward_funcs)):  # functions TRL never called
                self._pending.pop(next(iter(self._pending)))
        entry[1] -= 1
        if entry[1] <= 0:
            self._pending.pop(key, None)
        return await asyncio.shield(entry[0])

    def _session(self) -> Any:
        import aiohttp

        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers=_headers(self._sync.token),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._sessions[loop] = session
        return session

    async def _post(self, payload: bytes, n: int) -> dict[str, Any]:
        import aiohttp

        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                async with self._session().post(self.url + "/v1/score", data=payload) as response:
                    body = await response.read()
                    if response.status == 200:
                        return json.loads(body)
                    error = _refused(response.status, body, self.url)
                    if response.status not in _RETRY_STATUSES:
                        raise error
                    last = error
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
                last = exc
        return {"rewards": {}, "reward": [None] * n, "metrics": {}, "failed": f"{type(last).__name__}: {last}"}

    async def aclose(self) -> None:
        for session in list(self._sessions.values()):
            await session.close()


class _RemoteReward:
    """One served reward as TRL's async reward function (its `__name__` is the served log name)."""

    def __init__(self, parent: RemoteRewards, name: str) -> None:
        self._parent = parent
        self.__name__ = name

    async def __call__(self, prompts: list | None = None, completions: list | None = None, **kwargs: Any) -> list:
        completions = list(completions or [])
        n = len(completions)
        columns = {
            k: v for k, v in kwargs.items()
            if k not in _LOCAL_KWARGS and isinstance(v, (list, tuple)) and len(v) == n
        }
        payload = _dumps({"prompts": list(prompts) if prompts is not None else None, "completions": completions,
                          "columns": columns})
        result = await self._parent._scores(payload, n)
        log_metric = kwargs.get("log_metric")
        failed = result.get("failed")
        if failed:
            warnings.warn(RewardRowWarning(
                f"reward {self.__name__!r}: the reward server {self._parent.url} failed after "
                f"{self._parent.retries + 1} tries ({failed}); {n} row(s) scored None"), stacklevel=2)
            if callable(log_metric):
                log_metric(f"{self.__name__}/remote_failed_rows", float(n))
            return [None] * n
        if callable(log_metric):
            prefix = self.__name__ + "/"
            for metric, value in result.get("metrics", {}).items():
                if metric.startswith(prefix):
                    log_metric(metric, value)
        return list(result["rewards"][self.__name__])

    def __repr__(self) -> str:
        return f"<remote reward {self.__name__!r} at {self._parent.url}>"


def _dumps(payload: dict[str, Any]) -> bytes:
    try:
        return json.dumps(payload).encode()
    except TypeError:  # a column that is not JSON (tensors, objects): send the others, say which were left out
        columns = payload["columns"]
        kept = {}
        for key, value in columns.items():
            try:
                json.dumps(value)
                kept[key] = value
            except TypeError:
                warnings.warn(f"remote_rewards: column {key!r} is not JSON-serialisable and is not sent", stacklevel=3)
        return json.dumps({**payload, "columns": kept}).encode()


def remote_rewards(url: str, *, token: str | None = None, timeout: float = 180.0, retries: int = 2,
                   backoff: float = 0.5) -> RemoteRewards:
    """The rewards served at `url` (`reward-core serve`), ready for TRL's `GRPOTrainer`::

        rewards = reward_core.remote_rewards("http://reward-host:8000")     # token: $REWARD_CORE_SERVE_TOKEN
        GRPOTrainer(..., reward_funcs=rewards.reward_funcs,
                    args=GRPOConfig(..., reward_weights=rewards.reward_weights))

    Asks the server for its rewards at once (a wrong URL or token raises `RemoteRewardError` here, not
    mid-training). Each batch is one request, tried `retries + 1` times; rows of a batch the server never
    answered are None (TRL skips them).
    """
    return RemoteRewards(url, token, timeout=timeout, retries=retries, backoff=backoff)
