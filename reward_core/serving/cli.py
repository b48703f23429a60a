"""`reward-core serve`: its arguments and how they map onto `server.serve` / `ray_serve.run`."""

from __future__ import annotations

import argparse
import math

__all__ = ["add_arguments", "run"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number (trainers read it as JSON), got {text}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", "-c", required=True, metavar="SPEC",
                   help="the rewards: a YAML/TOML/JSON spec or a run's reward_manifest.json")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; any other address needs a token)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--token-env", metavar="VAR",
                   help="environment variable holding the bearer token clients must send (needed off 127.0.0.1)")
    p.add_argument("--token-file", metavar="FILE",
                   help="file whose first line is the bearer token clients must send (or $REWARD_CORE_SERVE_TOKEN)")
    p.add_argument("--allow-unauthenticated", action="store_true",
                   help="serve a non-loopback address without a token (only on a network you trust)")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a Host name the server answers to besides the bound address (repeatable; '*': any). "
                        "Default: 127.0.0.1, localhost and ::1 on a loopback bind; any on 0.0.0.0 / ::")
    p.add_argument("--max-batch", type=_positive_int, default=None, metavar="N",
                   help="most completions per request (8192)")
    p.add_argument("--max-body-mb", type=_positive, default=None, metavar="MB", help="largest request body (64 MB)")
    p.add_argument("--max-json-values", type=_positive_int, default=None, metavar="N",
                   help="most JSON values (strings, numbers, objects, arrays) in one body (1048576)")
    p.add_argument("--reward-timeout", type=_positive, default=None, metavar="S",
                   help="seconds a reward may take over its part of one batch; its rows are null past it (600)")
    p.add_argument("--max-connections", type=_positive_int, default=None, metavar="N",
                   help="open connections; past it the idle ones are closed first (default: half the open-file "
                        "limit, at most 4096)")
    p.add_argument("--header-timeout", type=_positive, default=None, metavar="S",
                   help="seconds a request's headers may take to arrive (10)")
    p.add_argument("--body-timeout", type=_positive, default=None, metavar="S",
                   help="seconds a request's body may take to arrive after its headers (120)")
    p.add_argument("--keep-alive", type=_positive, default=5.0, metavar="S",
                   help="seconds an idle keep-alive connection stays open (5)")
    p.add_argument("--label-column", default="answer",
                   help="column that OpenRLHF labels / slime label / veRL ground truth fill (default: answer)")
    p.add_argument("--fallback", type=_finite, default=0.0,
                   help="score sent to OpenRLHF and slime for a row no reward could score (they take no null)")
    p.add_argument("--scores-from", default=None, metavar="NAME",
                   help="the reward (log name) whose scores fill OpenRLHF's `scores`, the accuracy its dynamic "
                        "filtering reads ('total': the weighted total; default: the first reward whose score "
                        "range lies within [0, 1]; sets $REWARD_CORE_SCORES_FROM)")
    p.add_argument("--drain-timeout", type=_positive, default=600.0, metavar="S",
                   help="on SIGTERM, seconds to let in-flight batches finish before cancelling them (default 600)")
    p.add_argument("--log-level", default="warning", help="uvicorn's log level")
    p.add_argument("--ray", action="store_true", help="run as a Ray Serve deployment (pip install 'reward-core[ray]')")
    p.add_argument("--replicas", type=_positive_int, default=1, help="with --ray: replicas of the deployment")
    p.add_argument("--replica-cpus", type=_positive, default=1.0, metavar="N",
                   help="with --ray: CPUs each replica reserves in Ray's scheduler (default 1)")
    p.add_argument("--address", "--ray-address", dest="ray_address", default=None, metavar="ADDR",
                   help="with --ray: the Ray cluster to join ('auto' on a cluster node, or ray://head:10001); "
                        "default: start a local one")
    p.add_argument("--allow-version-drift", action="store_true",
                   help="when --config is a manifest, load installed versions that differ from the recorded ones")


def run(args: argparse.Namespace) -> int:
    import os

    from ..manifest import ENV_ALLOW_VERSION_DRIFT
    from .server import check_bind, read_token

    if args.allow_version_drift:
        os.environ[ENV_ALLOW_VERSION_DRIFT] = "1"
    if args.scores_from:
        from .accuracy import ENV_SCORES_FROM

        os.environ[ENV_SCORES_FROM] = args.scores_from
    token = read_token(args.token_file, args.token_env)
    max_body = int(args.max_body_mb * 1024 * 1024) if args.max_body_mb else None
    if args.ray:
        from .ray_serve import run as run_ray

        from .app import default_allowed_hosts

        check_bind(args.host, token, args.allow_unauthenticated)
        return run_ray(args.config, replicas=args.replicas, host=args.host, port=args.port, token=token,
                       max_batch=args.max_batch, max_body=max_body, max_values=args.max_json_values,
                       label_column=args.label_column, fallback=args.fallback, address=args.ray_address,
                       num_cpus=args.replica_cpus, allowed_hosts=default_allowed_hosts(args.host, args.allowed_host),
                       reward_timeout=args.reward_timeout)
    from .server import serve

    return serve(args.config, host=args.host, port=args.port, token=token,
                 allow_unauthenticated=args.allow_unauthenticated, max_batch=args.max_batch, max_body=max_body,
                 max_values=args.max_json_values, label_column=args.label_column, fallback=args.fallback,
                 drain_timeout=args.drain_timeout, reward_timeout=args.reward_timeout,
                 max_connections=args.max_connections, header_timeout=args.header_timeout,
                 body_timeout=args.body_timeout, keep_alive=args.keep_alive, allowed_hosts=args.allowed_host,
                 log_level=args.log_level)
