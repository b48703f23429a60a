"""The exceptions reward-core raises: one base class, one subclass per thing that can go wrong.

Every message says what happened, where (reward, row, parameter, distribution) and what to do next.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "RewardCoreError",
    "UnknownRewardError",
    "RewardConflictError",
    "RewardLoadError",
    "PluginLoadError",
    "InvalidParamsError",
    "RewardNameError",
    "SpecError",
    "RewardInputError",
    "MalformedCompletionError",
    "ColumnLengthError",
    "RewardOutputError",
    "RewardPluginWarning",
    "RewardRowWarning",
]


class RewardCoreError(Exception):
    """Base class of every error reward-core raises; catch this to handle them all."""


class UnknownRewardError(RewardCoreError, LookupError):
    """No installed or registered reward has this name."""

    def __init__(self, name: str, suggestions: list[str], available: int, broken: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        broken_hint = (
            f" Note: {len(broken)} plugin(s) failed to load and may provide it: {', '.join(broken)}."
            if broken
            else ""
        )
        super().__init__(
            f"Unknown reward {name!r}.{hint} {available} reward(s) are installed: run `reward-core list` "
            f"to see them all, or `pip install` the package that provides {name!r}.{broken_hint}"
        )


class RewardConflictError(RewardCoreError):
    """Two distributions register the same reward name; reward-core never picks one silently."""

    def __init__(self, name: str, providers: list[str]) -> None:
        self.name = name
        self.providers = providers
        super().__init__(
            f"Reward {name!r} is registered by more than one distribution: {', '.join(providers)}. "
            "Uninstall one of them, or exclude one with REWARD_CORE_DISABLE_PLUGINS=<distribution> "
            "(or reward_core.configure_plugins(deny=[...]))."
        )


class RewardLoadError(RewardCoreError, ImportError):
    """The code behind a registered reward name could not be imported."""


class PluginLoadError(RewardCoreError):
    """A plugin failed to import or register (raised only in strict mode; otherwise a warning)."""


class InvalidParamsError(RewardCoreError, TypeError):
    """A reward was given an unknown parameter or a value of the wrong type."""


class RewardNameError(RewardCoreError, ValueError):
    """A reward name (or alias) given to `register` is not `<namespace>.<name>[.vN]`."""


class SpecError(RewardCoreError, ValueError):
    """A reward spec (list, YAML or TOML) is malformed."""


class RewardInputError(RewardCoreError, ValueError):
    """A batch given to a reward does not follow TRL's reward-function contract."""

    def __init__(self, message: str, *, reward: str | None = None, row: int | None = None) -> None:
        self.reward = reward
        self.row = row
        self.problem = message
        where = []
        if reward is not None:
            where.append(f"reward {reward!r}")
        if row is not None:
            where.append(f"row {row}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)

    def located(self, reward: str, row: int | None) -> RewardInputError:
        """The same error, naming the reward and row (the guard knows them; the helper does not)."""
        return type(self)(self.problem, reward=reward, row=self.row if row is None else row)


class MalformedCompletionError(RewardInputError):
    """A completion is neither a string nor a one-message conversation with text content."""


class ColumnLengthError(RewardInputError):
    """A per-row column (prompts or a dataset column) does not have one value per completion."""


class RewardOutputError(RewardCoreError, ValueError):
    """A reward returned something other than one finite float (or None) per completion."""

    def __init__(self, reward: str, message: str, *, index: int | None = None, value: Any = None) -> None:
        self.reward = reward
        self.index = index
        self.value = value
        where = f" at index {index} ({value!r})" if index is not None else ""
        super().__init__(
            f"reward {reward!r} returned an invalid result{where}: {message}. A reward must return a "
            "plain list with one finite float (or None, to skip the row) per completion."
        )


class RewardRowWarning(UserWarning):
    """Rows a reward failed on were scored None (`on_error: skip`); the run went on."""


class RewardPluginWarning(UserWarning):
    """A plugin failed to load; the others still work. Set REWARD_CORE_STRICT=1 to make it an error."""
