"""Registration only: imported to *list* rewards, so it names targets and imports nothing else."""

from reward_core import hookimpl

_REWARDS = "reward_math_format.rewards"


@hookimpl
def register_rewards(register):
    register(
        "math.reasoning_tags",
        f"{_REWARDS}:ReasoningTagsReward",
        summary="+0.5 per reasoning/answer tag that appears exactly once, -0.5 otherwise (-2..2).",
    )
    register(
        "math.strict_format",
        f"{_REWARDS}:StrictFormatReward",
        summary="1.0 for one non-empty reasoning block, one answer block, nothing after; partial credit.",
    )
    register(
        "math.think_format",
        f"{_REWARDS}:ThinkFormatReward",
        summary="1.0 when the completion opens with one non-empty <think>...</think> block (stricter than TRL's).",
    )
    register(
        "math.soft_overlong",
        f"{_REWARDS}:SoftOverlongReward",
        summary="DAPO soft overlong punishment over completion token lengths (-1..0).",
    )
    register(
        "math.repetition_penalty",
        f"{_REWARDS}:RepetitionPenaltyReward",
        summary="Penalty proportional to the share of repeated n-grams, over token ids or words (max_penalty..0).",
    )
    register(
        "math.step_format",
        f"{_REWARDS}:StepFormatReward",
        summary="Share of max_steps distinct numbered or bulleted steps (0..1).",
    )
