"""reward-core's own plugin, loaded unless denied (like pytest's built-in plugins): TRL's rewards as `trl.*`.

Kept apart from `trl_rewards`, the adapters, so that listing rewards imports no adapter code.
"""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl

#: name -> (adapter class in reward_core.integrations.trl_rewards, summary, aliases).
TRL_REWARDS = {
    "trl.accuracy_reward": ("TrlAccuracyReward", "TRL's math-verify accuracy (1.0 right, None if gold unparsable).", ()),
    "trl.reasoning_accuracy_reward": ("TrlReasoningAccuracyReward", "TRL's accuracy of the text after </think>.", ()),
    "trl.think_format_reward": ("TrlThinkFormatReward", "TRL's check for a leading <think>...</think> block.", ()),
    "trl.soft_overlong_punishment": (
        "TrlSoftOverlongReward", "TRL's DAPO soft overlong punishment.", ("trl.get_soft_overlong_punishment",)
    ),
    "trl.repetition_penalty": (
        "TrlRepetitionPenaltyReward", "TRL's n-gram repetition penalty.", ("trl.get_repetition_penalty_reward",)
    ),
    "trl.cosine_scaled": ("TrlCosineScaledReward", "TRL's length-scaled correctness.", ("trl.get_cosine_scaled_reward",)),
}


@hookimpl
def register_rewards(register: Any) -> None:
    """Register TRL's built-in rewards as `trl.*` (imported from TRL only when one is used)."""
    for name, (cls, summary, aliases) in TRL_REWARDS.items():
        register(name, f"reward_core.integrations.trl_rewards:{cls}", summary=summary, aliases=aliases)
