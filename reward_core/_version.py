"""The version of reward-core (the distribution's, as pyproject.toml declares it)."""

__version__ = "0.1.0"
