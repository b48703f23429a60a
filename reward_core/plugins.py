"""Plugin discovery: entry points read once per process, allow/deny lists, strict mode, broken plugins.

Listing imports only the plugins' small registration modules; a reward's own code is imported when its name
is resolved (see `registry.RewardEntry.load`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from .errors import PluginLoadError, RewardNameError, RewardPluginWarning
from .registry import IN_PROCESS, RewardEntry, RewardRegistry, check_name, split_version

__all__ = [
    "ENV_ALLOW",
    "ENV_DENY",
    "ENV_STRICT",
    "PluginInfo",
    "BrokenPlugin",
    "configure_plugins",
    "reload_plugins",
    "reset_plugins",
    "register_reward",
    "list_rewards",
    "registry",
    "list_plugins",
    "broken_plugins",
]

#: Comma-separated distribution names: load only these plugins (set but empty: load none).
ENV_ALLOW = "REWARD_CORE_PLUGINS"
#: Comma-separated distribution names: never load these plugins.
ENV_DENY = "REWARD_CORE_DISABLE_PLUGINS"
#: "1"/"true": a plugin that fails to import or register raises `PluginLoadError` instead of warning.
ENV_STRICT = "REWARD_CORE_STRICT"


@dataclasses.dataclass(frozen=True, slots=True)
class PluginInfo:
    """A loaded plugin and the rewards it registered."""

    distribution: str
    version: str
    entry_point: str
    rewards: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class BrokenPlugin:
    """A plugin that failed to import or register; the others loaded regardless."""

    distribution: str
    version: str
    entry_point: str
    error: str
    exception: BaseException = dataclasses.field(repr=False, compare=False)

    def describe(self) -> str:
        return f"{self.distribution} {self.version} (entry point {self.entry_point}): {self.error}"

    def as_json(self) -> dict[str, str]:
        return {
            "distribution": self.distribution,
            "version": self.version,
            "entry_point": self.entry_point,
            "error": self.error,
        }


@dataclasses.dataclass
class _Settings:
    allow: frozenset[str] | None = None
    deny: frozenset[str] = frozenset()
    strict: bool = False


@dataclasses.dataclass
class _Loaded:
    registry: RewardRegistry
    plugins: list[PluginInfo]
    broken: list[BrokenPlugin]


_UNSET: Any = object()
_lock = threading.RLock()
_overrides: dict[str, Any] = {}
_local: list[RewardEntry] = []
_entry_points: list[Any] | None = None
_loaded: _Loaded | None = None


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(_normalize(v.strip()) for v in value if v.strip())


def _settings() -> _Settings:
    allow = _overrides.get("allow", _UNSET)
    deny = _overrides.get("deny", _UNSET)
    strict = _overrides.get("strict", _UNSET)
    return _Settings(
        allow=_names(os.environ.get(ENV_ALLOW)) if allow is _UNSET else _names(allow),
        deny=(_names(os.environ.get(ENV_DENY, "")) if deny is _UNSET else _names(deny)) or frozenset(),
        strict=os.environ.get(ENV_STRICT, "").lower() in {"1", "true", "yes"} if strict is _UNSET else bool(strict),
    )


def configure_plugins(
    *,
    allow: Iterable[str] | str | None = _UNSET,
    deny: Iterable[str] | str | None = _UNSET,
    strict: bool | None = _UNSET,
) -> None:
    """Choose which plugins load; takes effect at the next listing or resolution.

    :param allow: distribution names to load (all others are skipped); `None` loads all; `[]` loads none.
        Overrides the `REWARD_CORE_PLUGINS` environment variable.
    :param deny: distribution names never to load. Overrides `REWARD_CORE_DISABLE_PLUGINS`.
    :param strict: raise `PluginLoadError` when a plugin fails instead of warning. Overrides
        `REWARD_CORE_STRICT`.

    Arguments left out keep their current setting; pass `None` to go back to the environment variable.
    """
    with _lock:
        global _loaded
        for key, value in (("allow", allow), ("deny", deny), ("strict", strict)):
            if value is None:
                _overrides.pop(key, None)
            elif value is not _UNSET:
                _overrides[key] = value
        _loaded = None


def reload_plugins() -> None:
    """Forget everything discovered and read the installed entry points again (after a `pip install`)."""
    global _entry_points, _loaded
    with _lock:
        _entry_points = None
        _loaded = None


def reset_plugins() -> None:
    """Back to a fresh process: forget in-process registrations, `configure_plugins` settings and discovery."""
    global _entry_points, _loaded
    with _lock:
        _local.clear()
        _overrides.clear()
        _entry_points = None
        _loaded = None


def register_reward(
    name: str,
    target: Any = None,
    *,
    summary: str | None = None,
    aliases: Iterable[str] = (),
    version: int | None = None,
) -> Any:
    """Register a reward in this process, without packaging (notebooks, tests, scripts).

    Use it as a call, `register_reward("lab.brevity", BrevityReward)`, or as a decorator::

        @register_reward("lab.brevity", summary="Shorter is better.")
        def brevity(completions, **kwargs):
            return [1.0 / (1 + len(c)) for c in completions]

    Registering the same name again replaces the earlier registration.
    """
    if target is None:
        return lambda obj: (register_reward(name, obj, summary=summary, aliases=aliases, version=version), obj)[1]
    entry = _make_entry(name, target, summary, aliases, version, IN_PROCESS, "", "register_reward")
    with _lock:
        _local[:] = [e for e in _local if (e.name, e.version) != (entry.name, entry.version)] + [entry]
        if _loaded is not None:
            _loaded.registry.add(entry)
    return target


def list_rewards() -> list[RewardEntry]:
    """Every registered reward (all versions), sorted by name; imports no reward implementation."""
    return _load().registry.entries()


def registry() -> RewardRegistry:
    """The registry of every reward from allowed plugins and in-process registrations (loaded on first use)."""
    return _load().registry


def list_plugins() -> list[PluginInfo]:
    """The plugins that loaded, with the rewards each registered."""
    return list(_load().plugins)


def broken_plugins() -> list[BrokenPlugin]:
    """The plugins that failed to import or register."""
    return list(_load().broken)


def _scan() -> list[Any]:
    # importlib.metadata re-reads every distribution's metadata on each call: scan once per process.
    global _entry_points
    if _entry_points is None:
        import importlib_metadata

        _entry_points = list(importlib_metadata.entry_points(group=_group()))
    return _entry_points


def _group() -> str:
    from .hookspecs import ENTRY_POINT_GROUP

    return ENTRY_POINT_GROUP


def _load() -> _Loaded:
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _discover(_settings())
        return _loaded


def _discover(settings: _Settings) -> _Loaded:
    import pluggy

    from . import _builtin, hookspecs

    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    loaded = _Loaded(RewardRegistry(), [], [])
    sources: list[tuple[str, str, str, Callable[[], Any]]] = []
    if "reward-core" not in settings.deny:  # built-ins ignore the allow-list (like llm's), not the deny-list
        sources.append(("reward-core", _own_version(), "reward_core._builtin", lambda: _builtin))
    for ep in _scan():
        dist_name, dist_version = _dist(ep)
        normalized = _normalize(dist_name)
        if normalized in settings.deny or (settings.allow is not None and normalized not in settings.allow):
            continue
        sources.append((dist_name, dist_version, f"{ep.name} = {ep.value}", ep.load))
    seen: set[int] = set()
    for dist_name, dist_version, ep_label, load in sources:
        try:
            module = load()
            staged = _call_plugin(manager, module, dist_name, dist_version, ep_label, seen)
        except Exception as exc:
            broken = BrokenPlugin(dist_name, dist_version, ep_label, f"{type(exc).__name__}: {exc}", exc)
            if settings.strict:
                raise PluginLoadError(
                    f"plugin {broken.describe()}. Fix or uninstall {dist_name!r}, or exclude it with "
                    f"{ENV_DENY}={dist_name}."
                ) from exc
            warnings.warn(
                RewardPluginWarning(
                    f"reward-core: plugin {broken.describe()} — skipped; other plugins are unaffected. "
                    f"Exclude it with {ENV_DENY}={dist_name}, or set {ENV_STRICT}=1 to make this an error."
                ),
                stacklevel=4,
            )
            loaded.broken.append(broken)
            continue
        for entry in staged:
            loaded.registry.add(entry)
        loaded.plugins.append(PluginInfo(dist_name, dist_version, ep_label, tuple(e.versioned_name for e in staged)))
    for entry in _local:
        loaded.registry.add(entry)
    return loaded


class _HookImpls:
    """A plugin module's hook implementations alone, as registered with pluggy.

    pluggy inspects every attribute of a registered object with `inspect.getattr_static`; handing it only the
    marked functions made listing 200 installed packs 25 % faster.
    """

    def __init__(self, impls: dict[str, Any]) -> None:
        self.__dict__.update(impls)

    def __dir__(self) -> list[str]:
        return list(self.__dict__)


def _call_plugin(
    manager: Any, module: Any, dist: str, dist_version: str, ep_label: str, seen: set[int]
) -> list[RewardEntry]:
    """Register `module`'s hooks with pluggy (which validates them against the specs) and call them alone.

    Each plugin's hook is called on its own, rather than through one `manager.hook.register_rewards()`, so
    that one failing plugin cannot abort the others, and each registration is attributed to its distribution.
    """
    if id(module) in seen:  # two entry points naming one module: register it once
        return []
    seen.add(id(module))
    marker = f"{manager.project_name}_impl"
    impls = {name: obj for name, obj in vars(module).items() if callable(obj) and hasattr(obj, marker)}
    unknown = sorted(set(impls) - set(_hook_names()))
    if unknown:
        raise PluginLoadError(f"unknown hook(s) {unknown}; reward-core's hooks are {_hook_names()}")
    manager.register(_HookImpls(impls), name=f"{dist}:{ep_label}")
    staged: list[RewardEntry] = []

    def register(
        name: str, target: Any, *, summary: str | None = None, aliases: Iterable[str] = (), version: int | None = None
    ) -> None:
        staged.append(_make_entry(name, target, summary, aliases, version, dist, dist_version, ep_label))

    hook = impls.get("register_rewards")
    if hook is not None:
        code = hook.__code__
        hook(**{arg: register for arg in code.co_varnames[: code.co_argcount] if arg == "register"})
    return staged


@functools.cache
def _hook_names() -> list[str]:
    from . import hookspecs

    return [name for name, obj in vars(hookspecs).items() if hasattr(obj, f"{hookspecs.PROJECT_NAME}_spec")]


def _make_entry(
    name: str,
    target: Any,
    summary: str | None,
    aliases: Iterable[str],
    version: int | None,
    dist: str,
    dist_version: str,
    plugin: str,
) -> RewardEntry:
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
        distribution=dist,
        distribution_version=dist_version,
        plugin=plugin,
    )


def _dist(ep: Any) -> tuple[str, str]:
    """Name and version of the distribution behind an entry point.

    Read from the first lines of METADATA: `dist.name`/`dist.version` run a full email-header parse each,
    which was 40 % of listing time with 200 installed packs.
    """
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "<unknown>", ""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name = version = ""
    for line in text.splitlines():
        if not line:  # end of the headers
            break
        if line.startswith("Name:") and not name:
            name = line[5:].strip()
        elif line.startswith("Version:") and not version:
            version = line[8:].strip()
    return name or "<unknown>", version


def _own_version() -> str:
    from . import __version__

    return __version__
