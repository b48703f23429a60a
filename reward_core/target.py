"""What a reward name points at, and how it becomes an instance: its kind, params, score range and docs.

`reward_core.resolve.target_of(name)` returns a `RewardTarget` (through `PluginHost.target` for a registered
name); `load_rewards` builds instances from it and `reward-core show` describes it, so both read a reward the
same way.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import textwrap
from collections.abc import Mapping
from typing import Any, Literal

from .errors import InvalidParamsError, RewardCoreError, RewardDefinitionError, RewardLoadError
from .interpolation import EnvironmentText, check_depth
from .params import ParamInfo, build_config, config_params, describe_params
from .reasons import GUARD_REASONS
from .registry import RewardEntry, import_target
from .reward import BaseReward, score_bounds

__all__ = ["RewardTarget", "is_import_path", "module_of"]

Kind = Literal["configured class", "reward class", "class", "instance", "function"]

#: The types a parameter may read from a spec's `${VARIABLE}`, by the name of its annotation or default's type.
_SCALARS: dict[str, type] = {"int": int, "float": float, "bool": bool}

#: Arguments every reward receives from the trainer, never parameters.
_CALL_ARGUMENTS = frozenset({"prompts", "completions"})


def is_import_path(name: str) -> bool:
    """Whether `name` is an import path (`"package.module:attr"`) rather than a registered reward name."""
    return ":" in name


def module_of(path: str) -> str:
    """The module of an import path (`"package.module"` of `"package.module:attr"`)."""
    return path.partition(":")[0]


@dataclasses.dataclass(frozen=True)
class RewardTarget:
    """A resolved reward before it is built: the imported object and the entry it came from.

    `entry` is None for an import path (`"package.module:attr"`).
    """

    name: str
    target: Any
    entry: RewardEntry | None = None

    @classmethod
    def from_import_path(cls, path: str) -> RewardTarget:
        """The object at `"package.module:attr"`; `RewardLoadError` says what to check when it cannot be imported."""
        module, _, attr = path.partition(":")
        if not module or module.startswith(".") or not attr:
            raise RewardLoadError(
                f"import path {path!r} is not 'package.module:attribute' (an absolute module, a colon, then the "
                "reward's name in it); write e.g. 'my_rewards.scoring:length_reward'"
            )
        try:
            target = import_target(path)
        except Exception as exc:  # a module may raise anything while it is imported
            raise RewardLoadError(
                f"import path {path!r} could not be loaded: {type(exc).__name__}: {exc}. Check the module is "
                "importable and the attribute exists ('package.module:attribute')."
            ) from exc
        return cls(name=path, target=target)

    @property
    def display_name(self) -> str:
        """The pinned name (`math.answer_correctness.v1`), or the import path."""
        return self.entry.versioned_name if self.entry is not None else self.name

    @property
    def default_log_name(self) -> str:
        """The name TRL logs the reward under unless a spec gives one: the name asked, or the attribute's."""
        if self.entry is None:
            return self.name.rpartition(":")[2].rsplit(".", 1)[-1]
        return self.name

    @property
    def kind(self) -> Kind:
        """How params reach the reward.

        - `configured class`: a `BaseReward` subclass, built from its validated config;
        - `reward class`: a `BaseReward` subclass whose constructor takes no config (no params);
        - `class`: any other class, built with the params as keywords;
        - `instance`: a ready `BaseReward` (no params);
        - `function`: a callable, with the params bound as keywords.
        """
        target = self.target
        if isinstance(target, type) and issubclass(target, BaseReward):
            return "configured class" if _accepts_config(target) else "reward class"
        if isinstance(target, BaseReward):
            return "instance"
        if callable(target):
            return "class" if isinstance(target, type) else "function"
        raise RewardLoadError(f"{self.name!r} resolves to {type(target).__name__} {target!r}, which is not callable")

    @property
    def params(self) -> list[ParamInfo]:
        """The parameters the reward accepts: its config's fields, or a function's or class's keyword arguments."""
        kind = self.kind
        if kind == "configured class":
            return describe_params(self.target.config_class)
        if kind in ("reward class", "instance"):
            return []
        return [
            ParamInfo(
                name=p.name,
                type=Any if p.annotation is p.empty else p.annotation,
                default=dataclasses.MISSING if p.default is p.empty else p.default,
            )
            for p in (_keyword_parameters(self.target) or {}).values()
        ]

    @property
    def score_range_per_instance(self) -> bool:
        """Whether the class computes `score_range` per instance (a property): it depends on the params."""
        declared = inspect.getattr_static(self.target, "score_range", None) if isinstance(self.target, type) else None
        return hasattr(declared, "__get__")

    @property
    def score_range(self) -> tuple[float, float] | None:
        """The declared score range as floats (an open side is ±inf); None when the reward declares none, or
        computes it per instance (`score_range_per_instance`)."""
        if self.score_range_per_instance:
            return None
        return score_bounds(getattr(self.target, "score_range", None), self.display_name)

    @property
    def reason_codes(self) -> dict[str, str]:
        """The reasons the reward may give per row (`{code: meaning}`), the guard's own included."""
        declared = getattr(self.target, "reason_codes", None)
        return {**(declared if isinstance(declared, Mapping) else {}), **GUARD_REASONS}

    @property
    def doc(self) -> str:
        return textwrap.dedent(getattr(self.target, "__doc__", None) or "").strip()

    def build(self, params: Mapping[str, Any], log_name: str) -> tuple[Any, dict[str, Any]]:
        """A ready reward built with `params`, logging as `log_name`, and the params it was built with (a
        config's every field, defaults included), as a manifest records them.

        Raises `InvalidParamsError` naming the reward for an unknown or ill-typed parameter (or params nested
        deeper than `MAX_DEPTH`), and `RewardDefinitionError` for a target that is no reward: an abstract
        class, a constructor that fails, a callable that cannot take `prompts` and `completions` by keyword
        (`builtins:len`), or a built reward whose `score_range` is not a valid range.
        """
        params = dict(params)
        target, name = self.target, self.name
        check_depth(params, f"reward {name!r}: params", InvalidParamsError)
        kind = self.kind
        if kind in ("instance", "reward class") and params:
            takes = "is a ready instance and" if kind == "instance" else f": {target.__name__}()"
            raise InvalidParamsError(f"reward {name!r} {takes} takes no parameters, got {sorted(params)}")
        if isinstance(target, type) and inspect.isabstract(target):
            missing = ", ".join(sorted(getattr(target, "__abstractmethods__", ())))
            raise RewardDefinitionError(
                f"{name!r} is the abstract class {target.__qualname__} (it leaves {missing} to subclasses); "
                "name a reward that implements them"
            )
        try:
            if kind == "configured class":
                reward = target(build_config(target.config_class, params, reward=name, name=log_name))
            elif kind == "instance":
                reward = target
            elif kind == "reward class":
                reward = target()
                reward.__name__ = log_name
            else:
                reward, built_with = self._bind(params)
        except RewardCoreError:
            raise
        except Exception as exc:  # whatever a constructor raises: the name does not build a reward
            given = f" with params {params!r}" if params else ""
            raise RewardDefinitionError(
                f"{name!r} could not be built{given}: {type(exc).__name__}: {exc}. A reward is a function taking "
                "prompts, completions and **kwargs, a BaseReward subclass, or a class whose instances are such "
                "functions; check the name and its params"
            ) from exc
        if kind in ("class", "function"):
            problem = _call_problem(reward)
            if problem is not None:
                raise RewardDefinitionError(
                    f"{name!r} is not a reward: {problem}. TRL calls a reward as f(prompts=..., completions=..., "
                    "**columns); name a function with those parameters (or **kwargs), or a BaseReward subclass"
                )
            return reward, built_with
        score_bounds(reward.score_range, name)  # the instance's: params may have moved it
        return reward, config_params(reward.config)

    def _bind(self, params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        # A class is built with the params; a function gets them bound with functools.partial (TRL unwraps it).
        accepted = _keyword_parameters(self.target)
        if accepted is not None:
            unknown = sorted(set(params) - set(accepted))
            if unknown:
                listing = ", ".join(
                    p.name + ("" if p.default is p.empty else f"={p.default!r}") for p in accepted.values()
                ) or "(none)"
                raise InvalidParamsError(f"reward {self.name!r}: unknown parameter(s) {unknown}; accepted: {listing}")
            params = {key: self._typed(key, value, accepted[key]) for key, value in params.items()}
        if isinstance(self.target, type):
            return self.target(**params), params
        if not params:
            return self.target, params
        return functools.partial(self.target, **params), params

    def _typed(self, key: str, value: Any, parameter: inspect.Parameter) -> Any:
        """A spec's lone `${VARIABLE}` read as the parameter's annotated type, or its default's, when that is
        int, float or bool; text otherwise."""
        if not isinstance(value, EnvironmentText):
            return value
        annotation = parameter.annotation
        name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        kind = _SCALARS.get(name) or _SCALARS.get(type(parameter.default).__name__)
        try:
            return value.as_declared(kind)
        except ValueError as exc:
            raise InvalidParamsError(f"reward {self.name!r}: parameter {key!r} must be {kind.__name__}: {exc}") from None


def _keyword_parameters(target: Any) -> dict[str, inspect.Parameter] | None:
    """The parameters a callable accepts by keyword, besides prompts and completions (None: not inspectable)."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    return {
        p.name: p
        for p in signature.parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in _CALL_ARGUMENTS
    }


def _call_problem(reward: Any) -> str | None:
    """Why TRL could not call `reward` as `reward(prompts=..., completions=..., **columns)`; None when it can
    (or when its signature cannot be read: a C function without one is given the benefit of the doubt)."""
    if not callable(reward):
        return f"it built {type(reward).__name__} {reward!r:.80}, which is not callable"
    try:
        parameters = inspect.signature(reward).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    by_keyword = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    missing = [name for name in ("prompts", "completions") if name not in by_keyword]
    return f"it takes no {' or '.join(repr(m) for m in missing)} keyword argument" if missing else None


def _accepts_config(cls: type) -> bool:
    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return True
    return "config" in parameters or any(p.kind is p.VAR_POSITIONAL for p in parameters.values())
