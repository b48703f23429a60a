"""Resolve rewards by name and load a whole spec (names, weights, params) for `GRPOTrainer`."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import (
    RewardCoreError,
    RewardVersionDriftError,
    RewardVersionDriftWarning,
    SpecError,
    VersionDrift,
    drift_message,
    shown,
)
from .guard import GuardedReward, guard
from .interpolation import EnvironmentText, interpolate
from .registry import IN_PROCESS, RewardEntry, canonical_distribution

__all__ = ["get_reward", "load_rewards", "read_spec", "LoadedRewards", "ResolvedReward"]

_SPEC_KEYS = {
    "name": "required",
    "weight": "default 1.0",
    "params": "default {}",
    "log_name": "default: the name",
    "on_error": "'raise' or 'skip'; default: the spec's on_error, else $REWARD_CORE_ON_ERROR, else 'raise'",
    "enabled": "default true; false or empty (e.g. ${VAR:+true} with VAR unset) leaves the entry out",
}
#: Default failure policy of guarded rewards (see `GuardedReward`): "raise" or "skip".
ENV_ON_ERROR = "REWARD_CORE_ON_ERROR"
#: "1"/"true": loading a manifest whose versions differ from the installed ones warns instead of raising.
ENV_ALLOW_VERSION_DRIFT = "REWARD_CORE_ALLOW_VERSION_DRIFT"
#: Version of the manifest layout `LoadedRewards.manifest()` writes.
MANIFEST_VERSION = 1
#: The keys that make a spec entry a manifest record (`ResolvedReward.as_json()`), rebuilt as recorded.
_RECORD_KEYS = frozenset({"name", "resolved", "distribution", "distribution_version"})
_RECORD_OPTIONAL = frozenset({"log_name", "weight", "params", "on_error", "target"})


@dataclasses.dataclass(frozen=True, slots=True)
class ResolvedReward:
    """One reward of a loaded spec: the guarded callable and where it came from."""

    name: str
    log_name: str
    weight: float
    reward: GuardedReward
    entry: RewardEntry | None
    params: dict[str, Any]
    on_error: str = "raise"

    def as_json(self) -> dict[str, Any]:
        """This reward's manifest record: enough to rebuild it with `load_rewards` (see `LoadedRewards.manifest`)."""
        entry = self.entry
        if entry is not None:
            distribution, version = entry.distribution, entry.distribution_version
        else:  # an import path: the installed distribution holding its module, if there is one
            distribution, version = _module_distribution(self.name.partition(":")[0])
        return {
            "name": self.name,
            "resolved": entry.versioned_name if entry else self.name,
            "log_name": self.log_name,
            "weight": self.weight,
            "params": self.params,
            "on_error": self.on_error,
            "target": entry.target_path if entry else self.name,
            "distribution": distribution,
            "distribution_version": version,
        }


@dataclasses.dataclass(frozen=True)
class LoadedRewards:
    """Rewards loaded from a spec, ready for TRL::

    rewards = load_rewards("rewards.yaml")
    GRPOTrainer(..., reward_funcs=rewards.reward_funcs,
                args=GRPOConfig(..., reward_weights=rewards.reward_weights))
    """

    rewards: tuple[ResolvedReward, ...]
    #: Where the rewards are scored when not in this process: an object whose `manifest()` answers the
    #: manifest (the client of a `reward-core serve`, see `reward_core.remote_rewards`); None: in-process.
    source: Any = dataclasses.field(default=None, compare=False, repr=False)
    #: Names of the spec's entries left out by `enabled: false` (or an `enabled` that expanded to nothing).
    left_out: tuple[str, ...] = ()

    @property
    def reward_funcs(self) -> list[GuardedReward]:
        """For `GRPOTrainer(reward_funcs=...)`."""
        return [r.reward for r in self.rewards]

    @property
    def reward_weights(self) -> list[float]:
        """For `GRPOConfig(reward_weights=...)`, aligned with `reward_funcs`."""
        return [r.weight for r in self.rewards]

    @property
    def log_names(self) -> list[str]:
        """The names TRL logs the rewards under (`rewards/<log name>/mean`)."""
        return [r.log_name for r in self.rewards]

    def manifest(self) -> dict[str, Any]:
        """A JSON-serialisable record of what was resolved, to write next to checkpoints and reproduce a run.

        `load_rewards(manifest)` (or the path of the written file) rebuilds exactly these rewards: each
        record's pinned `resolved` name, its full `params`, `weight`, `log_name` and `on_error`, and it checks
        that every providing distribution (`packages`) is installed at the recorded version.
        """
        if self.source is not None:  # served: the server's manifest, what it really scores with
            return self.source.manifest()
        from . import __version__

        records = [r.as_json() for r in self.rewards]
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
            "rewards": records,
        }

    def write_manifest(self, path: str | os.PathLike[str]) -> Path:
        """Write `manifest()` as JSON to `path` (a file, or a directory to hold `reward_manifest.json`)."""
        path = Path(path)
        if path.is_dir():
            path = path / "reward_manifest.json"
        path.write_text(json.dumps(self.manifest(), indent=2) + "\n")
        return path

    def __iter__(self) -> Iterator[ResolvedReward]:
        return iter(self.rewards)

    def __len__(self) -> int:
        return len(self.rewards)


def get_reward(name: str, /, **params: Any) -> GuardedReward:
    """A ready, guarded instance of the reward called `name`, built with `params`.

    `name` is a qualified name (`"math.answer_correctness"`), a versioned one (`"...v1"`), an alias, or an
    import path `"package.module:attr"` to a `BaseReward` subclass or any TRL-compatible callable.

    >>> import reward_core
    >>> @reward_core.register_reward("demo.length")
    ... def length(completions, **kwargs):
    ...     return [float(len(reward_core.completion_text(c))) for c in completions]
    >>> reward_core.get_reward("demo.length")(prompts=["p"], completions=["abc"])
    [3.0]
    """
    return _resolve(name, params, log_name=None, on_error=_default_on_error()).reward


def load_rewards(spec: Any, *, allow_version_drift: bool | None = None) -> LoadedRewards:
    """Load rewards from a spec: a list (or `{"rewards": [...]}`) or the path of a YAML, TOML or JSON file.

    Each entry is a name, or a mapping `{name, weight=1.0, params={}, log_name=name, on_error}`::

        on_error: skip          # optional, for every entry: a failing row scores None instead of stopping
        rewards:
          - math.answer_correctness
          - {name: math.reasoning_tags, weight: 0.5, params: {reasoning_tag: think}}

    Two entries with the same log name (one reward twice, with different params) are told apart in TRL's
    metrics by a `#2`, `#3`... suffix unless a `log_name` is given.

    Entries may name environment variables, the shell's way (see `reward_core.interpolation`): `${NAME}`,
    `${NAME:-default}`, `${NAME:?message}`, `${NAME:+text}`. An entry with `enabled: false` (or an `enabled`
    that expands to nothing) is left out and listed in `LoadedRewards.left_out`::

        - name: judge.answer_relevancy
          enabled: ${JUDGE_URL:+true}          # only when a judge endpoint is configured
          params: {base_url: "${JUDGE_URL}", model: "${JUDGE_MODEL:-gpt-4.1-mini}"}

    Expanded values are what the manifest records, so give a secret's variable name (`api_key_env`), never a
    secret, as a param.

    A run's manifest (`LoadedRewards.manifest()`, `reward_manifest.json`) is a spec too, recognised by its
    records (entries with `resolved`, `distribution` and `distribution_version`): each is rebuilt exactly as
    recorded, pinned version, full params, weight, log name and on_error. When an installed distribution's
    version (or the distribution providing the reward) differs from the recorded one, loading raises
    `RewardVersionDriftError`; with `allow_version_drift=True` (default: `$REWARD_CORE_ALLOW_VERSION_DRIFT`)
    it warns with `RewardVersionDriftWarning` and loads the installed versions.
    """
    source = "spec"
    if isinstance(spec, (str, os.PathLike)):
        source = str(spec)
        spec = read_spec(spec)
    default_on_error = _default_on_error()
    if isinstance(spec, Mapping):
        if "rewards" not in spec:  # other top-level keys (a training config) may sit beside "rewards"
            raise SpecError(f"{source}: expected a list of rewards or a mapping with a 'rewards' key")
        default_on_error = _check_on_error(interpolate(spec.get("on_error", default_on_error), source), source)
        spec = spec["rewards"]
    if not isinstance(spec, Sequence) or isinstance(spec, (str, bytes)):
        raise SpecError(f"{source}: rewards must be a list of names or {{name, weight, params}} mappings")
    records = {index: item for index, item in enumerate(spec) if is_manifest_record(item)}
    if records:
        source = "manifest" if source == "spec" else source
        _check_versions(records, source, _allow_drift(allow_version_drift))
    resolved: list[ResolvedReward] = []
    left_out: list[str] = []
    taken: set[str] = set()
    for index, item in enumerate(spec):
        if index not in records:  # a record is rebuilt exactly as recorded; an entry may use ${VARIABLES}
            if not _enabled(item, index, source):
                left_out.append(_left_out_name(item, index, source))
                continue
            item = interpolate(item, f"{source}, entry {index}")
        if index in records:
            name, pinned, weight, params, log_name, on_error = _parse_record(item, index, source, default_on_error)
        else:
            name, weight, params, log_name, on_error = _parse_entry(item, index, source, default_on_error)
            pinned = name
        if log_name is None:
            log_name, n = name, 1
            while log_name in taken:
                n += 1
                log_name = f"{name}#{n}"
        elif log_name in taken:
            raise SpecError(f"{source}, entry {index}: log_name {log_name!r} is used twice; make it unique")
        taken.add(log_name)
        try:
            reward = _resolve(pinned, params, log_name, on_error)
        except RewardCoreError as exc:
            exc.add_note(f"(in {source}, entry {index}: {pinned!r})")
            raise
        resolved.append(dataclasses.replace(reward, name=name, weight=weight))
    return LoadedRewards(tuple(resolved), left_out=tuple(left_out))


def _left_out_name(item: Mapping[str, Any], index: int, source: str) -> str:
    """A disabled entry's name, expanded when its variables are set (they need not be: it is left out)."""
    try:
        return str(interpolate(item.get("name"), f"{source}, entry {index}"))
    except SpecError:
        return str(item.get("name"))


def _enabled(item: Any, index: int, source: str) -> bool:
    if not isinstance(item, Mapping) or "enabled" not in item:
        return True
    where = f"{source}, entry {index} ({item.get('name')!r})"
    value = interpolate(item["enabled"], where)
    if value is None or (isinstance(value, str) and not value.strip()):  # `enabled:` left empty, or expanded to ""
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        try:
            return EnvironmentText(value).read_as(bool)
        except ValueError:
            pass
    raise SpecError(f"{where}: enabled must be true or false (1/0, yes/no, on/off; empty is false), got {value!r}")


def is_manifest_record(item: Any) -> bool:
    """Whether a spec entry is a manifest record (`ResolvedReward.as_json()`) rather than a hand-written entry."""
    return isinstance(item, Mapping) and _RECORD_KEYS <= item.keys()


def _parse_record(
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
    name, weight, params, log_name, on_error = _parse_entry(
        {"name": item["name"], **entry}, index, source, default_on_error
    )
    pinned = item["resolved"] or name
    if not isinstance(pinned, str):
        raise SpecError(f"{where} ({name!r}): 'resolved' must be a reward name, got {pinned!r}")
    return name, pinned, weight, params, log_name, on_error


def _allow_drift(value: bool | None) -> bool:
    if value is None:
        return os.environ.get(ENV_ALLOW_VERSION_DRIFT, "").lower() in {"1", "true", "yes"}
    return bool(value)


def _check_versions(records: Mapping[int, Mapping[str, Any]], source: str, allow: bool) -> None:
    """Compare each record's distribution and version with what is installed; raise or warn on a difference."""
    drifts = []
    for index, record in records.items():
        try:
            drift = _drift(record)
        except RewardCoreError as exc:
            dist, version = record.get("distribution"), record.get("distribution_version")
            if dist and dist != IN_PROCESS:
                exc.add_note(
                    f"The run got {record['name']!r} from {dist} {version or ''}".rstrip()
                    + f": pip install {(f'{dist}=={version}' if version else dist)!r} to rebuild it."
                )
            elif dist == IN_PROCESS:
                exc.add_note(
                    f"The run registered {record['name']!r} in its own process (register_reward): register it "
                    "again before loading the manifest."
                )
            exc.add_note(f"(in {source}, entry {index}: {record.get('resolved')!r})")
            raise
        if drift is not None:
            drifts.append(drift)
    if not drifts:
        return
    if not allow:
        raise RewardVersionDriftError(drifts, source)
    warnings.warn(
        RewardVersionDriftWarning(
            drift_message(drifts, source)
            + " Loading the installed version(s) anyway (allow_version_drift); to reproduce the run exactly, "
            f"pip install {' '.join(sorted({repr(d.requirement) for d in drifts}))}."
        ),
        stacklevel=3,
    )


def _drift(record: Mapping[str, Any]) -> VersionDrift | None:
    """How the installed provider of a manifest record differs from the recorded one (None: it does not)."""
    from .plugins import plugin_host

    recorded_dist = record.get("distribution")
    recorded_version = record.get("distribution_version") or ""
    pinned = record.get("resolved") or record.get("name")
    if not isinstance(pinned, str) or not pinned:
        raise SpecError(f"a manifest record needs a reward name in 'resolved', got {pinned!r}")
    for key, value in (("distribution", recorded_dist), ("distribution_version", recorded_version)):
        if value is not None and not isinstance(value, str):
            raise SpecError(
                f"manifest record {pinned!r}: {key!r} must be a distribution name or version (text) or null, "
                f"got {type(value).__name__} {value!r}; restore it from the run's reward_manifest.json"
            )
    if ":" in pinned:  # an import path: compare the distribution that held its module, if one did
        if not recorded_dist:
            return None
        installed_dist: str | None = recorded_dist
        installed_version = _installed_version(recorded_dist)
        if installed_version is None:
            installed_dist = None
    else:
        entry = plugin_host().resolve(pinned)
        installed_dist, installed_version = entry.distribution, entry.distribution_version
        if not recorded_dist:
            return None
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


def _parse_entry(
    item: Any, index: int, source: str, default_on_error: str
) -> tuple[str, float, dict[str, Any], str | None, str]:
    where = f"{source}, entry {index}"
    if isinstance(item, str):
        return item, 1.0, {}, None, default_on_error
    if not isinstance(item, Mapping):
        raise SpecError(f"{where}: expected a reward name or a mapping, got {type(item).__name__} {item!r}")
    unknown = set(item) - set(_SPEC_KEYS)
    if unknown:
        accepted = ", ".join(f"{k} ({v})" for k, v in _SPEC_KEYS.items())
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}; accepted keys: {accepted}")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError(f"{where}: 'name' is required and must be a reward name, got {name!r}")
    weight = item.get("weight", 1.0)
    if isinstance(weight, EnvironmentText):
        try:
            weight = weight.read_as(float)
        except ValueError:
            raise SpecError(f"{where} ({name!r}): weight must be a finite number, got {str(weight)!r}") from None
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(_float(weight)):
        raise SpecError(f"{where} ({name!r}): weight must be a finite number, got {shown(weight)}")
    params = item.get("params") or {}
    if not isinstance(params, Mapping):
        raise SpecError(f"{where} ({name!r}): params must be a mapping, got {type(params).__name__}")
    log_name = item.get("log_name")
    if log_name is not None and (not isinstance(log_name, str) or not log_name):
        raise SpecError(f"{where} ({name!r}): log_name must be a non-empty string")
    on_error = _check_on_error(item.get("on_error", default_on_error), f"{where} ({name!r})")
    return name, float(weight), dict(params), log_name, on_error


def _float(number: int | float) -> float:
    """`number` as a float; inf for an int beyond the float range (`10**400`), which no weight may be."""
    try:
        return float(number)
    except OverflowError:
        return math.inf


def _default_on_error() -> str:
    return _check_on_error(os.environ.get(ENV_ON_ERROR) or "raise", f"${ENV_ON_ERROR}")


def _check_on_error(value: Any, where: str) -> str:
    from .guard import ON_ERROR

    if value not in ON_ERROR:
        raise SpecError(f"{where}: on_error must be one of {list(ON_ERROR)}, got {value!r}")
    return value


def read_spec(path: str | os.PathLike[str]) -> Any:
    """The document of a spec file (YAML, TOML or JSON), as `load_rewards` reads it, before any `${VARIABLE}` is
    expanded. A training config is a spec with more top-level keys beside `rewards`.
    """
    path = Path(path)
    try:  # a name too long for the file system, a directory, no permission, bytes that are not UTF-8
        if not path.is_file():
            raise SpecError(f"reward spec file {str(path)!r} does not exist (or is not a file)")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{path}: the spec is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise SpecError(f"reward spec file {str(path)!r} cannot be read: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix in {".yaml", ".yml"}:
            try:
                import yaml
            except ImportError:
                raise SpecError(
                    f"{path}: reading YAML needs PyYAML: pip install 'reward-core[yaml]'"
                ) from None
            return yaml.safe_load(text)
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
    except SpecError:
        raise
    except Exception as exc:
        raise SpecError(f"{path}: could not parse {suffix[1:].upper()}: {exc}") from exc
    raise SpecError(f"{path}: unknown spec format {suffix!r}; use .yaml, .yml, .toml or .json")


def _resolve(name: str, params: Mapping[str, Any], log_name: str | None, on_error: str) -> ResolvedReward:
    from .plugins import plugin_host

    if not isinstance(name, str) or not name:
        raise SpecError(f"a reward name must be a non-empty string, got {name!r}")
    target = plugin_host().target(name)
    log_name = log_name or target.default_log_name
    reward, built_with = target.build(params, log_name)
    return ResolvedReward(
        name=name,
        log_name=log_name,
        weight=1.0,
        reward=guard(reward, log_name, target.entry, on_error),
        entry=target.entry,
        params=built_with,
        on_error=on_error,
    )
