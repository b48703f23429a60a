"""pytest fixtures for reward authors, loaded automatically when reward-core is installed.

    def test_contract(check_reward):
        check_reward("acme.polite")                      # every contract check, one assertion

    def test_scores(reward_batch):
        reward = reward_core.get_reward("acme.polite")
        assert len(reward(**reward_batch)) == len(reward_batch["completions"])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def reward_batch() -> dict[str, Any]:
    """A fresh GRPO-shaped sample batch (prompts, completions, answer, solution, completion_ids)."""
    from . import sample_batch

    return sample_batch()


@pytest.fixture
def check_reward() -> Callable[..., None]:
    """`assert_reward_contract`: call it with a reward name (plus params) or a resolved reward."""
    from .. import get_reward
    from . import assert_reward_contract

    def check(reward: Any, batch: dict[str, Any] | None = None, **params: Any) -> None:
        assert_reward_contract(get_reward(reward, **params) if isinstance(reward, str) else reward, batch)

    return check
