"""Rewards for tool-using agents trained with TRL's `GRPOTrainer(tools=...)` or `environment_factory`."""
