"""Reasons for trainers that log per-row numbers: OpenRLHF's `extra_logs` and veRL's `reward_extra_info`.

Both average each key over a step, so each declared reason code of each reward becomes a column
`<log name>/reason/<code>`, 1.0 on the rows whose reason has that code and 0.0 elsewhere: its mean is the
code's share, as `<log name>/reason/<code>` is in TRL's logs. The keys come from the rewards' declared codes,
so every row and every batch has the same keys (veRL gathers its extra info key by key), a failed batch
included (all 0.0 but `failed`).
"""

from __future__ import annotations

# Absolute imports only: this module is used by the files OpenRLHF and veRL import by path. reward-core's own
# modules are imported inside the functions: the trainer's process pays for them only when it scores.

import threading
import weakref
from typing import Any

__all__ = ["reason_columns", "vocabulary"]

_known: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def vocabulary(scorer: Any) -> dict[str, list[str]]:
    """`{log name: [code, ...]}` of the rewards `scorer` serves (asked once per scorer)."""
    from reward_core.serving.accuracy import scoring_of

    with _lock:
        found = _known.get(scorer)
    if found is None:
        found = {name: list((described or {}).get("reason_codes") or {})
                 for name, described in scoring_of(scorer).items()}
        with _lock:
            _known[scorer] = found
    return found


def reason_columns(result: dict[str, Any], codes: dict[str, list[str]]) -> dict[str, list[float]]:
    """One 0/1 column per (reward, declared code) for a scored batch `result` (`/v1/score`'s answer)."""
    from reward_core.reasons import reason_code

    n = len(result["reward"])
    reasons = result.get("reasons") or {}
    failed = "failed" in result
    columns: dict[str, list[float]] = {}
    for name, names_codes in codes.items():
        given = reasons.get(name)
        row_codes = [reason_code(r) if isinstance(r, str) else None for r in given] if isinstance(given, list) \
            and len(given) == n else (["failed"] * n if failed else [None] * n)
        for code in names_codes:
            columns[f"{name}/reason/{code}"] = [float(c == code) for c in row_codes]
    return columns
