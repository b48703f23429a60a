"""The hooks a reward plugin can implement.

A plugin is a module named by an entry point in the ``reward_core`` group of an installed distribution::

    # pyproject.toml of the distribution "acme-rewards"
    [project.entry-points.reward_core]
    acme-rewards = "acme_rewards.plugin"

The module is imported to *list* rewards, so it must stay tiny: it names its rewards and where their code
lives, and imports nothing heavy. The code of a reward is imported only when someone resolves its name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

__all__ = ["hookspec", "hookimpl", "PROJECT_NAME", "ENTRY_POINT_GROUP"]

PROJECT_NAME = "reward_core"
#: The entry-point group through which installed distributions register reward plugins.
ENTRY_POINT_GROUP = "reward_core"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_rewards(register: Callable[..., Any]) -> None:
    """Register the rewards this plugin provides.

    When it fires: once per `PluginHost` (the process has one, `reward_core.plugin_host()`), the first time
    rewards are listed or a name is resolved, and again after `configure_plugins()`, `reload_plugins()` or
    `reset_plugins()`. Each plugin's call is
    isolated: if it raises, the plugin is recorded as broken and its registrations are discarded; the other
    plugins are unaffected.

    :param register: call it once per reward::

        register(name, target, *, summary=None, aliases=(), version=None)

        - ``name``: a qualified name ``<namespace>.<name>``, e.g. ``"math.answer_correctness"``; a trailing
          ``.vN`` sets the version (``"math.answer_correctness.v2"``). The bare name resolves to the newest
          version; ``name.vN`` to that exact one.
        - ``target``: ``"package.module:ClassName"`` (imported lazily, when the name is resolved) or the
          object itself (a `BaseReward` subclass or a TRL-compatible function).
        - ``summary``: one line shown by ``reward-core list`` without importing ``target``.
        - ``aliases``: other names that resolve to this reward.
        - ``version``: the version as an int, instead of a ``.vN`` suffix.

        The distribution that provides the plugin is recorded with each reward automatically.

    Example::

        from reward_core import hookimpl

        @hookimpl
        def register_rewards(register):
            register(
                "acme.polite",
                "acme_rewards.rewards:PolitenessReward",
                summary="1.0 when the completion says please.",
                aliases=["acme.please"],
            )
    """
