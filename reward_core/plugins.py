"""The plugin host: entry-point discovery, allow/deny lists, strict mode, broken plugins, and the registry.

One `PluginHost` per process (`plugin_host()`) owns everything discovery knows. Listing imports only the plugins'
small registration modules; a reward's own code is imported when its name is resolved (`PluginHost.target`).
The module-level functions (`list_rewards`, `register_reward`, ...) are the process-wide host's methods.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import pluggy

from ._version import __version__
from .errors import PluginLoadError, RewardPluginWarning
from . import hookspecs
from .hookspecs import ENTRY_POINT_GROUP, PROJECT_NAME
from .registry import IN_PROCESS, RewardEntry, RewardRegistry, canonical_distribution, make_entry
from .target import RewardTarget

__all__ = [
    "ENV_ALLOW",
    "ENV_DENY",
    "ENV_STRICT",
    "PluginHost",
    "PluginSettings",
    "PluginInfo",
    "BrokenPlugin",
    "plugin_host",
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

#: reward-core's own plugin (TRL's rewards as `trl.*`): always offered, subject to the deny-list only.
_BUILTIN_DISTRIBUTION = "reward-core"
_BUILTIN_MODULE = "reward_core.integrations.trl_plugin"


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, not looking for hooks in a module's dunder attributes (`__builtins__`, `__spec__`...).

    pluggy inspects every attribute of a registered plugin; most of a registration module's are dunders, and
    skipping them keeps listing hundreds of installed packs fast. Misspelt hook names are still found.
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            return None
        return super().parse_hookimpl_opts(plugin, name)


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


@dataclasses.dataclass(frozen=True, slots=True)
class PluginSettings:
    """Which plugins load: `allow` (None: all), `deny`, and whether a broken plugin raises (`strict`)."""

    allow: frozenset[str] | None
    deny: frozenset[str]
    strict: bool


@dataclasses.dataclass(frozen=True, slots=True)
class _Source:
    """One plugin module to load: the distribution behind it and how to import it."""

    distribution: str
    version: str
    entry_point: str
    load: Callable[[], Any]


@dataclasses.dataclass
class _Discovery:
    """What one discovery found: the registry and the plugins that loaded or broke."""

    registry: RewardRegistry
    plugins: list[PluginInfo]
    broken: list[BrokenPlugin]


_UNSET: Any = object()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class PluginHost:
    """Discovery state of a process: the pluggy manager, settings, in-process registrations, broken plugins and
    the `RewardRegistry`.

    Discovery runs on first use and again after `configure`, `reload` or `reset`. Each plugin is registered
    with pluggy (which validates its hooks against `reward_core.hookspecs`) and its `register_rewards` hook
    called in its own try/except: a plugin that fails is recorded as broken, its registrations are discarded,
    and the others load regardless.
    """

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self.group = group
        self._lock = threading.RLock()
        self._overrides: dict[str, Any] = {}
        self._local: list[RewardEntry] = []
        self._entry_points: list[Any] | None = None
        self._manager: Any = None
        self._discovery: _Discovery | None = None

    # ---------------------------------------------------------------------------------------------- settings

    def configure(
        self,
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
        with self._lock:
            for key, value in (("allow", allow), ("deny", deny), ("strict", strict)):
                if value is None:
                    self._overrides.pop(key, None)
                elif value is not _UNSET:
                    self._overrides[key] = value
            self._discovery = None

    def reload(self) -> None:
        """Forget everything discovered and read the installed entry points again (after a `pip install`)."""
        with self._lock:
            self._entry_points = None
            self._discovery = None

    def reset(self) -> None:
        """Back to a fresh process: forget in-process registrations, `configure` settings and discovery."""
        with self._lock:
            self._local.clear()
            self._overrides.clear()
            self._entry_points = None
            self._discovery = None

    def settings(self) -> PluginSettings:
        """The allow-list, deny-list and strict mode in effect: `configure`'s values, else the environment's."""
        allow = self._overrides.get("allow", _UNSET)
        deny = self._overrides.get("deny", _UNSET)
        strict = self._overrides.get("strict", _UNSET)
        return PluginSettings(
            allow=_names(os.environ.get(ENV_ALLOW)) if allow is _UNSET else _names(allow),
            deny=(_names(os.environ.get(ENV_DENY, "")) if deny is _UNSET else _names(deny)) or frozenset(),
            strict=_truthy(os.environ.get(ENV_STRICT, "")) if strict is _UNSET else bool(strict),
        )

    # ------------------------------------------------------------------------------------------ registration

    def register_reward(
        self,
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
            def decorate(obj: Any) -> Any:
                self.register_reward(name, obj, summary=summary, aliases=aliases, version=version)
                return obj

            return decorate
        entry = make_entry(name, target, summary, aliases, version, IN_PROCESS, "", "register_reward")
        with self._lock:
            self._local[:] = [e for e in self._local if (e.name, e.version) != (entry.name, entry.version)] + [entry]
            if self._discovery is not None:
                self._discovery.registry.add(entry)
        return target

    # ---------------------------------------------------------------------------------------------- queries

    @property
    def registry(self) -> RewardRegistry:
        """Every reward from allowed plugins and in-process registrations (discovered on first use)."""
        return self._discover().registry

    def plugins(self) -> list[PluginInfo]:
        """The plugins that loaded, with the rewards each registered."""
        return list(self._discover().plugins)

    def broken(self) -> list[BrokenPlugin]:
        """The plugins that failed to import or register."""
        return list(self._discover().broken)

    def resolve(self, name: str) -> RewardEntry:
        """The entry of a bare, versioned or alias name (an unknown name's error names any broken plugin)."""
        discovery = self._discover()
        return discovery.registry.resolve(name, broken=[b.distribution for b in discovery.broken])

    def target(self, name: str) -> RewardTarget:
        """What a registered name (bare, versioned or alias) resolves to, imported: its kind, params, score
        range and documentation, and `build()`. Import paths are `reward_core.resolve.target_of`'s."""
        entry = self.resolve(name)
        return RewardTarget(name=name, target=entry.load(), entry=entry)

    # ---------------------------------------------------------------------------------------------- discovery

    def _discover(self) -> _Discovery:
        with self._lock:
            if self._discovery is None:
                self._discovery = self._load(self.settings())
            return self._discovery

    def _load(self, settings: PluginSettings) -> _Discovery:
        if self._manager is None:
            self._manager = _PluginManager(PROJECT_NAME)
            self._manager.add_hookspecs(hookspecs)
        manager = self._manager
        for name, _ in manager.list_name_plugin():  # a fresh discovery: settings or installed plugins changed
            manager.unregister(name=name)
        discovery = _Discovery(RewardRegistry(), [], [])
        for source in self._sources(settings):
            try:
                module = source.load()
                # A module named by two entry points registers once; the second is listed with no rewards.
                staged = [] if manager.is_registered(module) else self._register(manager, module, source)
            except (Exception, SystemExit) as exc:  # a plugin calling sys.exit() must not end the process
                discovery.broken.append(self._broken(source, exc, settings.strict))
                continue
            for entry in staged:
                discovery.registry.add(entry)
            discovery.plugins.append(
                PluginInfo(source.distribution, source.version, source.entry_point,
                           tuple(e.versioned_name for e in staged))
            )
        for entry in self._local:
            discovery.registry.add(entry)
        return discovery

    def _sources(self, settings: PluginSettings) -> list[_Source]:
        sources = []
        if _BUILTIN_DISTRIBUTION not in settings.deny:  # built-ins ignore the allow-list (like llm's)
            sources.append(_Source(_BUILTIN_DISTRIBUTION, __version__, _BUILTIN_MODULE, _import_builtin))
        for ep in self._scan():
            distribution, version = _distribution(ep)
            key = canonical_distribution(distribution)
            if key in settings.deny or (settings.allow is not None and key not in settings.allow):
                continue
            sources.append(_Source(distribution, version, f"{ep.name} = {ep.value}", ep.load))
        return sources

    def _scan(self) -> list[Any]:
        # importlib.metadata re-reads every distribution's metadata on each call: scan once per process.
        if self._entry_points is None:
            import importlib_metadata

            self._entry_points = list(importlib_metadata.entry_points(group=self.group))
        return self._entry_points

    def _register(self, manager: Any, module: Any, source: _Source) -> list[RewardEntry]:
        """Register `module` with pluggy, validate its hooks and call them; on any failure leave no trace of it."""
        try:
            manager.register(module, name=source.entry_point)
            manager.check_pending()  # a hook pluggy does not know: a misspelt name
            return self._call_hooks(manager, source)
        except BaseException:
            if manager.is_registered(module):  # pluggy < 1.7 can keep a plugin whose hooks failed validation
                manager.unregister(module)
            raise

    @staticmethod
    def _call_hooks(manager: Any, source: _Source) -> list[RewardEntry]:
        """Call this plugin's `register_rewards` alone, staging what it registers under its distribution.

        Calling each plugin's implementation on its own (rather than `manager.hook.register_rewards()` for all)
        keeps one failing plugin from aborting the others and attributes each registration to its distribution.
        """
        staged: list[RewardEntry] = []

        def register(
            name: str,
            target: Any,
            *,
            summary: str | None = None,
            aliases: Iterable[str] = (),
            version: int | None = None,
        ) -> None:
            staged.append(
                make_entry(name, target, summary, aliases, version, source.distribution, source.version,
                           source.entry_point)
            )

        arguments = {"register": register}
        for impl in manager.hook.register_rewards.get_hookimpls():
            if impl.plugin_name == source.entry_point:
                impl.function(**{arg: arguments[arg] for arg in impl.argnames})
        return staged

    @staticmethod
    def _broken(source: _Source, exc: BaseException, strict: bool) -> BrokenPlugin:
        broken = BrokenPlugin(source.distribution, source.version, source.entry_point,
                              f"{type(exc).__name__}: {exc}", exc)
        if strict:
            raise PluginLoadError(
                f"plugin {broken.describe()}. Fix or uninstall {source.distribution!r}, or exclude it with "
                f"{ENV_DENY}={source.distribution}."
            ) from exc
        warnings.warn(
            RewardPluginWarning(
                f"reward-core: plugin {broken.describe()} — skipped; other plugins are unaffected. Exclude it "
                f"with {ENV_DENY}={source.distribution}, or set {ENV_STRICT}=1 to make this an error."
            ),
            stacklevel=_caller_stacklevel(),
        )
        return broken


# ---------------------------------------------------------------------------------------- the process's host

_host = PluginHost()


def plugin_host() -> PluginHost:
    """The process-wide `PluginHost` that `get_reward`, `load_rewards`, the CLI and the server ask."""
    return _host


#: `PluginHost.configure` of the process-wide host: which plugins load.
configure_plugins = _host.configure
#: `PluginHost.reload` of the process-wide host: read the installed entry points again.
reload_plugins = _host.reload
#: `PluginHost.reset` of the process-wide host: back to a fresh process.
reset_plugins = _host.reset
#: `PluginHost.register_reward` of the process-wide host: register a reward without packaging.
register_reward = _host.register_reward


def list_rewards() -> list[RewardEntry]:
    """Every registered reward (all versions), sorted by name; imports no reward implementation."""
    return _host.registry.entries()


def registry() -> RewardRegistry:
    """The registry of every reward from allowed plugins and in-process registrations (loaded on first use)."""
    return _host.registry


def list_plugins() -> list[PluginInfo]:
    """The plugins that loaded, with the rewards each registered."""
    return _host.plugins()


def broken_plugins() -> list[BrokenPlugin]:
    """The plugins that failed to import or register."""
    return _host.broken()


# ------------------------------------------------------------------------------------------------- helpers


def _names(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(canonical_distribution(v.strip()) for v in value if v.strip())


def _truthy(value: str) -> bool:
    return value.lower() in {"1", "true", "yes"}


def _import_builtin() -> Any:
    import importlib

    return importlib.import_module(_BUILTIN_MODULE)


def _distribution(ep: Any) -> tuple[str, str]:
    """Name and version of the distribution behind an entry point.

    Read from the first lines of METADATA: `dist.name` and `dist.version` each parse every header, which costs
    much of listing's time when hundreds of packs are installed.
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


def _caller_stacklevel() -> int:
    """The `stacklevel` that points a warning raised in reward-core at the first frame outside it."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


