"""The verifier worker process: nothing but the loop that runs `verification.judge` under a memory cap.

Started by `pool.VerifierPool` as `python -m reward_math_correctness._worker IN_FD OUT_FD MEMORY_MB`; it reads
`(task_id, gold, answer, mode, options)` tuples and answers `(task_id, (verdict, relative_error, read))`. The pool kills it
when a verification misses its deadline, so nothing here needs a timeout of its own (math-verify's
`signal.alarm` timeouts are switched off). What a verdict is, is `verification.py`'s.
"""

from __future__ import annotations

import sys

from .verdict import Verdict
from .verification import clear_caches, judge, load_math_verify


def _set_memory_cap(megabytes: int) -> None:
    if megabytes <= 0:
        return
    import resource

    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _die_with_parent() -> None:
    # Linux: the kernel kills this worker when the trainer dies, even mid-computation.
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> None:
    import os
    from multiprocessing.connection import Connection

    in_fd, out_fd, memory_mb = int(argv[0]), int(argv[1]), int(argv[2])
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:
        return
    inbox = Connection(in_fd, writable=False)
    outbox = Connection(out_fd, readable=False)
    load_math_verify()  # before the cap: sympy's import is the biggest allocation
    _set_memory_cap(memory_mb)
    outbox.send(("ready", os.getpid()))
    while True:
        try:
            task_id, gold, answer, mode, options = inbox.recv()
        except (EOFError, OSError):
            return
        try:
            result = judge(gold, answer, mode, options)
        except MemoryError:
            clear_caches()
            result = (Verdict.RESOURCE, None, None)
        except RecursionError:
            result = (Verdict.RESOURCE, None, None)
        except Exception:  # a sympy/latex2sympy bug on one input must not take the worker down
            result = (Verdict.ERROR, None, None)
        try:
            outbox.send((task_id, result))
        except (BrokenPipeError, OSError):
            return


if __name__ == "__main__":
    main(sys.argv[1:])
