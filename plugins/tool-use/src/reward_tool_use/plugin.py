"""Registration only: imported to *list* rewards, so it names targets and imports nothing else."""

from reward_core import hookimpl

_REWARDS = "reward_tool_use.rewards"


@hookimpl
def register_rewards(register):
    register(
        "tools.valid_calls",
        f"{_REWARDS}:ValidCallsReward",
        summary="Share of tool calls naming a known tool with arguments valid under its JSON schema (0..1).",
    )
    register(
        "tools.call_success",
        f"{_REWARDS}:CallSuccessReward",
        summary="Share of tool calls whose tool returned a result, not an error (0..1).",
    )
    register(
        "tools.call_budget",
        f"{_REWARDS}:CallBudgetReward",
        summary="1.0 for between min_calls and max_calls tool calls (and at most max_turns turns), less outside.",
    )
    register(
        "tools.environment_state",
        f"{_REWARDS}:EnvironmentStateReward",
        summary="An attribute (or method) of each completion's environment, as a score (environment_factory).",
    )
