"""The test judge server in a process of its own: `judge_process` for benchmarks, `main` for the command line.

A separate process keeps the server's Python threads off the client's GIL, as with a real judge, which
matters for throughput measurements.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator

from .server import MODES, JudgeServer

__all__ = ["judge_process", "main"]


@contextlib.contextmanager
def judge_process(*args: str) -> Iterator[str]:
    """`main` in a child process for the duration of a `with` block; yields its base URL.

    ``args`` are `main`'s options (``"--latency", "0.05"``). Benchmarks use it so that the judge's CPU is
    not counted as the client's.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "reward_deepeval_judge_testing", "--until-stdin-closes", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    """Run a judge server in its own process: ``python -m reward_deepeval_judge_testing --latency 0.05``.

    Prints its base URL on the first line of stdout, then serves until killed (or stdin closes, with
    ``--until-stdin-closes``).
    """
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--mode", default="ok", choices=MODES)
    parser.add_argument("--score", type=float, default=None)
    parser.add_argument("--retry-after", type=float, default=0.05)
    parser.add_argument("--fail-marker", default=None)
    parser.add_argument("--marker-mode", default="500", choices=MODES)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-mode", default="500", choices=MODES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--until-stdin-closes", action="store_true")
    args = parser.parse_args(argv)
    server = JudgeServer(
        latency=args.latency,
        mode=args.mode,
        score=args.score,
        retry_after=args.retry_after,
        fail_marker=args.fail_marker,
        marker_mode=args.marker_mode,
        fault_rate=args.fault_rate,
        fault_mode=args.fault_mode,
        seed=args.seed,
    )
    with server:
        print(server.base_url, flush=True)
        try:
            if args.until_stdin_closes:
                sys.stdin.read()
            else:
                threading.Event().wait()
        except KeyboardInterrupt:
            pass
