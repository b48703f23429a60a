"""The ASGI app of the reward server (starlette): every endpoint, the token check and the size limits.

| method, path | auth | takes | answers |
|---|---|---|---|
| GET `/healthz` | no | — | `{"status": "ok"}`: liveness, answered even during a long batch |
| GET `/v1/rewards` | token | — | the spec's manifest (`LoadedRewards.manifest()`: per reward its name, pinned name, log name, weight, params, distribution and version) plus `scoring` (async, score range per log name) |
| GET `/v1/manifest` | token | — | the same (an alias) |
| GET `/v1/stats` | token | — | batches, rows, in-flight batches, failed batches |
| POST `/v1/score` | token | `{"completions", "prompts"?, "columns"?}` | `{"rewards": {log name: [...]}, "reward", "weights", "metrics"}` |
| POST `/get_reward` | token | OpenRLHF's `{"query", "prompts", "labels"}` | `{"rewards", "scores", "extra_logs"}` |
| POST `/slime` | token | slime's `{"prompt", "response", "label"}` | a bare number |

Security, because a reward server is reachable by anyone who can reach its port (OpenRLHF's serve_rm.py binds
0.0.0.0 with no authentication, OpenRLHF issue #1317): every endpoint but `/healthz` needs
`Authorization: Bearer <token>` when the server has a token (compared in constant time); a body over
`max_body` bytes is refused (413) before it is read whole; a batch over `max_batch` rows is refused (413);
only JSON is accepted (415); clients choose no reward, parameter or import path: the server scores with
the spec it was started with; errors name the problem, never a traceback.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import openrlhf, slime
from .errors import BadRequestError, PayloadTooLargeError, ServingError
from .service import RewardService

__all__ = ["create_app", "Endpoints", "DEFAULT_MAX_BODY"]

log = logging.getLogger("reward_core.serving")

#: Largest request body accepted (`--max-body-mb`), in bytes.
DEFAULT_MAX_BODY = 64 * 1024 * 1024


def _error(status: int, kind: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message, **extra}}, status_code=status)


class Endpoints:
    """The endpoints as plain `async (Request) -> Response` methods, shared by starlette and Ray Serve."""

    def __init__(
        self,
        service: RewardService,
        *,
        token: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        label_column: str = "answer",
        fallback: float = 0.0,
    ) -> None:
        self.service = service
        self.token = token
        self.max_body = max_body
        self.label_column = label_column
        self.fallback = fallback
        self.routes: dict[tuple[str, str], tuple[Callable[[Request], Awaitable[Response]], bool]] = {
            ("GET", "/healthz"): (self.healthz, False),
            ("GET", "/v1/rewards"): (self.rewards, True),
            ("GET", "/v1/manifest"): (self.rewards, True),
            ("GET", "/v1/stats"): (self.stats, True),
            ("POST", "/v1/score"): (self.score, True),
            ("POST", "/get_reward"): (self.openrlhf, True),
            ("POST", "/slime"): (self.slime, True),
        }

    # -- dispatch (auth and errors around every endpoint) ------------------------------------------------
    async def dispatch(self, request: Request) -> Response:
        path = request.url.path.rstrip("/") or "/"
        route = self.routes.get((request.method, path))
        if route is None:
            if any(p == path for _, p in self.routes):
                return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {path}")
            paths = ", ".join(sorted({f"{m} {p}" for m, p in self.routes}))
            return _error(404, "NotFound", f"no endpoint {path}; this server has: {paths}")
        handler, needs_auth = route
        if needs_auth and not self._authorized(request):
            return _error(401, "Unauthorized", "missing or wrong token: send 'Authorization: Bearer <token>' "
                          "(the token the server was started with)")
        try:
            return await handler(request)
        except ServingError as exc:
            return _error(exc.status, type(exc).__name__, str(exc))
        except Exception as exc:  # a reward failed: name it, keep the traceback in the server's log
            log.exception("batch failed on %s", path)
            notes = " ".join(getattr(exc, "__notes__", []))
            return _error(500, type(exc).__name__, f"{_short(str(exc))} {notes}".strip())

    def _authorized(self, request: Request) -> bool:
        if not self.token:
            return True
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    async def _json(self, request: Request) -> Any:
        ctype = request.headers.get("content-type", "")
        if ctype and "json" not in ctype.lower():
            raise BadRequestError(f"send JSON (Content-Type: application/json), got {ctype!r}", status=415)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            raise PayloadTooLargeError(f"body of {declared} bytes; this server takes at most {self.max_body}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise PayloadTooLargeError(f"body over {self.max_body} bytes; split the batch")
            chunks.append(chunk)
        try:
            return json.loads(b"".join(chunks))
        except ValueError as exc:
            raise BadRequestError(f"the body is not valid JSON: {exc}", status=400) from None

    # -- endpoints -------------------------------------------------------------------------------------
    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "rewards": len(self.service.log_names)})

    async def rewards(self, request: Request) -> Response:
        return JSONResponse(self.service.describe())

    async def stats(self, request: Request) -> Response:
        return JSONResponse(self.service.stats())

    async def score(self, request: Request) -> Response:
        body = await self._json(request)
        if not isinstance(body, dict):
            raise BadRequestError("POST /v1/score takes {'completions': [...], 'prompts': [...], 'columns': {...}}")
        unknown = set(body) - {"completions", "prompts", "columns"}
        if unknown:
            raise BadRequestError(f"unknown key(s) {sorted(unknown)}; /v1/score takes 'completions', 'prompts' "
                                  "and 'columns' (per-row lists, e.g. {'answer': [...]})")
        batch = self.service.batch(body.get("prompts"), body.get("completions"), body.get("columns"))
        return JSONResponse(await self.service.score(batch))

    async def openrlhf(self, request: Request) -> Response:
        prompts, completions, columns = openrlhf.parse_request(await self._json(request), self.label_column)
        result = await self.service.score(self.service.batch(prompts, completions, columns))
        return JSONResponse(openrlhf.build_response(result, self.fallback))

    async def slime(self, request: Request) -> Response:
        prompts, completions, columns = slime.parse_request(await self._json(request), self.label_column)
        result = await self.service.score(self.service.batch(prompts, completions, columns))
        return JSONResponse(slime.build_response(result, self.fallback))


def create_app(service: RewardService | Any, **options: Any) -> Starlette:
    """The starlette app serving `service` (a `RewardService`, or a spec to build one); options as `Endpoints`."""
    if not isinstance(service, RewardService):
        service = RewardService(service)
    endpoints = Endpoints(service, **options)
    methods = sorted({m for m, _ in endpoints.routes})
    app = Starlette(routes=[Route("/{path:path}", endpoints.dispatch, methods=methods)])
    app.state.endpoints = endpoints
    return app


def _short(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
