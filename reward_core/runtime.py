"""Facts about the process a reward runs in, for sizing worker pools and concurrency per training rank."""

from __future__ import annotations

import os

__all__ = ["local_world_size", "cpus_per_rank"]


def local_world_size() -> int:
    """How many training processes share this machine (torchrun and accelerate set `LOCAL_WORLD_SIZE`)."""
    try:
        return max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    except ValueError:
        return 1


def cpus_per_rank() -> int:
    """The CPUs this process may use, divided among the ranks on this machine (at least 1).

    Every rank scores its own shard of the batch, so a pool sized to the whole machine in each of N ranks
    would oversubscribe it N times.
    """
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, available // local_world_size())
