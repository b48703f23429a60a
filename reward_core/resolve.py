"""From names to ready rewards: `get_reward`, `load_rewards`, and what they return (`LoadedRewards`).

A name is a registered name (bare, versioned or alias: the plugin host resolves it) or an import path
`"package.module:attr"` (imported here); `target_of` is the one place that tells them apart. Each entry of a
spec becomes a guarded reward (`reward_core.guard`) with its weight and log name; each record of a manifest is
resolved once, its provider compared with the recorded one (`reward_core.manifest`), then built as recorded.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import RewardCoreError, SpecError
from .guard import GuardedReward, guard
from .interpolation import interpolate
from .manifest import (
    allow_drift,
    check_drift,
    drift,
    is_manifest_record,
    manifest_of,
    missing_provider_note,
    parse_record,
    record_of,
)
from .plugins import plugin_host
from .registry import RewardEntry
from .spec import default_on_error, entry_enabled, left_out_name, parse_entry, read_spec, spec_on_error
from .target import RewardTarget, is_import_path

__all__ = ["get_reward", "load_rewards", "target_of", "LoadedRewards", "ResolvedReward"]


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
        return record_of(self.name, self.log_name, self.weight, self.params, self.on_error, self.entry)


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
        return manifest_of([r.as_json() for r in self.rewards])

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


def target_of(name: str) -> RewardTarget:
    """What `name` points at, imported: a registered name through the plugin host, or an import path.

    `load_rewards`, `get_reward` and `reward-core show` all ask this, so they agree on what a name is.
    """
    if not isinstance(name, str) or not name:
        raise SpecError(f"a reward name must be a non-empty string, got {name!r}")
    if is_import_path(name):
        return RewardTarget.from_import_path(name)
    return plugin_host().target(name)


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
    return _build(name, target_of(name), params, log_name=None, on_error=default_on_error()).reward


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
    on_error = default_on_error()
    if isinstance(spec, Mapping):
        if "rewards" not in spec:  # other top-level keys (a training config) may sit beside "rewards"
            raise SpecError(f"{source}: expected a list of rewards or a mapping with a 'rewards' key")
        on_error = spec_on_error(spec, source)
        spec = spec["rewards"]
    if not isinstance(spec, Sequence) or isinstance(spec, (str, bytes)):
        raise SpecError(f"{source}: rewards must be a list of names or {{name, weight, params}} mappings")
    records = {index: item for index, item in enumerate(spec) if is_manifest_record(item)}
    if records:
        source = "manifest" if source == "spec" else source
    # A manifest's records are resolved first, once each, and compared with what is installed before anything
    # is built: a run that cannot be reproduced says so before it costs a reward's construction.
    parsed: dict[int, tuple[str, str, float, dict[str, Any], str | None, str]] = {}
    targets: dict[int, RewardTarget] = {}
    drifts = []
    for index, item in records.items():
        parsed[index] = record = parse_record(item, index, source, on_error)
        try:
            targets[index] = target = target_of(record[1])
            found = drift(item, target.entry)
        except RewardCoreError as exc:
            note = missing_provider_note(item)
            if note:
                exc.add_note(note)
            exc.add_note(f"(in {source}, entry {index}: {item.get('resolved')!r})")
            raise
        if found is not None:
            drifts.append(found)
    check_drift(drifts, source, allow_drift(allow_version_drift))

    resolved: list[ResolvedReward] = []
    left_out: list[str] = []
    taken: set[str] = set()
    for index, item in enumerate(spec):
        if index in parsed:  # a record is rebuilt exactly as recorded
            name, pinned, weight, params, log_name, entry_on_error = parsed[index]
        else:  # an entry may use ${VARIABLES} and enabled:
            if not entry_enabled(item, index, source):
                left_out.append(left_out_name(item, index, source))
                continue
            item = interpolate(item, f"{source}, entry {index}")
            name, weight, params, log_name, entry_on_error = parse_entry(item, index, source, on_error)
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
            target = targets.get(index) or target_of(pinned)
            reward = _build(pinned, target, params, log_name, entry_on_error)
        except RewardCoreError as exc:
            exc.add_note(f"(in {source}, entry {index}: {pinned!r})")
            raise
        resolved.append(dataclasses.replace(reward, name=name, weight=weight))
    return LoadedRewards(tuple(resolved), left_out=tuple(left_out))


def _build(
    name: str, target: RewardTarget, params: Mapping[str, Any], log_name: str | None, on_error: str
) -> ResolvedReward:
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
