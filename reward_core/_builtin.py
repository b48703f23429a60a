"""reward-core's own plugin, always loaded (like pytest's built-in plugins): TRL's rewards by name."""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl


@hookimpl
def register_rewards(register: Any) -> None:
    """Register TRL's built-in rewards as `trl.*` (imported from TRL only when one is used)."""
    from .integrations.trl_rewards import TRL_REWARDS

    for name, (cls, summary, aliases) in TRL_REWARDS.items():
        register(name, f"reward_core.integrations.trl_rewards:{cls}", summary=summary, aliases=aliases)
