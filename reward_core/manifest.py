"""Manifests: what a run resolved (names pinned to versions, params, weights, providing distributions), and
whether what is installed now still matches it (version drift).

`manifest_of(rewards)` is what `LoadedRewards.manifest()` writes; `is_manifest_record` tells a manifest's
records from hand-written spec entries; `parse_record` reads one; `check_drift` compares the recorded
distributions and versions with the installed ones (raising `RewardVersionDriftError`, or warning with
`allow_version_drift`).
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from ._version import __version__
from .errors import (
    RewardVersionDriftError,
    RewardVersionDriftWarning,
    SpecError,
    VersionDrift,
    drift_message,
)
from .registry import IN_PROCESS, RewardEntry, canonical_distribution
from .spec import parse_entry
from .target import module_of

__all__ = [
    "ENV_ALLOW_VERSION_DRIFT",
    "MANIFEST_VERSION",
    "allow_drift",
    "check_drift",
    "drift",
    "is_manifest_record",
    "missing_provider_note",
    "manifest_of",
    "parse_record",
    "record_of",
]

#: "1"/"true": loading a manifest whose versions differ from the installed ones warns instead of raising.
ENV_ALLOW_VERSION_DRIFT = "REWARD_CORE_ALLOW_VERSION_DRIFT"
#: Version of the manifest layout `manifest_of` writes.
MANIFEST_VERSION = 1
#: The keys that make a spec entry a manifest record (`record_of`), rebuilt as recorded.
_RECORD_KEYS = frozenset({"name", "resolved", "distribution", "distribution_version"})
_RECORD_OPTIONAL = frozenset({"log_name", "weight", "params", "on_error", "target"})


def record_of(
    name: str, log_name: str, weight: float, params: dict[str, Any], on_error: str, entry: RewardEntry | None
) -> dict[str, Any]:
    """One reward's manifest record: enough to rebuild it with `load_rewards`."""
    if entry is not None:
        distribution, version = entry.distribution, entry.distribution_version
    else:  # an import path: the installed distribution holding its module, if there is one
        distribution, version = _module_distribution(module_of(name))
    return {
        "name": name,
        "resolved": entry.versioned_name if entry else name,
        "log_name": log_name,
        "weight": weight,
        "params": params,
        "on_error": on_error,
        "target": entry.target_path if entry else name,
        "distribution": distribution,
        "distribution_version": version,
    }


def manifest_of(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A manifest of `records` (`record_of`): versions of reward-core, Python and every providing distribution."""
    packages = {
        r["distribution"]: r["distribution_version"]
        for r in records
        if r["distribution"] and r["distribution"] != IN_PROCESS
    }
    return {
        "manifest_version": MANIFEST_VERSION,
        "reward_core_version": __version__,
        "python": sys.version.split()[0],
        "packages": dict(sorted(packages.items())),
        "rewards": list(records),
    }


def is_manifest_record(item: Any) -> bool:
    """Whether a spec entry is a manifest record (`ResolvedReward.as_json()`) rather than a hand-written entry."""
    return isinstance(item, Mapping) and _RECORD_KEYS <= item.keys()


def parse_record(
    item: Mapping[str, Any], index: int, source: str, default_on_error: str
) -> tuple[str, str, float, dict[str, Any], str | None, str]:
    """A manifest record: the name as written, the pinned name to resolve, weight, params, log name, on_error."""
    where = f"{source}, entry {index}"
    unknown = set(item) - _RECORD_KEYS - _RECORD_OPTIONAL
    if unknown:
        raise SpecError(
            f"{where}: unknown key(s) {sorted(unknown)} in a manifest record; a record has "
            f"{sorted(_RECORD_KEYS | _RECORD_OPTIONAL)} (as written by LoadedRewards.write_manifest)"
        )
    entry = {k: item[k] for k in ("weight", "params", "log_name", "on_error") if k in item}
    name, weight, params, log_name, on_error = parse_entry(
        {"name": item["name"], **entry}, index, source, default_on_error
    )
    pinned = item["resolved"] or name
    if not isinstance(pinned, str):
        raise SpecError(f"{where} ({name!r}): 'resolved' must be a reward name, got {pinned!r}")
    return name, pinned, weight, params, log_name, on_error


def allow_drift(value: bool | None) -> bool:
    """`allow_version_drift` as given, else `$REWARD_CORE_ALLOW_VERSION_DRIFT`."""
    if value is None:
        return os.environ.get(ENV_ALLOW_VERSION_DRIFT, "").lower() in {"1", "true", "yes"}
    return bool(value)


def missing_provider_note(record: Mapping[str, Any]) -> str | None:
    """What to do when a record's reward cannot be resolved: install the recorded distribution, or register it."""
    dist, version = record.get("distribution"), record.get("distribution_version")
    if dist == IN_PROCESS:
        return (f"The run registered {record['name']!r} in its own process (register_reward): register it "
                "again before loading the manifest.")
    if dist:
        return (f"The run got {record['name']!r} from {dist} {version or ''}".rstrip()
                + f": pip install {(f'{dist}=={version}' if version else dist)!r} to rebuild it.")
    return None


def check_drift(drifts: Sequence[VersionDrift], source: str, allow: bool) -> None:
    """Raise `RewardVersionDriftError` for `drifts` (or, with `allow`, warn and go on); nothing when empty."""
    if not drifts:
        return
    if not allow:
        raise RewardVersionDriftError(list(drifts), source)
    warnings.warn(
        RewardVersionDriftWarning(
            drift_message(list(drifts), source)
            + " Loading the installed version(s) anyway (allow_version_drift); to reproduce the run exactly, "
            f"pip install {' '.join(sorted({repr(d.requirement) for d in drifts}))}."
        ),
        stacklevel=3,  # the caller of load_rewards
    )


def drift(record: Mapping[str, Any], entry: RewardEntry | None) -> VersionDrift | None:
    """How the installed provider of a manifest record differs from the recorded one (None: it does not).

    `entry` is the record's `resolved` name as resolved now; None for an import path.
    """
    recorded_dist = record.get("distribution")
    recorded_version = record.get("distribution_version") or ""
    pinned = record.get("resolved") or record.get("name")
    for key, value in (("distribution", recorded_dist), ("distribution_version", recorded_version)):
        if value is not None and not isinstance(value, str):
            raise SpecError(
                f"manifest record {pinned!r}: {key!r} must be a distribution name or version (text) or null, "
                f"got {type(value).__name__} {value!r}; restore it from the run's reward_manifest.json"
            )
    if not recorded_dist:
        return None
    if entry is None:  # an import path: compare the distribution that held its module, if one did
        installed_dist: str | None = recorded_dist
        installed_version = _installed_version(recorded_dist)
        if installed_version is None:
            installed_dist = None
    else:
        installed_dist, installed_version = entry.distribution, entry.distribution_version
    if (
        installed_dist is not None
        and canonical_distribution(installed_dist) == canonical_distribution(recorded_dist)
        and (installed_version or "") == recorded_version
    ):
        return None
    return VersionDrift(
        reward=str(record.get("name") or pinned),
        log_name=str(record.get("log_name") or record.get("name") or pinned),
        distribution=recorded_dist,
        recorded_version=recorded_version,
        installed_distribution=installed_dist,
        installed_version=installed_version,
        resolved=pinned,
    )


def _installed_version(distribution: str) -> str | None:
    import importlib_metadata

    try:
        return importlib_metadata.version(distribution)
    except importlib_metadata.PackageNotFoundError:
        return None


@functools.cache
def _module_distribution(module: str) -> tuple[str | None, str | None]:
    """The installed distribution (name, version) that holds the top-level package of `module`, if any."""
    import importlib_metadata

    top = module.split(".", 1)[0]
    # Fast path: a distribution named like the package that ships it (rc_fixture_good -> rc-fixture-good).
    for candidate in dict.fromkeys([top, top.replace("_", "-")]):
        try:
            dist = importlib_metadata.distribution(candidate)
        except importlib_metadata.PackageNotFoundError:
            continue
        if _ships(dist, top):
            return dist.metadata["Name"], dist.version
    # Otherwise map every installed distribution's files (about a second in a big environment; once a process).
    names = _packages_distributions().get(top) or []
    if len(set(names)) != 1:  # not installed (a local module), or shared by several: nothing to pin
        return None, None
    version = _installed_version(names[0])
    return (names[0], version) if version is not None else (None, None)


def _ships(dist: Any, top: str) -> bool:
    if top in (dist.read_text("top_level.txt") or "").split():
        return True
    return any(f.parts and f.parts[0] in {top, f"{top}.py"} for f in dist.files or [])


@functools.cache
def _packages_distributions() -> Mapping[str, list[str]]:
    import importlib_metadata

    return importlib_metadata.packages_distributions()


