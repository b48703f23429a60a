"""A persistent pool of verifier processes with a hard deadline per task, safe to use from any thread.

Why not `multiprocessing.Pool` / `concurrent.futures`: neither can kill one stuck task, and their `spawn` /
`forkserver` workers re-import the training script's `__main__`. Workers here are plain subprocesses
(`python -m reward_math_correctness._worker`) talking over two pipes; the deadline is enforced by waiting on
those pipes with a timeout, which works on the main thread, in worker threads and inside an event loop's thread
alike. A worker that misses its deadline is killed (SIGKILL) and replaced.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any

from .notation import cost_hint
from .verdict import Verdict

__all__ = ["VerifierPool", "TIMEOUT", "CRASHED"]

TIMEOUT = (Verdict.TIMEOUT, None, None)
CRASHED = (Verdict.CRASHED, None, None)
_STARTUP_SECONDS = 120.0  # importing sympy on a loaded machine; only a broken install takes this long
#: First pass: every task gets this long (or its deadline, if shorter) before any task gets more, so a few slow
#: answers cannot hold up the rest of a batch. A task cut here is retried after the first pass.
SLICE_SECONDS = 0.5
#: The first pass's share per task: it ends `deadline + PER_TASK_SECONDS * tasks / workers` after it starts (an
#: honest verification takes 1 to 50 ms), so however many slow answers a batch holds, it is bounded.
PER_TASK_SECONDS = 0.1


class _Worker:
    __slots__ = ("proc", "inbox", "outbox", "ready", "task", "sent_at", "last_gold", "started_at")

    def __init__(self, memory_mb: int) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "reward_math_correctness._worker", str(to_child_r), str(from_child_w),
                 str(memory_mb)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # a Ctrl-C in the trainer's terminal is the trainer's to handle
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.inbox = Connection(to_child_w, readable=False)
        self.outbox = Connection(from_child_r, writable=False)
        self.ready = False
        self.task: int | None = None
        self.sent_at = 0.0
        self.last_gold: str | None = None
        self.started_at = time.monotonic()

    def kill(self) -> None:
        for conn in (self.inbox, self.outbox):
            try:
                conn.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self, grace: float) -> None:
        try:
            self.inbox.close()  # EOF: the worker leaves its loop and exits
        except OSError:
            pass
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


def _shutdown(workers: list[_Worker]) -> None:
    # Runs from atexit or when the pool is garbage-collected: close pipes, give workers a moment, then kill.
    closing, workers[:] = list(workers), []
    for worker in closing:
        try:
            worker.inbox.close()
        except OSError:
            pass
    deadline = time.monotonic() + 1.0
    for worker in closing:
        try:
            worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        worker.kill()


class VerifierPool:
    """`size` worker processes, started on first use, each capped at `memory_mb` of address space.

    `run(tasks, deadline, batch_seconds)` returns one result per task, in order: the worker's answer, `TIMEOUT`
    when it missed `deadline` seconds or the batch's budget (the worker is killed and replaced), or `CRASHED`
    when the worker died.
    """

    def __init__(self, size: int, memory_mb: int) -> None:
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._finalizer = weakref.finalize(self, _shutdown, self._workers)
        atexit.register(self._finalizer)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def _ensure_workers(self) -> None:
        if os.getpid() != self._pid:
            # A forked copy (e.g. a DataLoader worker): the processes belong to the parent; start afresh.
            self._workers[:] = []
            self._pid = os.getpid()
        while len(self._workers) < self.size:
            self._workers.append(_Worker(self.memory_mb))

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        return [w.proc.pid for w in self._workers if w.proc.poll() is None]

    def close(self) -> None:
        """Stop every worker now (they are restarted on the next `run`)."""
        with self._lock:
            _shutdown(self._workers)

    # -- work ------------------------------------------------------------------------------------------------
    def run(
        self, tasks: list[tuple[str, str | None, str, dict]], deadline: float, batch_seconds: float | None = None
    ) -> list[Any]:
        """Run `(gold, answer, mode, options)` tasks; each may take at most `deadline` seconds once sent.

        With `batch_seconds`, the batch's slow tasks share that budget instead of taking a deadline each:
        - tasks that look expensive (`cost_hint`) are sent last, the rest grouped by gold;
        - while cheap-looking tasks are waiting, a task gets at most `SLICE_SECONDS`; one cut there is retried
          at the end;
        - once none is waiting, the tasks left (running, expensive-looking, retried) share `batch_seconds`, each
          still within `deadline`; and the whole batch ends by `deadline + PER_TASK_SECONDS * len(tasks) /
          workers`, whatever it holds.
        Tasks unverified when the budget ends are `TIMEOUT`. Budgets start once a worker is ready (starting the
        pool is not the batch's slowness). `batch_seconds=None`: every task gets its full deadline.
        """
        if not tasks:
            return []
        with self._lock:
            self._ensure_workers()
            return self._run(tasks, deadline, batch_seconds)

    def _run(
        self, tasks: list[tuple[str, str | None, str, dict]], deadline: float, batch_seconds: float | None
    ) -> list[Any]:
        results: list[Any] = [None] * len(tasks)
        limited = batch_seconds is not None
        order = sorted(range(len(tasks)), key=lambda i: cost_hint(tasks[i][1])) if limited else range(len(tasks))
        # Waiting tasks grouped by gold, so a worker keeps getting the gold it has already parsed.
        by_gold: dict[str, deque[int]] = {}
        expensive: deque[int] = deque()  # sent only when nothing cheaper is waiting
        for index in order:
            if limited and cost_hint(tasks[index][1]) > 0:
                expensive.append(index)
            else:
                by_gold.setdefault(tasks[index][0], deque()).append(index)
        retry: deque[int] = deque()  # cut at the slice while others waited
        remaining = len(tasks)
        slice_seconds = min(deadline, SLICE_SECONDS) if limited else deadline
        first_end = slow_end = float("inf")
        started = False

        def next_task(worker: _Worker) -> int | None:
            if by_gold:
                queue = by_gold.get(worker.last_gold) if worker.last_gold is not None else None
                if not queue:
                    # the gold with the most work left, so the tail of the batch is spread across workers
                    queue = by_gold[max(by_gold, key=lambda g: len(by_gold[g]))]
                index = queue.popleft()
                if not queue:
                    del by_gold[tasks[index][0]]
                return index
            if expensive:
                return expensive.popleft()
            return retry.popleft() if retry else None

        while remaining:
            now = time.monotonic()
            if not started and any(w.ready for w in self._workers):
                started = True
                if limited:
                    first_end = now + deadline + PER_TASK_SECONDS * len(tasks) / self.size
            if limited and not by_gold and slow_end == float("inf") and started:
                slow_end = now + batch_seconds  # only slow tasks are left: they share the batch budget
            if now >= min(first_end, slow_end):  # the budget is spent: what is running or waiting is a timeout
                for worker in list(self._workers):
                    if worker.task is not None:
                        results[worker.task] = TIMEOUT
                        self._replace(worker)
                for index in [*(i for q in by_gold.values() for i in q), *expensive, *retry]:
                    results[index] = TIMEOUT
                break
            for worker in self._workers:
                if worker.ready and worker.task is None:
                    index = next_task(worker)
                    if index is None:
                        continue
                    try:
                        worker.inbox.send((index, *tasks[index]))
                    except (BrokenPipeError, OSError):
                        results[index] = CRASHED
                        remaining -= 1
                        self._replace(worker)
                        continue
                    worker.task, worker.sent_at, worker.last_gold = index, now, tasks[index][0]
            if not remaining:
                break
            # while tasks wait, a running task may use its slice; after that, its deadline within the budget
            allowed = slice_seconds if by_gold else deadline
            waits = [w.sent_at + allowed - now for w in self._workers if w.task is not None]
            timeout = max(0.0, min(min(waits) if waits else 1.0, min(first_end, slow_end) - now))
            readable = wait([w.outbox for w in self._workers], timeout)
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.outbox in readable:
                    try:
                        message = worker.outbox.recv()
                    except (EOFError, OSError):
                        message = None
                    if message is None:  # died: out of memory, killed from outside, or a crash in C code
                        if worker.task is not None:
                            results[worker.task] = CRASHED
                            remaining -= 1
                        elif not worker.ready:
                            self._startup_failed(worker)
                        self._replace(worker)
                        continue
                    if message[0] == "ready":
                        worker.ready = True
                        continue
                    index, result = message
                    if index == worker.task:
                        results[index] = result
                        remaining -= 1
                        worker.task = None
                elif worker.task is not None and now - worker.sent_at >= deadline:
                    results[worker.task] = TIMEOUT
                    remaining -= 1
                    self._replace(worker)
                elif worker.task is not None and by_gold and now - worker.sent_at >= slice_seconds:
                    retry.append(worker.task)  # slow while others wait: retried once nothing else is waiting
                    worker.task = None
                    self._replace(worker)
                elif not worker.ready and now - worker.started_at > _STARTUP_SECONDS:
                    self._startup_failed(worker)
        return results

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        position = self._workers.index(worker)
        self._workers[position] = _Worker(self.memory_mb)

    def _startup_failed(self, worker: _Worker) -> None:
        code = worker.proc.poll()
        _shutdown(self._workers)
        raise RuntimeError(
            f"math.answer_correctness: a verifier worker ({sys.executable} -m reward_math_correctness._worker) "
            f"did not start (exit code {code}); its error is on stderr above. Check that math-verify is "
            "installed in this environment (pip install 'math-verify==0.9.*')."
        )
