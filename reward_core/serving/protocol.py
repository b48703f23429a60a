"""uvicorn's HTTP/1.1 protocol (h11) with the connection limits a shared server needs and uvicorn lacks.

uvicorn bounds a keep-alive connection's idle time after a response (`timeout_keep_alive`), a request's
headers' size (h11's `max_incomplete_event_size`) and the time shutdown waits (`timeout_graceful_shutdown`);
this server uses all three. It has no timeout for a connection that never sends a request, nor for a request
whose headers or body trickle in, and its `limit_concurrency` counts idle connections, so a thousand idle
sockets would answer every trainer 503. Here, per connection:

- the request's headers must arrive within `header_timeout` seconds of the connection opening (or of its
  first byte after a keep-alive pause); its body within `body_timeout` seconds of the headers; else the
  connection is closed (a 408 when no request has started);
- at most `max_connections` are open: past it, the connection idle the longest (no request in progress)
  is closed to make room, so idle sockets can never lock a trainer out; when every connection has a
  request in progress, the new one is answered a typed 503 with `Retry-After` and closed;
- on shutdown, a connection whose request has not fully arrived is closed at once (it would otherwise hold
  the drain for `--drain-timeout`), and counted;
- a malformed request line or header gets the typed JSON 400 every other error has.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ConnectionLimits", "limited_protocol", "DEFAULT_HEADER_TIMEOUT", "DEFAULT_BODY_TIMEOUT"]

log = logging.getLogger("reward_core.serving")

#: Seconds a request's headers may take to arrive (`--header-timeout`).
DEFAULT_HEADER_TIMEOUT = 10.0
#: Seconds a request's body may take to arrive after its headers (`--body-timeout`).
DEFAULT_BODY_TIMEOUT = 120.0


@dataclass
class ConnectionLimits:
    """The limits, and what they did (`counts()`, shown in `/v1/stats`)."""

    max_connections: int
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    evicted_idle: int = 0
    refused_busy: int = 0
    header_timeouts: int = 0
    body_timeouts: int = 0
    dropped_at_shutdown: int = 0
    malformed: int = 0
    connections: set = field(default_factory=set, repr=False)

    def counts(self) -> dict[str, int]:
        return {"open": len(self.connections), "max": self.max_connections, "evicted_idle": self.evicted_idle,
                "refused_busy": self.refused_busy, "header_timeouts": self.header_timeouts,
                "body_timeouts": self.body_timeouts, "dropped_at_shutdown": self.dropped_at_shutdown,
                "malformed_requests": self.malformed}


def _raw_response(status: int, reason: str, kind: str, message: str, extra: str = "") -> bytes:
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"{extra}connection: close\r\n\r\n").encode() + body


class LimitedH11Protocol(H11Protocol):
    limits: ConnectionLimits  # set on the subclass `limited_protocol` makes

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._timer: asyncio.TimerHandle | None = None
        self._timer_kind = ""
        self._idle_since = self.loop.time()
        limits = self.limits
        limits.connections.add(self)
        if len(limits.connections) > limits.max_connections and not self._evict_idle():
            limits.refused_busy += 1
            transport.write(_raw_response(
                503, "Service Unavailable", "ServiceUnavailable",
                f"every one of this server's {limits.max_connections} connections has a request in progress "
                "(--max-connections); retry shortly", "retry-after: 1\r\n"))
            transport.close()
            return
        self._arm("header", limits.header_timeout)

    def _idle(self) -> bool:
        """No request in progress: waiting for one (fresh, or kept alive after a response)."""
        return self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)

    def _evict_idle(self) -> bool:
        candidates = [c for c in self.limits.connections if c is not self and c._idle()
                      and not c.transport.is_closing()]
        if not candidates:
            return False
        oldest = min(candidates, key=lambda c: c._idle_since)
        self.limits.evicted_idle += 1
        oldest._close()
        return True

    def _close(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.close()

    def _arm(self, kind: str, seconds: float) -> None:
        if self._timer_kind == kind:
            return
        self._disarm()
        self._timer_kind = kind
        self._timer = self.loop.call_later(seconds, self._expired, kind)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_kind = None, ""

    def _expired(self, kind: str) -> None:
        self._timer, self._timer_kind = None, ""
        if self.transport.is_closing():
            return
        limits = self.limits
        if kind == "header":
            limits.header_timeouts += 1
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(_raw_response(
                    408, "Request Timeout", "RequestTimeout",
                    f"no complete request headers within {limits.header_timeout:g} s (--header-timeout)"))
        else:
            limits.body_timeouts += 1
            log.warning("closed a connection whose request body did not arrive within %g s (--body-timeout)",
                        limits.body_timeout)
        self.transport.close()

    def _track(self) -> None:
        """Arm the timer the request's state calls for: headers, body, or none once it has fully arrived."""
        state = self.conn.their_state
        if state is h11.IDLE:
            if self.conn.trailing_data[0]:  # bytes of the next request have arrived
                self._arm("header", self.limits.header_timeout)
        elif state is h11.SEND_BODY:
            self._arm("body", self.limits.body_timeout)
        else:
            self._disarm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.transport.is_closing():
            self._track()

    def on_response_complete(self) -> None:
        self._idle_since = self.loop.time()
        super().on_response_complete()
        if not self.transport.is_closing():
            self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.limits.connections.discard(self)
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete and \
                self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            self.limits.dropped_at_shutdown += 1  # its body never arrived: nothing to finish
            self._close()
            return
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        self.limits.malformed += 1
        self.transport.write(_raw_response(400, "Bad Request", "BadRequestError",
                                           f"malformed HTTP request: {msg}"))
        self.transport.close()


def limited_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """The protocol class to give `uvicorn.Config(http=...)`, bound to `limits`."""
    return type("RewardServerProtocol", (LimitedH11Protocol,), {"limits": limits})
