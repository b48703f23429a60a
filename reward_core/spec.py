"""The spec language: reading a spec file, and what each entry of a spec says.

A spec is a list of entries (or `{"rewards": [...], "on_error": ...}`, beside a training config's other keys), in
YAML, TOML or JSON: each entry a reward name, or `{name, weight, params, log_name, on_error, enabled}`, whose
`${VARIABLES}` expand the shell's way (`reward_core.interpolation`). `read_spec` reads a file; `parse_entry`
checks one entry; `entry_enabled` reads its `enabled`. Resolving the names and building the rewards is
`reward_core.resolve`'s job; a run's manifest records are `reward_core.manifest`'s.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import SpecError, shown
from .guard import check_on_error
from .interpolation import EnvironmentText, interpolate

__all__ = ["ENV_ON_ERROR", "SPEC_KEYS", "default_on_error", "entry_enabled", "left_out_name", "parse_entry",
           "read_spec", "spec_on_error"]

#: The keys of a spec entry, with what each defaults to.
SPEC_KEYS = {
    "name": "required",
    "weight": "default 1.0",
    "params": "default {}",
    "log_name": "default: the name",
    "on_error": "'raise' or 'skip'; default: the spec's on_error, else $REWARD_CORE_ON_ERROR, else 'raise'",
    "enabled": "default true; false or empty (e.g. ${VAR:+true} with VAR unset) leaves the entry out",
}
#: Default failure policy of guarded rewards (see `GuardedReward`): "raise" or "skip".
ENV_ON_ERROR = "REWARD_CORE_ON_ERROR"


def default_on_error() -> str:
    """`$REWARD_CORE_ON_ERROR`, else "raise"."""
    return check_on_error(os.environ.get(ENV_ON_ERROR) or "raise", f"${ENV_ON_ERROR}", SpecError)


def spec_on_error(spec: Mapping[str, Any], source: str) -> str:
    """A spec mapping's own `on_error` (expanded), else `default_on_error()`."""
    return check_on_error(interpolate(spec.get("on_error", default_on_error()), source), source, SpecError)


def left_out_name(item: Mapping[str, Any], index: int, source: str) -> str:
    """A disabled entry's name, expanded when its variables are set (they need not be: it is left out)."""
    try:
        return str(interpolate(item.get("name"), f"{source}, entry {index}"))
    except SpecError:
        return str(item.get("name"))


def entry_enabled(item: Any, index: int, source: str) -> bool:
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


def parse_entry(
    item: Any, index: int, source: str, default_on_error: str
) -> tuple[str, float, dict[str, Any], str | None, str]:
    """One hand-written entry (already expanded): its name, weight, params, log name (None: the name) and
    on_error; `SpecError` naming `source` and the entry's `index` for anything malformed."""
    where = f"{source}, entry {index}"
    if isinstance(item, str):
        return item, 1.0, {}, None, default_on_error
    if not isinstance(item, Mapping):
        raise SpecError(f"{where}: expected a reward name or a mapping, got {type(item).__name__} {item!r}")
    unknown = set(item) - set(SPEC_KEYS)
    if unknown:
        accepted = ", ".join(f"{k} ({v})" for k, v in SPEC_KEYS.items())
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
    on_error = check_on_error(item.get("on_error", default_on_error), f"{where} ({name!r})", SpecError)
    return name, float(weight), dict(params), log_name, on_error


def _float(number: int | float) -> float:
    """`number` as a float; inf for an int beyond the float range (`10**400`), which no weight may be."""
    try:
        return float(number)
    except OverflowError:
        return math.inf


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
