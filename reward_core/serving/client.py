"""Clients of the reward server: `remote_rewards(url)` for TRL, and the blocking client of the file modules.

`remote_rewards` returns a real `LoadedRewards` (the same class `load_rewards` returns): one guarded async
reward function per served reward, named as on the server (so TRL logs each one), the server's weights, and a
`manifest()` asked of the server. TRL calls the functions one after another with the same batch; they share
one `POST /v1/score` per batch.

Failures: a server that cannot be reached, times out, answers 429 or fails (5xx) is tried again,
`retries` times, after an exponential backoff (`backoff`, doubled each try) or, on a 429 / 503 with a
`Retry-After` header, after the time it asks for (capped at `max_retry_after`), with the batch's
`Idempotency-Key` so that the server scores it once (a retry after a timeout joins the scoring the first
try started, or gets its answer); when every try failed,
that batch's rows are `None` (TRL skips them, it logs NaN) with a `RewardRowWarning`, so a dead server
never stops training. A request the server refuses (bad token, malformed batch: other 4xx) raises
`RemoteRewardError`, because retrying cannot fix it.

Retries and timeouts follow what the trainers' own remote clients do (OpenRLHF's
openrlhf/utils/remote_rm_utils.py: 180 s, 5 tries; slime's slime/rollout/rm_hub/__init__.py: 120 s, 10
tries with backoff), with fewer tries by default: a reward batch that has not come back is lost anyway.

Everything pickles (the `LoadedRewards`, each reward function, the client): an unpickled copy opens its own
connections (one aiohttp session per event loop, one HTTP connection per thread) on first use. The token is
not in the pickle: the copy reads it again from the environment variable (`token_env`, default
`$REWARD_CORE_SERVE_TOKEN`) of the process it runs in.
"""

from __future__ import annotations

import asyncio
import collections.abc
import datetime
import decimal
import email.utils
import fractions
import hashlib
import http.client
import json
import os
import threading
import time
import urllib.parse
import uuid
import warnings
import weakref
from typing import Any

from ..errors import RewardRowWarning
from ..reasons import Scored
from .errors import RemoteRewardError

__all__ = ["remote_rewards", "RewardClient", "SyncClient", "ENV_URL", "ENV_TOKEN"]

#: The reward server's URL, for the file modules (veRL, OpenRLHF) that take no arguments.
ENV_URL = "REWARD_CORE_URL"
#: The bearer token, when no `token_env` names another variable (the server reads the same variable).
ENV_TOKEN = "REWARD_CORE_SERVE_TOKEN"
#: TRL's helpers and state: never sent to the server.
_LOCAL_KWARGS = frozenset({"trainer_state", "log_metric", "log_extra"})
#: Statuses worth retrying: the server is overloaded, restarting or failed on this batch.
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: The header carrying a batch's key: the server scores a batch once however many times it is tried.
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: Longest wait a server's `Retry-After` may ask for, by default (seconds).
DEFAULT_MAX_RETRY_AFTER = 30.0


def _sleep_sync(seconds: float) -> None:  # module-level so tests can see the waits without timing them
    time.sleep(seconds)


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


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
    hint = " (is the token right? remote_rewards(url, token_env='VAR') reads it from $VAR, default " \
           f"${ENV_TOKEN})" if status == 401 else ""
    return RemoteRewardError(f"reward server {url} answered {status}: {message}{hint}", status, kind)


def retry_after(value: str | None, cap: float) -> float | None:
    """Seconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date), within [0, cap]; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, cap))


class RewardClient:
    """One reward server, from synchronous (`request`, `score`) and async (`ascore`) code. Pickles.

    `token_env`: the environment variable holding the bearer token (`None`: `$REWARD_CORE_SERVE_TOKEN`, if
    set); `token`: the token itself, for code that already has it (it is then pickled with the client).
    """

    def __init__(self, url: str, token_env: str | None = None, *, timeout: float = 180.0, retries: int = 2,
                 backoff: float = 0.5, max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
                 token: str | None = None) -> None:
        parsed = urllib.parse.urlsplit(url.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise RemoteRewardError(f"reward server URL must be http(s)://host:port, got {url!r}")
        if retries < 0 or timeout <= 0:
            raise RemoteRewardError(f"retries must be >= 0 and timeout > 0, got retries={retries}, timeout={timeout}")
        self.url = url.rstrip("/")
        self.token_env = token_env
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_retry_after = float(max_retry_after)
        self._explicit_token = token
        self.log_names: list[str] | None = None  # learnt from /v1/rewards or the first answer
        self._init_local()
        self.token  # a missing $token_env fails here, not at the first batch

    def _init_local(self) -> None:
        self._parsed = urllib.parse.urlsplit(self.url)
        self._token: str | None = None
        self._token_read = False
        self._local = threading.local()
        self._pending: dict[tuple[int, bytes], list] = {}
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    # -- pickling: settings only; connections, sessions and the env token are rebuilt where it is used ----
    def __getstate__(self) -> dict[str, Any]:
        keep = ("url", "token_env", "timeout", "retries", "backoff", "max_retry_after", "_explicit_token",
                "log_names")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_local()

    @property
    def token(self) -> str | None:
        if self._explicit_token is not None:
            return self._explicit_token
        if not self._token_read:
            if self.token_env:
                value = os.environ.get(self.token_env, "").strip()
                if not value:
                    raise RemoteRewardError(f"token_env={self.token_env!r}: ${self.token_env} is not set or empty; "
                                            "export the reward server's token in it")
                self._token = value
            else:
                self._token = os.environ.get(ENV_TOKEN, "").strip() or None
            self._token_read = True
        return self._token

    def _delay(self, attempt: int, wait: float | None) -> float:
        """Before try `attempt` (1-based retry): the server's Retry-After when it sent one, else the backoff."""
        if wait is not None:
            return wait
        return self.backoff * 2 ** (attempt - 1)

    def _retry_after(self, status: int, header: str | None) -> float | None:
        if status not in (429, 503):
            return None
        return retry_after(header, min(self.max_retry_after, self.timeout))

    # -- blocking ---------------------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._parsed.scheme == "https" else http.client.HTTPConnection
            conn = self._local.conn = cls(self._parsed.hostname, self._parsed.port, timeout=self.timeout)
        return conn

    def request(self, method: str, path: str, payload: Any = None) -> Any:
        """The parsed JSON answer; `RemoteRewardError` when refused (4xx) or when every try failed (status None).

        A POST carries one `Idempotency-Key` for all its tries: the server scores it once."""
        body = None if payload is None else json.dumps(payload, default=jsonable).encode()
        headers = _headers(self.token)
        if method == "POST":
            headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex
        last: Exception | None = None
        wait: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                _sleep_sync(self._delay(attempt, wait))
            wait = None
            conn = self._connection()
            try:
                conn.request(method, self._parsed.path + path, body=body, headers=headers)
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
                wait = self._retry_after(response.status, response.getheader("Retry-After"))
                continue
            raise _refused(response.status, data, self.url)
        raise RemoteRewardError(f"reward server {self.url} failed {self.retries + 1} time(s): {last}", None,
                                type(last).__name__)

    def describe(self) -> dict[str, Any]:
        """`GET /v1/rewards`: the spec's manifest (records with log name, weight, params, versions)."""
        answer = self.request("GET", "/v1/rewards")
        if not isinstance(answer, dict) or not isinstance(answer.get("rewards"), list):
            raise RemoteRewardError(f"{self.url}/v1/rewards did not answer a reward manifest; is it `reward-core serve`?")
        self.log_names = [r["log_name"] for r in answer["rewards"]]
        return answer

    def manifest(self) -> dict[str, Any]:
        """The server's manifest: the exact rewards, params and versions it scores with (`load_rewards` takes it)."""
        answer = dict(self.describe())
        answer.pop("scoring", None)
        return answer

    def failed(self, n: int, reason: str) -> dict[str, Any]:
        """The answer for a batch the server never scored: every row None, under every known log name."""
        return {"rewards": {name: [None] * n for name in self.log_names or []}, "reward": [None] * n,
                "metrics": {}, "failed": reason}

    def score(self, prompts: list | None, completions: list, columns: dict[str, Any]) -> dict[str, Any]:
        """The server's `/v1/score` answer; when every try failed, every row None (and a warning)."""
        try:
            result = self.request("POST", "/v1/score", {"prompts": prompts, "completions": completions,
                                                        "columns": columns})
        except RemoteRewardError as exc:
            if exc.status is not None:
                raise
            warnings.warn(RewardRowWarning(f"{exc}; {len(completions)} row(s) scored None"), stacklevel=2)
            return self.failed(len(completions), str(exc))
        self.log_names = list(result["rewards"])
        return result

    # -- async: one request per batch, shared by the reward functions of a `remote_rewards` -------------
    async def _session(self) -> Any:
        import aiohttp

        loop = asyncio.get_running_loop()
        held = self._sessions.get(loop)
        if held is None or held[0].closed:
            session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers=_headers(self.token),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            # An async generator suspended in its `try`: when the loop ends (`asyncio.run`, or a trainer's loop
            # calling `shutdown_asyncgens`), asyncio closes it, and its `finally` closes the session cleanly.
            closer = _close_with_loop(session)
            await closer.__anext__()
            held = self._sessions[loop] = (session, closer)
        return held[0]

    async def ascore(self, payload: bytes, n: int, sharers: int = 1) -> dict[str, Any]:
        """The answer to the `/v1/score` body `payload`; the next `sharers - 1` calls with it share the request."""
        loop = asyncio.get_running_loop()
        key = (id(loop), hashlib.blake2b(payload, digest_size=16).digest())
        entry = self._pending.get(key)
        if entry is None:
            task = loop.create_task(self._post(payload, n))
            entry = self._pending[key] = [task, sharers]
            while len(self._pending) > 8 * max(1, sharers):  # batches some function was never called on
                self._pending.pop(next(iter(self._pending)))
        entry[1] -= 1
        if entry[1] <= 0:
            self._pending.pop(key, None)
        return await asyncio.shield(entry[0])

    async def _post(self, payload: bytes, n: int) -> dict[str, Any]:
        import aiohttp

        last: Exception | None = None
        wait: float | None = None
        key = {IDEMPOTENCY_HEADER: uuid.uuid4().hex}  # one per batch, the same on every try
        for attempt in range(self.retries + 1):
            if attempt:
                await _sleep(self._delay(attempt, wait))
            wait = None
            try:
                session = await self._session()
                async with session.post(self.url + "/v1/score", data=payload, headers=key) as response:
                    body = await response.read()
                    if response.status == 200:
                        result = json.loads(body)
                        self.log_names = list(result["rewards"])
                        return result
                    error = _refused(response.status, body, self.url)
                    if response.status not in _RETRY_STATUSES:
                        raise error
                    wait = self._retry_after(response.status, response.headers.get("Retry-After"))
                    last = error
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
                last = exc
        return self.failed(n, f"{type(last).__name__}: {last}")

    async def aclose(self) -> None:
        """Close this event loop's session (the others close with their loops)."""
        held = self._sessions.pop(asyncio.get_running_loop(), None)
        if held is not None:
            await held[0].close()

    def __repr__(self) -> str:
        return f"<RewardClient {self.url}>"


async def _close_with_loop(session: Any) -> Any:
    try:
        yield
    finally:
        await session.close()


#: The blocking client the file modules use (same class; kept under its first name).
SyncClient = RewardClient


class RemoteReward:
    """One served reward as TRL's async reward function (its `__name__` is the served log name). Pickles."""

    def __init__(self, client: RewardClient, name: str, sharers: int, reason_codes: dict[str, str] | None = None) -> None:
        self.client = client
        self.sharers = sharers
        self.__name__ = name
        #: The served reward's reason codes: the guard on this side checks the reasons and logs them to TRL.
        self.reason_codes = reason_codes or {}

    async def __call__(self, prompts: list | None = None, completions: list | None = None, **kwargs: Any) -> list:
        completions = list(completions or [])
        n = len(completions)
        columns = {
            k: v for k, v in kwargs.items()
            if k not in _LOCAL_KWARGS and isinstance(v, (list, tuple)) and len(v) == n
        }
        if "environments" in columns:  # live objects (environment_factory): their state crosses, as dicts
            columns["environments"] = [environment_state(env) for env in columns["environments"]]
        payload = _dumps({"prompts": list(prompts) if prompts is not None else None, "completions": completions,
                          "columns": columns})
        result = await self.client.ascore(payload, n, self.sharers)
        log_metric = kwargs.get("log_metric")
        failed = result.get("failed")
        if failed:
            warnings.warn(RewardRowWarning(
                f"reward {self.__name__!r}: the reward server {self.client.url} failed after "
                f"{self.client.retries + 1} tries ({failed}); {n} row(s) scored None"), stacklevel=2)
            if callable(log_metric):
                log_metric(f"{self.__name__}/remote_failed_rows", float(n))
            return [None] * n
        if callable(log_metric):
            prefix = self.__name__ + "/"
            for metric, value in result.get("metrics", {}).items():
                # the reasons' shares are logged by the guard on this side, from the reasons themselves
                if metric.startswith(prefix) and "/reason/" not in metric:
                    log_metric(metric, value)
        try:
            scores = list(result["rewards"][self.__name__])
            reasons = (result.get("reasons") or {}).get(self.__name__)
            return Scored(scores, reasons) if isinstance(reasons, list) else scores
        except KeyError:
            raise RemoteRewardError(
                f"reward server {self.client.url} no longer serves {self.__name__!r} (it serves "
                f"{sorted(result['rewards'])}); it was restarted with another spec: restart the run"
            ) from None

    def __repr__(self) -> str:
        return f"<remote reward {self.__name__!r} at {self.client.url}>"


def environment_state(environment: Any) -> Any:
    """What `remote_rewards` sends of one environment: its public instance attributes that are JSON, as a dict.

    Environments are live objects (TRL's `environment_factory`); a reward on the server reads their state by
    key (`tools.environment_state` does). A dict, a number, a string or None is sent as it is.
    """
    if environment is None or isinstance(environment, (dict, str, int, float, bool)):
        return environment
    state = {}
    for key, value in getattr(environment, "__dict__", {}).items():
        if key.startswith("_"):
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError, RecursionError):
            continue
        state[key] = value
    return state


def jsonable(value: Any) -> Any:
    """`json.dumps`'s `default` in the clients: what a value that JSON has no type for is sent as.

    Trainers' datasets hold numpy (a ground truth read from parquet is a numpy scalar or array) and tensors:
    anything with `tolist()` (numpy arrays and scalars, torch tensors, pandas objects) is sent as its Python
    value, else `item()`; mappings (an OmegaConf `DictConfig`) as objects; sets, tuples and other iterables
    (a `ListConfig`) as arrays; dates as ISO strings; `Decimal` and `Fraction` as numbers; UTF-8 bytes as
    text. Anything else raises `TypeError`, as `json.dumps` does.
    """
    for method in ("tolist", "item"):
        convert = getattr(value, method, None)
        if callable(convert):
            try:
                return convert()
            except (TypeError, ValueError):
                continue
    if isinstance(value, collections.abc.Mapping):
        return {str(k) if not isinstance(k, (str, int, float, bool)) and k is not None else k: v
                for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise TypeError(f"bytes that are not UTF-8 text cannot be sent as JSON: {bytes(value)[:40]!r}") from None
    if isinstance(value, (decimal.Decimal, fractions.Fraction)):
        return float(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, collections.abc.Iterable) and not isinstance(value, (str, collections.abc.Iterator)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _dumps(payload: dict[str, Any]) -> bytes:
    try:
        return json.dumps(payload, default=jsonable).encode()
    except TypeError:  # a column that is not JSON (tensors, objects): send the others, say which were left out
        columns = payload["columns"]
        kept = {}
        for key, value in columns.items():
            try:
                json.dumps(value, default=jsonable)
                kept[key] = value
            except TypeError:
                warnings.warn(f"remote_rewards: column {key!r} is not JSON-serialisable and is not sent", stacklevel=3)
        return json.dumps({**payload, "columns": kept}, default=jsonable).encode()


def remote_rewards(url: str, token_env: str | None = None, timeout: float = 180.0, retries: int = 2, *,
                   backoff: float = 0.5, max_retry_after: float = DEFAULT_MAX_RETRY_AFTER) -> Any:
    """The rewards served at `url` (`reward-core serve`) as a `LoadedRewards`, ready for TRL's `GRPOTrainer`::

        rewards = reward_core.remote_rewards("http://reward-host:8765", token_env="RM_TOKEN")
        GRPOTrainer(..., reward_funcs=rewards.reward_funcs,
                    args=GRPOConfig(..., reward_weights=rewards.reward_weights))

    `token_env` names the environment variable holding the server's token (default: `$REWARD_CORE_SERVE_TOKEN`
    when set). Asks the server for its manifest at once (a wrong URL or token raises `RemoteRewardError`
    here, not mid-training). Each batch is one request, tried `retries + 1` times (backoff `backoff` s,
    doubled each time; a 429's `Retry-After`, up to `max_retry_after` s); each try may take `timeout` s. Rows
    of a batch the server never answered are None (TRL skips them). `manifest()` asks the server.
    """
    # deferred: the veRL and OpenRLHF file modules use this client without the plugin host that resolve loads
    from ..guard import guard
    from ..resolve import LoadedRewards, ResolvedReward

    client = RewardClient(url, token_env, timeout=timeout, retries=retries, backoff=backoff,
                          max_retry_after=max_retry_after)
    try:
        served = client.describe()
    except RemoteRewardError as exc:
        exc.add_note(f"remote_rewards({url!r}): is `reward-core serve` running there?")
        raise
    records = served["rewards"]
    rewards = []
    for record in records:
        log_name = record["log_name"]
        codes = (served.get("scoring") or {}).get(log_name, {}).get("reason_codes")
        function = RemoteReward(client, log_name, len(records), codes if isinstance(codes, dict) else None)
        rewards.append(ResolvedReward(
            name=record.get("name", log_name),
            log_name=log_name,
            weight=float(record.get("weight", 1.0)),
            # guarded on this side too (column lengths, one score per row); a refused request raises
            reward=guard(function, log_name, None, "raise"),
            entry=None,
            params=dict(record.get("params") or {}),
            on_error=record.get("on_error", "raise"),
        ))
    return LoadedRewards(tuple(rewards), source=client)
