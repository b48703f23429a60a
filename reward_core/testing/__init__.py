"""The conformance kit: check that a reward keeps the contract GRPOTrainer relies on.

    from reward_core.testing import assert_reward_contract

    def test_my_reward_keeps_the_contract():
        assert_reward_contract("acme.polite")

The same checks run from the command line as `reward-core check NAME`, and as pytest fixtures when reward-core
is installed (`reward_batch`, `check_reward`; see `reward_core.testing.pytest_plugin`). `CHECKS` lists them.
"""

from __future__ import annotations

TYPE_CHECKING = False

__all__ = [
    "ContractViolation",
    "Check",
    "CHECKS",
    "sample_batch",
    "tool_trajectory",
    "check_reward_contract",
    "assert_reward_contract",
]


def __getattr__(name: str) -> object:
    # pytest imports this package in every session (for the plugin), so the kit loads on first use.
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import contract

    return getattr(contract, name)


if TYPE_CHECKING:  # for type checkers and IDEs
    from .contract import (
        CHECKS,
        Check,
        ContractViolation,
        assert_reward_contract,
        check_reward_contract,
        sample_batch,
        tool_trajectory,
    )
