"""The ASGI app of the reward server (starlette's requests and responses): every endpoint, the token, the
Host/Origin and Content-Type checks, bounded bodies, one scoring per idempotency key.

| method, path | auth | takes | answers |
|---|---|---|---|
| GET `/healthz` | no | — | `{"status": "ok"}`: liveness, answered even during a long batch; 503 `{"status": "unhealthy", "stuck": [...]}` while a sync reward's thread is stuck past `--reward-timeout` |
| GET `/v1/rewards` | token | — | the spec's manifest (`LoadedRewards.manifest()`: per reward its name, pinned name, log name, weight, params, distribution and version; credentials in params redacted) plus `scoring` (async, score range per log name) |
| GET `/v1/manifest` | token | — | the same (an alias) |
| GET `/v1/stats` | token | — | batches, rows, in-flight, failed, cancelled and deduplicated batches, stuck rewards, connections |
| POST `/v1/score` | token | `{"completions", "prompts"?, "columns"?}` | `{"rewards": {log name: [...]}, "reward", "weights", "metrics"}` |
| POST `/get_reward` | token | OpenRLHF's `{"query", "prompts", "labels"}` | `{"rewards", "scores", "extra_logs"}` |
| POST `/slime` | token | slime's `{"prompt", "response", "label"}` | a bare number |

Security, because a reward server is reachable by anyone who can reach its port (OpenRLHF's serve_rm.py binds
0.0.0.0 with no authentication, OpenRLHF issue #1317): every endpoint but `/healthz` needs
`Authorization: Bearer <token>` when the server has a token (compared in constant time), and answers only a
`Host` (and a browser's `Origin`) in `allowed_hosts`, so a web page cannot reach a loopback server through
DNS rebinding; a body must be `Content-Type: application/json` exactly, which a browser's no-cors POST cannot
send; a body over `max_body` bytes is refused (413) as soon as it is, and one over `max_values` JSON values
before it is built (`jsonbody`); clients choose no reward, parameter or import path; every error is typed
JSON, never a traceback.

A POST with an `Idempotency-Key` header (`remote_rewards` sends one per batch, the same on each retry) is
scored once: a retry while the first is running waits for the same scoring, and one within
`idempotency_ttl` seconds after it gets the same answer. A request whose client goes away is cancelled
(with a key, once no request waits on it for `orphan_grace` seconds, so that a retry can still take it).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import math
import urllib.parse
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from . import accuracy, extra_logs, openrlhf, slime
from .errors import BadRequestError, PayloadTooLargeError, ServingError
from .jsonbody import DEFAULT_MAX_VALUES, Reader
from .service import RewardService

__all__ = ["create_app", "Endpoints", "JSON", "DEFAULT_MAX_BODY", "LOOPBACK_HOSTS", "default_allowed_hosts"]

log = logging.getLogger("reward_core.serving")

#: Largest request body accepted (`--max-body-mb`), in bytes.
DEFAULT_MAX_BODY = 64 * 1024 * 1024
#: The names a loopback server answers to by default.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Seconds a finished keyed scoring stays available to a retry.
IDEMPOTENCY_TTL = 60.0
#: Seconds a keyed scoring goes on with no request waiting on it (a retry is on its way), before it is cancelled.
ORPHAN_GRACE = 30.0


class JSON(JSONResponse):
    """A JSON response that is always valid JSON: a non-finite float anywhere is sent as null (and logged)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except ValueError:
            log.warning("an answer held a non-finite number; sent as null")
            return super().render(_finite(content))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> JSON:
    return JSON({"error": {"type": kind, "message": message}}, status_code=status, headers=headers)


def _short(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def default_allowed_hosts(host: str, extra: list[str] | tuple[str, ...] = ()) -> frozenset[str] | None:
    """The `Host` names a server bound to `host` answers: loopback names for a loopback bind, the address
    itself for another one, any for a wildcard bind (0.0.0.0, ::), which needs a token; plus `extra`
    (`--allowed-host`; `*`: any). None means any."""
    names = {h.strip().lower().strip("[]") for h in extra if h.strip()}
    if "*" in names:
        return None
    host = host.strip("[]").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        return frozenset(names) or None
    if host == "localhost" or (address is not None and address.is_loopback):
        return frozenset(names | LOOPBACK_HOSTS | {host})
    return frozenset(names | {host})


def _host_name(value: str) -> str:
    """The host of a `Host` header (`name:port`, `[v6]:port`), lower-case, without the port."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class _Run:
    __slots__ = ("digest", "task", "waiters", "orphan", "expires")

    def __init__(self, digest: bytes | None, task: asyncio.Task) -> None:
        self.digest = digest
        self.task = task
        self.waiters = 0
        self.orphan: asyncio.TimerHandle | None = None
        self.expires = math.inf


class Endpoints:
    """The endpoints as plain `async (Request) -> Response` methods, shared by starlette and Ray Serve."""

    def __init__(
        self,
        service: RewardService,
        *,
        token: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        max_values: int = DEFAULT_MAX_VALUES,
        label_column: str = "answer",
        fallback: float = 0.0,
        allowed_hosts: frozenset[str] | set[str] | None = None,
        watch_disconnect: bool = True,
        idempotency_ttl: float = IDEMPOTENCY_TTL,
        orphan_grace: float = ORPHAN_GRACE,
        connection_stats: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        from .errors import ServeConfigError

        if not math.isfinite(fallback):
            raise ServeConfigError(f"the fallback score must be a finite number (OpenRLHF and slime read it as "
                                   f"JSON), got {fallback}")
        self.service = service
        self.token = token
        self.reader = Reader(max_body, max_values)
        self.max_body = max_body
        self.label_column = label_column
        self.fallback = fallback
        # the reward whose scores OpenRLHF's `scores` carry ($REWARD_CORE_SCORES_FROM; a wrong name fails here)
        self.scores_from = accuracy.source(service)
        self.reason_codes = extra_logs.vocabulary(service)
        self.allowed_hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
        self.watch_disconnect = watch_disconnect
        self.idempotency_ttl = idempotency_ttl
        self.orphan_grace = orphan_grace
        self.connection_stats = connection_stats
        self._runs: dict[tuple[str, str], _Run] = {}
        self.deduplicated = 0
        self.abandoned = 0
        self.refused_hosts = 0
        self.routes: dict[tuple[str, str], tuple[Callable[[Request], Awaitable[Response]], bool]] = {
            ("GET", "/healthz"): (self.healthz, False),
            ("GET", "/v1/rewards"): (self.rewards, True),
            ("GET", "/v1/manifest"): (self.rewards, True),
            ("GET", "/v1/stats"): (self.stats, True),
            ("POST", "/v1/score"): (self.score, True),
            ("POST", "/get_reward"): (self.openrlhf, True),
            ("POST", "/slime"): (self.slime, True),
        }
        self._paths = {path: needs_auth for (_, path), (_, needs_auth) in self.routes.items()}

    # -- dispatch (host, auth and errors around every endpoint) -----------------------------------------
    async def dispatch(self, request: Request) -> Response:
        path = request.scope.get("path", "")
        path = path.rstrip("/") or "/"
        route = self.routes.get((request.method, path))
        if path != "/healthz":
            refused = self._refused_origin(request)
            if refused is not None:
                return refused
        needs_auth = route[1] if route is not None else self._paths.get(path, True)
        if needs_auth and not self._authorized(request):
            return _error(401, "Unauthorized", "missing or wrong token: send 'Authorization: Bearer <token>' "
                          "(the token the server was started with)")
        if route is None:
            shown = _short(path, 100)
            if path in self._paths:
                allowed = ", ".join(sorted(m for m, p in self.routes if p == path))
                return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {shown} ({allowed} is)",
                              headers={"Allow": allowed})
            paths = ", ".join(sorted({f"{m} {p}" for m, p in self.routes}))
            return _error(404, "NotFound", f"no endpoint {shown}; this server has: {paths}")
        handler = route[0]
        try:
            return await handler(request)
        except ServingError as exc:
            return _error(exc.status, type(exc).__name__, str(exc))
        except ClientDisconnect:
            self.abandoned += 1
            return _error(400, "ClientDisconnected", "the client went away before its request was scored")
        except Exception as exc:  # a reward failed: name it, keep the traceback in the server's log
            log.exception("batch failed on %s", path)
            notes = " ".join(getattr(exc, "__notes__", []))
            return _error(500, type(exc).__name__, f"{_short(str(exc))} {notes}".strip())

    def _refused_origin(self, request: Request) -> Response | None:
        if self.allowed_hosts is None:
            return None
        host = _host_name(request.headers.get("host", ""))
        origin = request.headers.get("origin")
        if host not in self.allowed_hosts:
            self.refused_hosts += 1
            return _error(403, "ForbiddenHost", f"this server does not answer to Host {_short(host, 100)!r}: "
                          "start it with --allowed-host NAME to add a name")
        if origin is not None and _host_name(urllib.parse.urlsplit(origin).netloc) not in self.allowed_hosts:
            self.refused_hosts += 1
            return _error(403, "ForbiddenOrigin", f"requests from the web origin {_short(origin, 100)!r} are refused")
        return None

    def _authorized(self, request: Request) -> bool:
        if not self.token:
            return True
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    async def _json(self, request: Request, digest: bool = False) -> tuple[Any, bytes | None]:
        ctype = request.headers.get("content-type")
        media, _, params = (ctype or "").partition(";")
        charset = params.strip().lower().replace(" ", "")
        if media.strip().lower() != "application/json" or charset not in ("", "charset=utf-8"):
            raise BadRequestError(f"send JSON with 'Content-Type: application/json', got "
                                  f"{_short(ctype, 100)!r}" if ctype else "send JSON with 'Content-Type: "
                                  "application/json' (the request has no Content-Type)", status=415)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            raise PayloadTooLargeError(f"body of {declared} bytes; this server takes at most {self.max_body}")
        return await self.reader.read(request.stream(), digest)

    async def _scored(self, request: Request, digest: bytes | None, prompts: Any, completions: Any,
                      columns: Any) -> dict[str, Any]:
        """The service's answer to the batch, once per idempotency key, cancelled when no client waits."""
        batch = self.service.batch(prompts, completions, columns)
        key = request.headers.get("idempotency-key")
        if not key:
            return await self._unless_gone(request, asyncio.ensure_future(self.service.score(batch)), cancel=True)
        if len(key) > 200:
            raise BadRequestError("Idempotency-Key is longer than 200 characters")
        loop = asyncio.get_running_loop()
        self._expire(loop.time())
        scope_key = (request.scope.get("path", ""), key)
        run = self._runs.get(scope_key)
        if run is not None and run.task.cancelled():
            run = None
        if run is None:
            run = _Run(digest, asyncio.ensure_future(self.service.score(batch)))
            self._runs[scope_key] = run
            run.task.add_done_callback(lambda _: setattr(run, "expires", loop.time() + self.idempotency_ttl))
        elif run.digest != digest:
            raise BadRequestError("this Idempotency-Key was sent with another body; use one key per batch",
                                  status=422)
        else:
            self.deduplicated += 1
        run.waiters += 1
        if run.orphan is not None:
            run.orphan.cancel()
            run.orphan = None
        try:
            return await self._unless_gone(request, run.task, cancel=False)
        finally:
            run.waiters -= 1
            if run.waiters == 0 and not run.task.done():
                run.orphan = loop.call_later(self.orphan_grace, run.task.cancel)

    def _expire(self, now: float) -> None:
        for scope_key in [k for k, run in self._runs.items() if run.expires < now]:
            del self._runs[scope_key]

    async def _unless_gone(self, request: Request, work: asyncio.Future, cancel: bool) -> Any:
        """`work`'s result, unless the client disconnects first (then `ClientDisconnect`; `work` is cancelled
        when `cancel`)."""
        if not self.watch_disconnect:
            return await (work if cancel else asyncio.shield(work))
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            if cancel:
                work.cancel()
            raise
        finally:
            gone.cancel()
        if work.done():
            return work.result()
        if cancel:
            work.cancel()
        raise ClientDisconnect()

    # -- endpoints -------------------------------------------------------------------------------------
    async def healthz(self, request: Request) -> Response:
        stuck = self.service.stuck()
        if stuck:
            return JSON({"status": "unhealthy", "rewards": len(self.service.log_names), "stuck": stuck,
                         "message": "a reward's thread is stuck in a call past --reward-timeout: restart the "
                                    "server"}, status_code=503)
        return JSON({"status": "ok", "rewards": len(self.service.log_names)})

    async def rewards(self, request: Request) -> Response:
        return JSON(self.service.describe())

    async def stats(self, request: Request) -> Response:
        stats = {**self.service.stats(), "deduplicated_requests": self.deduplicated,
                 "abandoned_requests": self.abandoned, "refused_hosts": self.refused_hosts}
        if self.connection_stats is not None:
            stats["connections"] = self.connection_stats()
        return JSON(stats)

    async def score(self, request: Request) -> Response:
        body, digest = await self._json(request, digest="idempotency-key" in request.headers)
        if not isinstance(body, dict):
            raise BadRequestError("POST /v1/score takes {'completions': [...], 'prompts': [...], 'columns': {...}}")
        unknown = set(body) - {"completions", "prompts", "columns"}
        if unknown:
            raise BadRequestError(f"unknown key(s) {_short(str(sorted(unknown)), 200)}; /v1/score takes "
                                  "'completions', 'prompts' and 'columns' (per-row lists, e.g. {'answer': [...]})")
        return JSON(await self._scored(request, digest, body.get("prompts"), body.get("completions"),
                                       body.get("columns")))

    async def openrlhf(self, request: Request) -> Response:
        body, digest = await self._json(request, digest="idempotency-key" in request.headers)
        prompts, completions, columns = openrlhf.parse_request(body, self.label_column)
        result = await self._scored(request, digest, prompts, completions, columns)
        return JSON(openrlhf.build_response(result, self.fallback, self.scores_from, self.reason_codes))

    async def slime(self, request: Request) -> Response:
        body, digest = await self._json(request, digest="idempotency-key" in request.headers)
        prompts, completions, columns = slime.parse_request(body, self.label_column)
        result = await self._scored(request, digest, prompts, completions, columns)
        return JSON(slime.build_response(result, self.fallback))


async def _disconnected(request: Request) -> None:
    """Returns when the client has gone away (the body has been read: the next message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


class App:
    """The ASGI app: every request, whatever its method or path (`OPTIONS *` included), goes to `dispatch`."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        self.state = SimpleNamespace(endpoints=endpoints)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        response = await self.endpoints.dispatch(Request(scope, receive))
        await response(scope, receive, send)


def create_app(service: RewardService | Any, **options: Any) -> App:
    """The ASGI app serving `service` (a `RewardService`, or a spec to build one); options as `Endpoints`."""
    if not isinstance(service, RewardService):
        service = RewardService(service)
    return App(Endpoints(service, **options))

