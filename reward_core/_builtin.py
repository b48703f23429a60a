"""reward-core's own plugin: always loaded, like pytest's built-in plugins."""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl


@hookimpl
def register_rewards(register: Any) -> None:
    """No built-in rewards yet."""
