"""The judge's HTTP clients (one per reward instance and event loop) and how their failures are classified.

Two clients with one interface, ``await client.complete(body) -> dict`` and ``await client.close()``:

- `AioHttpChatClient` (``http_transport="aiohttp"``, the default) posts chat completions with one pooled
  aiohttp session, at a fraction of the OpenAI SDK client's CPU per request (the README has figures).
  Per-request CPU is what bounds a judge's throughput.
- `OpenAIChatClient` (``http_transport="openai"``) goes through the official `AsyncOpenAI` client.

Imported only when a judge reward is constructed.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import time
import urllib.parse
import urllib.request
from typing import Any, Protocol

import aiohttp
import openai
import yarl

#: Values of the `http_transport` param.
TRANSPORTS = ("aiohttp", "openai")

_OPENAI_API = "https://api.openai.com/v1"


class JudgeOutputError(ValueError):
    """The judge answered, but not with something we can use (no content, no score, not a number)."""


class JudgeHTTPError(Exception):
    """The judge answered with an HTTP error status."""

    def __init__(self, status: int, retry_after: float | None, body: bytes) -> None:
        super().__init__(f"HTTP {status} from the judge: {body[:200].decode('utf-8', 'replace')}")
        self.status = status
        self.retry_after = retry_after


class ChatClient(Protocol):
    async def complete(self, body: dict[str, Any]) -> Any: ...

    async def close(self) -> None: ...


def environment_proxy(url: str) -> str | None:
    """The proxy that the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``) sets for `url`, if any."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def default_base_url(base_url: str | None) -> str:
    """`base_url`, else ``OPENAI_BASE_URL``, else OpenAI's API: the OpenAI SDK's own resolution."""
    return (base_url or os.environ.get("OPENAI_BASE_URL") or _OPENAI_API).rstrip("/")


class AioHttpChatClient:
    """POSTs to ``<base_url>/chat/completions`` over one aiohttp session with `connections` pooled connections.

    Build it on the event loop that will use it: the session belongs to that loop.
    """

    def __init__(self, base_url: str | None, api_key: str, timeout: float, connections: int) -> None:
        self.url = yarl.URL(default_base_url(base_url) + "/chat/completions")  # parsed once, not per request
        self._session = aiohttp.ClientSession(
            # Every request in flight holds one connection, all kept alive between batches.
            connector=aiohttp.TCPConnector(limit=connections),
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
            # The timeout also covers waiting for a pooled connection.
            timeout=aiohttp.ClientTimeout(total=timeout),
            # The environment's proxy (HTTPS_PROXY, NO_PROXY), as the OpenAI SDK uses, looked up once:
            # trust_env=True would look it up, and read ~/.netrc, in a worker thread on every request.
            proxy=environment_proxy(str(self.url)),
            cookie_jar=aiohttp.DummyCookieJar(),  # a judge API sets no cookies worth keeping
        )

    async def complete(self, body: dict[str, Any]) -> Any:
        async with self._session.post(self.url, data=json.dumps(body).encode()) as response:
            raw = await response.read()
            if response.status >= 400:
                raise JudgeHTTPError(response.status, retry_after(response.headers), raw)
        try:
            return json.loads(raw)
        except ValueError:
            raise JudgeOutputError(f"the judge's reply is not JSON: {raw[:200]!r}") from None

    async def close(self) -> None:
        await self._session.close()


class OpenAIChatClient:
    """The official `AsyncOpenAI` client (httpx), behind the same interface."""

    def __init__(self, base_url: str | None, api_key: str, timeout: float) -> None:
        # max_retries=0: the reward retries itself, with its own policy, circuit breaker and metrics.
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)

    async def complete(self, body: dict[str, Any]) -> Any:
        # The low-level post skips the typed request transform of chat.completions.create (about a third
        # of the SDK's CPU per call), keeping its connection pool, auth and status errors.
        return await self.client.post("/chat/completions", body=body, cast_to=object)

    async def close(self) -> None:
        await self.client.close()


def make_client(transport: str, base_url: str | None, api_key: str, timeout: float, connections: int) -> ChatClient:
    """A chat-completions client over `transport`, `timeout` seconds per request; call it on its loop."""
    if transport == "aiohttp":
        return AioHttpChatClient(base_url, api_key, timeout, connections)
    if transport == "openai":
        return OpenAIChatClient(base_url, api_key, timeout)
    raise ValueError(f"unknown http_transport {transport!r}; choose one of {TRANSPORTS}")


def classify(exc: BaseException) -> tuple[str, bool, float | None]:
    """(kind, retryable, retry-after seconds) for an exception raised by one judge call."""
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, openai.APITimeoutError)):
        return "timeout", True, None
    if isinstance(exc, (aiohttp.ClientError, openai.APIConnectionError)):
        return "connection", True, None
    if isinstance(exc, JudgeHTTPError):
        status, after = exc.status, exc.retry_after
    elif isinstance(exc, openai.APIStatusError):
        status, after = exc.status_code, retry_after(exc.response.headers if exc.response is not None else {})
    elif isinstance(exc, (openai.APIResponseValidationError, JudgeOutputError, ValueError, KeyError, TypeError)):
        # A judge model's output varies from call to call: a malformed answer is worth another try.
        return "invalid_output", True, None
    else:
        return type(exc).__name__, False, None
    if status == 429:
        return "rate_limited", True, after
    if status >= 500 or status in (408, 409):
        return f"http_{status}", True, after
    return f"http_{status}", False, None


def retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (seconds or an HTTP date), if present."""
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        value = headers.get("retry-after")
    except (AttributeError, ValueError):
        return None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
