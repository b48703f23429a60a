"""The verdicts a (gold, answer) pair gets, shared by the reward, the pool and the worker processes."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Verdict", "FAILED_TO_FINISH"]


class Verdict(StrEnum):
    """One pair's verdict. A `StrEnum`: it crosses the worker pipe and the verdict cache as its string."""

    CORRECT = "correct"
    WRONG = "wrong"
    REJECTED = "rejected"  # refused before verification: pre-check, hedge, restated problem, flood of boxes
    GOLD_UNPARSABLE = "gold_unparsable"  # the row scores None
    GOLD_OK = "gold_ok"  # only the gold was checked (the row had no answer to verify)
    ERROR = "error"  # math-verify raised on the answer
    TIMEOUT = "timeout"  # the worker missed the deadline and was killed
    CRASHED = "crashed"  # the worker died
    RESOURCE = "resource"  # the worker hit its memory cap or recursion limit


# Verification did not finish: the row scores as `timeout_score` says, and the verdict is never cached.
FAILED_TO_FINISH = frozenset({Verdict.TIMEOUT, Verdict.CRASHED, Verdict.RESOURCE})
