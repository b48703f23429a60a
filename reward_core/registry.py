"""Reward entries, qualified and versioned names, aliases, conflicts and "did you mean"."""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import re
from collections.abc import Iterable
from typing import Any

from .errors import RewardConflictError, RewardLoadError, RewardNameError, UnknownRewardError

__all__ = ["RewardEntry", "RewardRegistry", "split_version", "check_name", "make_entry", "canonical_distribution", "import_target", "IN_PROCESS"]

IN_PROCESS = "<in-process>"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")
_VERSION = re.compile(r"(?P<base>.+)\.v(?P<version>[0-9]+)")
_SEPARATORS = re.compile(r"[-_.]+")


def canonical_distribution(name: str) -> str:
    """A distribution name as pip compares them (PEP 503): `Reward_Core.Math` → `reward-core-math`."""
    return _SEPARATORS.sub("-", name).lower()


def split_version(name: str) -> tuple[str, int | None]:
    """`"math.x.v2"` → `("math.x", 2)`; `"math.x"` → `("math.x", None)`."""
    match = _VERSION.fullmatch(name)
    if match:
        return match["base"], int(match["version"])
    return name, None


@dataclasses.dataclass(frozen=True, slots=True)
class RewardEntry:
    """One registered reward: what `reward-core list` shows, known without importing the reward."""

    name: str
    version: int
    target: Any
    summary: str = ""
    aliases: tuple[str, ...] = ()
    distribution: str = IN_PROCESS
    distribution_version: str = ""
    plugin: str = ""

    @property
    def versioned_name(self) -> str:
        return f"{self.name}.v{self.version}"

    @property
    def provider(self) -> str:
        return f"{self.distribution} {self.distribution_version}".strip()

    @property
    def target_path(self) -> str:
        if isinstance(self.target, str):
            return self.target
        return f"{getattr(self.target, '__module__', '?')}:{getattr(self.target, '__qualname__', repr(self.target))}"

    def load(self) -> Any:
        """Import and return the reward class or function (the first and only heavy step)."""
        if not isinstance(self.target, str):
            return self.target
        try:
            return import_target(self.target)
        except Exception as exc:
            raise RewardLoadError(
                f"reward {self.versioned_name!r} (from {self.provider}) could not be loaded from "
                f"{self.target!r}: {type(exc).__name__}: {exc}. Reinstall {self.distribution!r} with its "
                "dependencies, or report it to its authors."
            ) from exc

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "versioned_name": self.versioned_name,
            "summary": self.summary,
            "aliases": list(self.aliases),
            "distribution": self.distribution,
            "distribution_version": self.distribution_version,
            "target": self.target_path,
        }


def import_target(path: str) -> Any:
    """Import `"package.module:attr.sub"` and return the attribute."""
    module_name, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


def check_name(name: str) -> None:
    """Raise `RewardNameError` unless `name` is a qualified reward name (`<namespace>.<name>`)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RewardNameError(
            f"invalid reward name {name!r}: use '<namespace>.<name>' of letters, digits and underscores, "
            "e.g. 'math.answer_correctness' (optionally '.v2')"
        )


class RewardRegistry:
    """Entries by name and version. Conflicts are kept, not resolved: resolving a conflicted name raises."""

    def __init__(self) -> None:
        self._by_name: dict[str, dict[int, list[RewardEntry]]] = {}
        self._aliases: dict[str, list[RewardEntry]] = {}

    def add(self, entry: RewardEntry) -> None:
        versions = self._by_name.setdefault(entry.name, {})
        same = versions.setdefault(entry.version, [])
        # A distribution re-registering its own name (a notebook cell run twice) replaces it.
        same[:] = [e for e in same if e.distribution != entry.distribution] + [entry]
        for alias in entry.aliases:
            owners = self._aliases.setdefault(alias, [])
            owners[:] = [e for e in owners if e.distribution != entry.distribution] + [entry]

    def entries(self) -> list[RewardEntry]:
        """Every entry, sorted by name and version (conflicting entries included)."""
        return [
            entry
            for name in sorted(self._by_name)
            for version in sorted(self._by_name[name])
            for entry in self._by_name[name][version]
        ]

    def conflicts(self) -> dict[str, list[RewardEntry]]:
        """Names (versioned) and aliases claimed by more than one distribution."""
        found = {
            f"{name}.v{version}": group
            for name, versions in self._by_name.items()
            for version, group in versions.items()
            if len(group) > 1
        }
        for alias, owners in self._aliases.items():
            if len({e.distribution for e in owners}) > 1:
                found[alias] = owners
        return found

    def resolve(self, name: str, broken: Iterable[str] = ()) -> RewardEntry:
        """The entry for a bare, versioned or alias name; raises `UnknownRewardError` or `RewardConflictError`."""
        base, version = split_version(name)
        versions = self._by_name.get(base)
        if versions is None:
            alias = name if name in self._aliases else base if base in self._aliases else None
            if alias is not None:  # an alias names a reward; it resolves like the reward's own name
                owners = self._aliases[alias]
                if len({e.name for e in owners}) > 1 or len({e.distribution for e in owners}) > 1:
                    raise RewardConflictError(alias, [f"{e.provider} (alias of {e.name})" for e in owners])
                if alias == name:
                    version = None
                base = owners[0].name
                versions = self._by_name.get(base)
        if versions is None or (version is not None and version not in versions):
            raise UnknownRewardError(name, self.suggest(name), len(self._by_name), list(broken))
        group = versions[max(versions) if version is None else version]
        if len(group) > 1:
            raise RewardConflictError(name, [e.provider for e in group])
        return group[0]

    def suggest(self, name: str) -> list[str]:
        known = list(self._by_name) + list(self._aliases)
        known += [f"{n}.v{v}" for n, versions in self._by_name.items() for v in versions]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        if not close:  # a right short name in the wrong namespace: "answer_correctness" → "math.answer_correctness"
            tail = name.rsplit(".", 1)[-1]
            close = [n for n in self._by_name if n.rsplit(".", 1)[-1] == tail][:3]
        return close

    def __len__(self) -> int:
        return len(self._by_name)


def make_entry(
    name: str,
    target: Any,
    summary: str | None,
    aliases: Iterable[str],
    version: int | None,
    distribution: str,
    distribution_version: str,
    plugin: str,
) -> RewardEntry:
    """A checked `RewardEntry` for one `register(...)` call: name and aliases valid, version consistent."""
    check_name(name)
    base, suffix_version = split_version(name)
    if version is not None and suffix_version is not None and version != suffix_version:
        raise RewardNameError(f"reward {name!r}: version={version} contradicts the '.v{suffix_version}' suffix")
    aliases = tuple(aliases)
    for alias in aliases:
        check_name(alias)
    if summary is None and not isinstance(target, str):
        summary = (getattr(target, "__doc__", None) or "").strip().split("\n", 1)[0]
    return RewardEntry(
        name=base,
        version=version or suffix_version or 1,
        target=target,
        summary=summary or "",
        aliases=aliases,
        distribution=distribution,
        distribution_version=distribution_version,
        plugin=plugin,
    )
