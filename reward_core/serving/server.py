"""Run the reward server with uvicorn: safe binding, the token, the listening line, graceful SIGTERM.

- Binds 127.0.0.1 by default. Any other address needs a token (`--token-file` or `$REWARD_CORE_SERVE_TOKEN`;
  never a command-line value, which `ps` shows to every user), unless `allow_unauthenticated=True`.
- Connections: at most `max_connections` (default: half the open-file limit, at most 4096; the soft limit is
  first raised to the hard one), the idle ones closed first to make room; headers within `header_timeout`,
  bodies within `body_timeout`, keep-alive for `keep_alive` seconds (`protocol.py`).
- SIGTERM or SIGINT: uvicorn stops accepting connections, closes those whose request has not fully arrived,
  lets the batches in flight finish (up to `drain_timeout` seconds, then cancels them), and the process exits:
  0 when every batch in flight finished, 1 when some were cancelled or a reward's thread was still running;
  the last line says which.
- Prints `reward-core serve: N reward(s) on http://HOST:PORT` once listening (`--port 0` picks a free port).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ServeConfigError

__all__ = ["serve", "read_token", "check_bind", "ENV_TOKEN"]

#: The bearer token clients must send, when set.
ENV_TOKEN = "REWARD_CORE_SERVE_TOKEN"


def read_token(token_file: str | os.PathLike[str] | None = None, token_env: str | None = None) -> str | None:
    """The token from `$token_env`, or `token_file` (its first line), else `$REWARD_CORE_SERVE_TOKEN`, else None."""
    if token_env:
        token = os.environ.get(token_env, "").strip()
        if not token:
            raise ServeConfigError(f"--token-env {token_env}: ${token_env} is not set or empty; export the token "
                                   "in it before starting the server")
        return token
    if token_file:
        path = Path(token_file)
        try:
            token = path.read_text().strip().splitlines()[0].strip() if path.read_text().strip() else ""
        except OSError as exc:
            raise ServeConfigError(f"cannot read the token file {str(path)!r}: {exc}") from None
        if not token:
            raise ServeConfigError(f"the token file {str(path)!r} is empty; write the token on its first line")
        return token
    return os.environ.get(ENV_TOKEN, "").strip() or None


def open_file_limit() -> int:
    """The soft limit on open files, raised to the hard limit first where the platform allows."""
    try:
        import resource
    except ImportError:  # not POSIX
        return 8192
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def default_max_connections() -> int:
    """Half the open-file limit (the other half for the rewards' own files: pools, judge connections), at most 4096."""
    return max(16, min(4096, open_file_limit() // 2))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None, allow_unauthenticated: bool = False) -> None:
    """Refuse to serve a non-loopback address without a token (see OpenRLHF issue #1317)."""
    if token or is_loopback(host) or allow_unauthenticated:
        return
    raise ServeConfigError(
        f"refusing to serve on {host!r} without a token: anyone who reaches the port could use the rewards "
        f"(and the judge's API budget). Pass --token-env VAR (the variable holding the token), set ${ENV_TOKEN} or pass --token-file FILE; clients send "
        "'Authorization: Bearer <token>'. Or bind 127.0.0.1 (the default), or pass --allow-unauthenticated "
        "on a network you trust."
    )


def _draining_server_class() -> type:
    import uvicorn

    class DrainingServer(uvicorn.Server):
        """uvicorn's server, except that a SIGTERM/SIGINT it drained for is not raised again afterwards.

        uvicorn re-raises the captured signal once shut down, so the process would die of it (status -15)
        after draining; here a drained shutdown is a clean exit, status 0.
        """

        service: Any = None
        drained: dict[str, int] = {}

        def handle_exit(self, sig: int, frame: Any) -> None:
            if not self.should_exit:  # what was in flight when told to stop
                self._at_signal = (self.service.in_flight, self.service.batches)
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

        async def shutdown(self, sockets: Any = None) -> None:
            service = self.service
            in_flight, batches = getattr(self, "_at_signal", (service.in_flight, service.batches))
            cancelled = service.cancelled
            await super().shutdown(sockets)
            self.drained = {"in_flight": in_flight, "finished": service.batches - batches,
                            "cancelled": service.cancelled - cancelled}

    return DrainingServer


def _exit_report(service: Any, drained: dict[str, int], limits: Any, drain_timeout: float | None) -> tuple[int, str]:
    """The exit status and the last line: what the drain finished, and what it dropped."""
    lost = []
    if drained.get("cancelled"):
        lost.append(f"{drained['cancelled']} batch(es) in flight cancelled unanswered at --drain-timeout "
                    f"({drain_timeout:g} s)")
    running = [name for name, thread in zip(service.log_names, service._threads)
               if thread is not None and thread.running_for()]
    if running:
        lost.append(f"reward(s) {', '.join(running)} still in a call on their thread, abandoned")
    dropped = limits.dropped_at_shutdown
    note = f"; {dropped} request(s) whose body had not arrived were dropped" if dropped else ""
    if lost:
        return 1, "reward-core serve: stopped; " + "; ".join(lost) + note
    finished = drained.get("finished", 0)
    return 0, (f"reward-core serve: stopped after finishing the batches in flight ({finished}){note}"
               if drained.get("in_flight") else f"reward-core serve: stopped, no batch in flight{note}")


def serve(
    spec: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    allow_unauthenticated: bool = False,
    max_batch: int | None = None,
    max_body: int | None = None,
    max_values: int | None = None,
    label_column: str = "answer",
    fallback: float = 0.0,
    drain_timeout: float | None = 600.0,
    reward_timeout: float | None = None,
    max_connections: int | None = None,
    header_timeout: float | None = None,
    body_timeout: float | None = None,
    keep_alive: float = 5.0,
    allowed_hosts: list[str] | tuple[str, ...] = (),
    log_level: str = "warning",
    on_ready: Callable[[str], None] | None = None,
) -> int:
    """Serve the rewards of `spec` until SIGTERM/SIGINT; returns the exit status (0 after a clean drain)."""
    try:
        import uvicorn
    except ImportError:
        raise ServeConfigError("reward-core serve needs uvicorn and starlette: pip install 'reward-core[serve]'") from None
    from .app import DEFAULT_MAX_BODY, create_app, default_allowed_hosts
    from .jsonbody import DEFAULT_MAX_VALUES
    from .protocol import DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, ConnectionLimits, limited_protocol
    from .service import DEFAULT_MAX_BATCH, DEFAULT_REWARD_TIMEOUT, RewardService

    check_bind(host, token, allow_unauthenticated)
    _DrainingServer = _draining_server_class()
    limits = ConnectionLimits(max_connections=max_connections or default_max_connections(),
                              header_timeout=header_timeout or DEFAULT_HEADER_TIMEOUT,
                              body_timeout=body_timeout or DEFAULT_BODY_TIMEOUT)
    service = RewardService(spec, max_batch=max_batch or DEFAULT_MAX_BATCH, log_batches=True,
                            reward_timeout=reward_timeout or DEFAULT_REWARD_TIMEOUT)
    service.manifest()  # once, before listening: GET /v1/rewards then answers at once
    app = create_app(service, token=token, max_body=max_body or DEFAULT_MAX_BODY,
                     max_values=max_values or DEFAULT_MAX_VALUES, label_column=label_column, fallback=fallback,
                     allowed_hosts=default_allowed_hosts(host, allowed_hosts), connection_stats=limits.counts)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeConfigError(f"cannot listen on {host}:{port}: {exc}") from None
    sock.listen(2048)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    url = f"http://{shown}:{bound}"
    # uvicorn's own bounds: keep-alive idle time, header size (h11's default, 16 KiB), the drain; its
    # limit_concurrency is left off (it counts idle connections): protocol.py bounds connections instead.
    config = uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=drain_timeout, lifespan="off",
                            access_log=False, http=limited_protocol(limits), timeout_keep_alive=keep_alive,
                            h11_max_incomplete_event_size=16 * 1024, backlog=2048)
    server = _DrainingServer(config)
    server.service = service
    print(f"reward-core serve: {len(service.log_names)} reward(s) on {url} "
          f"({', '.join(service.log_names)}){'; token required' if token else ''}", flush=True)
    if on_ready is not None:
        on_ready(url)
    try:
        server.run(sockets=[sock])
    finally:
        service.close()
        sock.close()
    status, line = _exit_report(service, server.drained, limits, drain_timeout)
    print(line, flush=True)
    sys.stdout.flush()
    return status
