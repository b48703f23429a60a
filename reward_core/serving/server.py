"""Run the reward server with uvicorn: safe binding, the token, the listening line, graceful SIGTERM.

- Binds 127.0.0.1 by default. Any other address needs a token (`--token-file` or `$REWARD_CORE_SERVE_TOKEN`;
  never a command-line value, which `ps` shows to every user), unless `allow_unauthenticated=True`.
- SIGTERM or SIGINT: uvicorn stops accepting connections, lets the batches in flight finish (up to
  `drain_timeout` seconds), then the process exits 0.
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
    return os.environ.get(ENV_TOKEN) or None


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

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    return DrainingServer


def serve(
    spec: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    allow_unauthenticated: bool = False,
    max_batch: int | None = None,
    max_body: int | None = None,
    label_column: str = "answer",
    fallback: float = 0.0,
    drain_timeout: float | None = 600.0,
    log_level: str = "warning",
    on_ready: Callable[[str], None] | None = None,
) -> int:
    """Serve the rewards of `spec` until SIGTERM/SIGINT; returns the exit status (0 after a clean drain)."""
    try:
        import uvicorn
    except ImportError:
        raise ServeConfigError("reward-core serve needs uvicorn and starlette: pip install 'reward-core[serve]'") from None
    from .app import DEFAULT_MAX_BODY, create_app
    from .service import DEFAULT_MAX_BATCH, RewardService

    check_bind(host, token, allow_unauthenticated)
    _DrainingServer = _draining_server_class()
    service = RewardService(spec, max_batch=max_batch or DEFAULT_MAX_BATCH, log_batches=True)
    service.manifest()  # once, before listening: GET /v1/rewards then answers at once
    app = create_app(service, token=token, max_body=max_body or DEFAULT_MAX_BODY, label_column=label_column,
                     fallback=fallback)
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
    config = uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=drain_timeout, lifespan="off",
                            access_log=False)
    server = _DrainingServer(config)
    print(f"reward-core serve: {len(service.log_names)} reward(s) on {url} "
          f"({', '.join(service.log_names)}){'; token required' if token else ''}", flush=True)
    if on_ready is not None:
        on_ready(url)
    try:
        server.run(sockets=[sock])
    finally:
        service.close()
        sock.close()
    print("reward-core serve: stopped after finishing the batches in flight", flush=True)
    sys.stdout.flush()
    return 0
