"""Which reward is the accuracy-like signal: OpenRLHF's `scores` and veRL's `acc`.

OpenRLHF's dynamic filtering keeps a prompt's group when the mean of its `scores` lies strictly inside
`--algo.dynamic_filtering_range` (default 0 to 1), and veRL's DAPO group filter
(`algorithm.filter_groups.metric=acc`) drops groups whose `acc` is the same on every row: both read an
accuracy in [0, 1], not the weighted total of every reward (a right answer without tags and a wrong one
with tags can total the same).

The source is, in order: the name given (`scores_from` in veRL's reward_kwargs, `$REWARD_CORE_SCORES_FROM`
for the OpenRLHF file and the server); `total` for the weighted total; else the first reward of the spec
whose declared `score_range` lies within [0, 1]; else the weighted total.
"""

from __future__ import annotations

# Absolute imports only: this module is used by the files OpenRLHF and veRL import by path. reward-core's own
# modules are imported inside the functions: the trainer's process pays for them only when it scores.

import math
import os
import threading
import weakref
from typing import Any

__all__ = ["ENV_SCORES_FROM", "TOTAL", "pick", "scoring_of", "source", "values"]

#: The reward whose scores are the accuracy-like signal (a log name, or `total`).
ENV_SCORES_FROM = "REWARD_CORE_SCORES_FROM"
#: The name that asks for the weighted total of every reward.
TOTAL = "total"

_chosen: weakref.WeakKeyDictionary[Any, dict[str | None, str | None]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def pick(scoring: dict[str, Any], explicit: str | None = None) -> str | None:
    """The log name whose scores are the accuracy, or None for the weighted total.

    `scoring`: per log name, `{"score_range": [low, high] or None}` (what `GET /v1/rewards` answers under
    `scoring`), in the spec's order. An `explicit` name the spec does not serve raises `ServeConfigError`.
    """
    from reward_core.serving.errors import ServeConfigError

    if explicit:
        if explicit == TOTAL:
            return None
        if explicit not in scoring:
            raise ServeConfigError(
                f"scores from {explicit!r} (${ENV_SCORES_FROM} or scores_from=): this spec serves "
                f"{', '.join(scoring) or 'no rewards'}; name one of them, or '{TOTAL}' for the weighted total")
        return explicit
    for name, described in scoring.items():
        bounds = (described or {}).get("score_range")
        if not bounds or len(bounds) != 2 or any(b is None for b in bounds):
            continue
        low, high = (float(b) for b in bounds)
        if math.isfinite(low) and math.isfinite(high) and 0.0 <= low <= high <= 1.0:
            return name
    return None


def scoring_of(scorer: Any) -> dict[str, Any]:
    """`{log name: {"score_range": ...}}` of a `RewardClient` (asked of the server), a `LocalBackend` or a
    `RewardService`; empty when the server does not say (then the weighted total is used)."""
    service = getattr(scorer, "service", scorer)
    describe = getattr(service, "describe", None)
    if describe is None:
        return {}
    return dict(describe().get("scoring") or {})


def source(scorer: Any, explicit: str | None = None) -> str | None:
    """`pick` for `scorer`, asked once per scorer and setting (a server's rewards are fixed at its start)."""
    if explicit is None:
        explicit = os.environ.get(ENV_SCORES_FROM) or None
    with _lock:
        known = _chosen.get(scorer, {})
        if explicit in known:
            return known[explicit]
    chosen = pick(scoring_of(scorer), explicit)
    with _lock:
        _chosen.setdefault(scorer, {})[explicit] = chosen
    return chosen


def values(result: dict[str, Any], name: str | None, fallback: float) -> list[float]:
    """Per row, the scores of reward `name` (the weighted total when None), `fallback` where a row has none."""
    from reward_core.serving.service import finite_or

    scores = result["reward"] if name is None else result["rewards"].get(name, [None] * len(result["reward"]))
    return [finite_or(v, fallback) for v in scores]
