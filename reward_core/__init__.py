"""reward-core: reward functions for TRL's GRPOTrainer, written once, pip-installed, resolved by name.

    import reward_core
    rewards = reward_core.load_rewards(["math.answer_correctness", {"name": "math.reasoning_tags", "weight": 0.5}])
    trainer = GRPOTrainer(..., reward_funcs=rewards.reward_funcs,
                          args=GRPOConfig(..., reward_weights=rewards.reward_weights))

Attributes load on first use, so `import reward_core` costs about a millisecond and imports nothing heavy.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `from typing import ...`: typing alone would double the cost of this import

from ._version import __version__

# public name -> private module that defines it
_EXPORTS = {
    # the contract
    "RewardConfig": "reward",
    "BaseReward": "reward",
    "column": "reward",
    # reading completions: answer, reasoning, tool calls and results, in every shape TRL passes
    "completion_text": "completion",
    "prompt_text": "completion",
    "read_completion": "completion",
    "split_reasoning": "completion",
    "Completion": "completion",
    "ToolCall": "completion",
    "ToolResult": "completion",
    "is_async_reward": "calling",
    # why a completion got its score
    "with_reasons": "reasons",
    "Scored": "reasons",
    "param": "params",
    "ParamInfo": "params",
    "describe_params": "params",
    # resolution and specs
    "get_reward": "resolve",
    "load_rewards": "resolve",
    "read_spec": "spec",
    "LoadedRewards": "resolve",
    "ResolvedReward": "resolve",
    "GuardedReward": "guard",
    "check_scores": "guard",
    "RewardEntry": "registry",
    "run_coroutine": "calling",
    "cpus_per_rank": "runtime",
    # serving (starlette/uvicorn/aiohttp load only when a server or a remote call needs them)
    "remote_rewards": "serving.client",
    "local_world_size": "runtime",
    # plugins
    "hookimpl": "hookspecs",
    "ENTRY_POINT_GROUP": "hookspecs",
    "register_reward": "plugins",
    "PluginHost": "plugins",
    "plugin_host": "plugins",
    "configure_plugins": "plugins",
    "reload_plugins": "plugins",
    "reset_plugins": "plugins",
    "list_rewards": "plugins",
    "list_plugins": "plugins",
    "broken_plugins": "plugins",
    "PluginInfo": "plugins",
    "BrokenPlugin": "plugins",
    # errors
    "RewardCoreError": "errors",
    "UnknownRewardError": "errors",
    "RewardConflictError": "errors",
    "RewardLoadError": "errors",
    "PluginLoadError": "errors",
    "InvalidParamsError": "errors",
    "RewardDefinitionError": "errors",
    "RewardNameError": "errors",
    "SpecError": "errors",
    "RewardInputError": "errors",
    "MalformedCompletionError": "errors",
    "ColumnLengthError": "errors",
    "MissingColumnError": "errors",
    "RewardOutputError": "errors",
    "RewardVersionDriftError": "errors",
    "ScoreFileError": "errors",
    "MissingDependencyError": "errors",
    "RewardPluginWarning": "errors",
    "RewardRowWarning": "errors",
    "RewardVersionDriftWarning": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reward_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names above load lazily
    from .errors import (
        ColumnLengthError,
        InvalidParamsError,
        MalformedCompletionError,
        MissingColumnError,
        MissingDependencyError,
        PluginLoadError,
        RewardConflictError,
        RewardCoreError,
        RewardInputError,
        RewardLoadError,
        RewardNameError,
        RewardOutputError,
        RewardPluginWarning,
        RewardRowWarning,
        RewardVersionDriftError,
        ScoreFileError,
        RewardVersionDriftWarning,
        SpecError,
        UnknownRewardError,
    )
    from .guard import GuardedReward, check_scores
    from .hookspecs import ENTRY_POINT_GROUP, hookimpl
    from .params import ParamInfo, describe_params, param
    from .plugins import (
        BrokenPlugin,
        PluginHost,
        PluginInfo,
        broken_plugins,
        configure_plugins,
        list_plugins,
        list_rewards,
        plugin_host,
        register_reward,
        reload_plugins,
        reset_plugins,
    )
    from .calling import is_async_reward, run_coroutine
    from .registry import RewardEntry
    from .runtime import cpus_per_rank, local_world_size
    from .serving.client import remote_rewards
    from .completion import (
        Completion,
        ToolCall,
        ToolResult,
        completion_text,
        prompt_text,
        read_completion,
        split_reasoning,
    )
    from .reasons import Scored, with_reasons
    from .reward import BaseReward, RewardConfig, column
    from .resolve import LoadedRewards, ResolvedReward, get_reward, load_rewards
    from .spec import read_spec
