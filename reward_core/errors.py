"""The exceptions reward-core raises: one base class, one subclass per thing that can go wrong.

Every message says what happened, where (reward, row, parameter, distribution) and what to do next.
"""

from __future__ import annotations

import dataclasses
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
    "MissingColumnError",
    "RewardOutputError",
    "RewardVersionDriftError",
    "MissingDependencyError",
    "ScoreFileError",
    "VersionDrift",
    "RewardPluginWarning",
    "RewardRowWarning",
    "RewardVersionDriftWarning",
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


class RewardDefinitionError(RewardCoreError, TypeError):
    """A reward class or instance breaks the contract where it is defined (a malformed `score_range`)."""


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


class MissingColumnError(RewardInputError):
    """A reward needs a dataset column the batch does not have."""


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


@dataclasses.dataclass(frozen=True, slots=True)
class VersionDrift:
    """One reward of a manifest whose installed provider differs from the one the run recorded."""

    reward: str
    log_name: str
    distribution: str
    recorded_version: str
    installed_distribution: str | None
    installed_version: str | None
    resolved: str = ""

    def describe(self) -> str:
        where = f"reward {self.reward!r}"
        details = [d for d in (self.resolved if self.resolved != self.reward else "",
                               f"logged as {self.log_name!r}" if self.log_name != self.reward else "") if d]
        where += f" ({', '.join(details)})" if details else ""
        recorded = f"{self.distribution} {self.recorded_version}".strip()
        if self.installed_distribution is None:
            now = f"{self.distribution} is not installed"
        elif _same_distribution(self.installed_distribution, self.distribution):
            now = f"{self.installed_distribution} {self.installed_version or '(no version)'} is installed"
        else:
            now = f"it is now provided by {self.installed_distribution} {self.installed_version or ''}".rstrip()
        return f"{where} was recorded with {recorded}, but {now}"

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.recorded_version}" if self.recorded_version else self.distribution


class RewardVersionDriftError(RewardCoreError):
    """A manifest pins a distribution version (or provider) that differs from the installed one.

    `drifts` lists every such reward; `reward`, `distribution`, `recorded_version` and `installed_version`
    are those of the first.
    """

    def __init__(self, drifts: list[VersionDrift], source: str = "the manifest") -> None:
        self.drifts = list(drifts)
        first = self.drifts[0]
        self.reward = first.reward
        self.distribution = first.distribution
        self.recorded_version = first.recorded_version
        self.installed_version = first.installed_version
        super().__init__(drift_message(self.drifts, source) + (
            " Install the recorded version(s) to reproduce the run exactly "
            f"(pip install {' '.join(sorted({repr(d.requirement) for d in self.drifts}))}), or pass "
            "allow_version_drift=True (CLI: --allow-version-drift; environment: "
            "REWARD_CORE_ALLOW_VERSION_DRIFT=1) to load the installed version(s) anyway, with a warning."
        ))


def drift_message(drifts: list[VersionDrift], source: str) -> str:
    """The first sentence(s) of the drift error and warning: every drifted reward, with both versions."""
    lines = "; ".join(d.describe() for d in drifts)
    return f"{source}: {lines}; scores may differ from the run's."


def shown(value: Any, limit: int = 200) -> str:
    """`repr(value)` for a message, cut at `limit` characters; an int too long to print (Python refuses past
    4,300 digits) is described by its size instead.

    >>> shown(10**400)
    'an integer of about 400 digits'
    """
    if isinstance(value, int) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails (a huge int inside a list, a broken __repr__)
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same_distribution(a: str, b: str) -> bool:
    import re

    return re.sub(r"[-_.]+", "-", a).lower() == re.sub(r"[-_.]+", "-", b).lower()


class ScoreFileError(RewardCoreError, OSError):
    """A file `reward-core score` reads or writes (its input, `--output` or `--plot`) cannot be opened."""


class MissingDependencyError(RewardCoreError, ImportError):
    """An optional feature needs a package that is not installed; the message names the extra to install."""


class RewardVersionDriftWarning(UserWarning):
    """A manifest was loaded with `allow_version_drift=True` although an installed version differs from it."""


class RewardRowWarning(UserWarning):
    """Rows a reward failed on were scored None (`on_error: skip`); the run went on."""


class RewardPluginWarning(UserWarning):
    """A plugin failed to load; the others still work. Set REWARD_CORE_STRICT=1 to make it an error."""
