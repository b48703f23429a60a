"""How a reward declares its parameters, and how given values are checked against them.

Parameters are the fields of the reward's `RewardConfig` subclass: the type annotation is the type, the
default is the default, and `param(..., doc=...)` adds a description and optional bounds or choices.
(A small checker of our own rather than pydantic: the core depends on pluggy and importlib-metadata only.)
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union

from .errors import InvalidParamsError, shown
from .interpolation import SCALAR_TYPES, EnvironmentText

__all__ = ["param", "ParamInfo", "describe_params", "build_config"]


def param(
    default: Any = dataclasses.MISSING,
    *,
    doc: str = "",
    choices: Sequence[Any] | None = None,
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """Declare a reward parameter: a dataclass field with a description and optional bounds.

    >>> import dataclasses
    >>> from reward_core import RewardConfig, param
    >>> @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    ... class NgramConfig(RewardConfig):
    ...     ngram_size: int = param(3, doc="Length of the n-grams compared.", ge=1)
    """
    metadata = {"doc": doc, "choices": tuple(choices) if choices is not None else None, "ge": ge, "le": le}
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True, slots=True)
class ParamInfo:
    """One declared parameter, as `reward-core show` and error messages present it."""

    name: str
    type: Any
    default: Any
    doc: str = ""
    choices: tuple[Any, ...] | None = None
    ge: float | None = None
    le: float | None = None

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING

    @property
    def type_name(self) -> str:
        return type_name(self.type)

    def describe(self) -> str:
        default = "required" if self.required else f"= {self.default!r}"
        bounds = []
        if self.ge is not None:
            bounds.append(f">= {self.ge}")
        if self.le is not None:
            bounds.append(f"<= {self.le}")
        if self.choices is not None:
            bounds.append("one of " + ", ".join(map(repr, self.choices)))
        extra = f" [{'; '.join(bounds)}]" if bounds else ""
        doc = f" — {self.doc}" if self.doc else ""
        return f"{self.name}: {self.type_name} {default}{extra}{doc}"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type_name,
            "default": None if self.required else _jsonable(self.default),
            "required": self.required,
            "doc": self.doc,
            "choices": list(self.choices) if self.choices is not None else None,
            "ge": self.ge,
            "le": self.le,
        }


def describe_params(config_class: type) -> list[ParamInfo]:
    """The parameters a config class declares (every dataclass field except `name`)."""
    hints = typing.get_type_hints(config_class)
    infos = []
    for field in dataclasses.fields(config_class):
        if field.name == "name" or not field.init:
            continue
        default = field.default
        if default is dataclasses.MISSING and field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        meta = field.metadata
        infos.append(
            ParamInfo(
                name=field.name,
                type=hints.get(field.name, Any),
                default=default,
                doc=meta.get("doc", ""),
                choices=meta.get("choices"),
                ge=meta.get("ge"),
                le=meta.get("le"),
            )
        )
    return infos


def build_config(config_class: type, params: Mapping[str, Any], *, reward: str, name: str) -> Any:
    """An instance of `config_class` named `name`, after checking every value in `params`.

    Raises `InvalidParamsError` (listing the accepted parameters) for an unknown name, a missing required
    parameter, a value of the wrong type, or one out of bounds. Lists given for tuple parameters (YAML has
    no tuples) become tuples; ints given for float parameters become floats.
    """
    infos = {info.name: info for info in describe_params(config_class)}

    def fail(problem: str) -> InvalidParamsError:
        accepted = "\n".join("  " + info.describe() for info in infos.values()) or "  (none)"
        return InvalidParamsError(f"reward {reward!r}: {problem}. Accepted parameters:\n{accepted}")

    if not isinstance(params, Mapping):
        raise fail(f"params must be a mapping of parameter names to values, got {type(params).__name__}")
    values: dict[str, Any] = {}
    for key, value in params.items():
        if key == "name":
            raise fail("'name' is not a parameter; set the log name with `log_name` in the spec")
        info = infos.get(key)
        if info is None:
            raise fail(f"unknown parameter {key!r}")
        try:
            value = _coerce(value, info.type)
        except _Mismatch:
            raise fail(f"parameter {key!r} must be {info.type_name}, got {type(value).__name__} {shown(value)}") from None
        if info.choices is not None and value not in info.choices:
            raise fail(f"parameter {key!r} must be one of {list(info.choices)!r}, got {shown(value)}")
        if info.ge is not None and value is not None and value < info.ge:
            raise fail(f"parameter {key!r} must be >= {info.ge}, got {shown(value)}")
        if info.le is not None and value is not None and value > info.le:
            raise fail(f"parameter {key!r} must be <= {info.le}, got {shown(value)}")
        values[key] = value
    missing = [info.name for info in infos.values() if info.required and info.name not in values]
    if missing:
        raise fail(f"missing required parameter(s): {', '.join(missing)}")
    return config_class(name=name, **values)


def config_params(config: Any) -> dict[str, Any]:
    """A config's parameter values as JSON-friendly data (for manifests)."""
    return {
        field.name: _jsonable(getattr(config, field.name))
        for field in dataclasses.fields(config)
        if field.name != "name" and field.init
    }


class _Mismatch(Exception):
    pass


def _coerce(value: Any, tp: Any) -> Any:
    if tp is Any:
        return value
    if isinstance(value, EnvironmentText) and (tp in SCALAR_TYPES or tp is str):  # a spec's lone ${VARIABLE}
        try:
            return value.as_declared(tp)
        except ValueError:
            raise _Mismatch from None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        for arm in args:
            try:
                return _coerce(value, arm)
            except _Mismatch:
                continue
        raise _Mismatch
    if origin is Literal:
        if value in args and not (isinstance(value, bool) and not any(isinstance(a, bool) for a in args)):
            return value
        raise _Mismatch
    if tp is type(None):
        if value is None:
            return None
        raise _Mismatch
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an int beyond the float range (10**400)
                raise _Mismatch from None
            if not math.isnan(number):
                return number
        raise _Mismatch
    if origin in (tuple, list, Sequence, typing.Sequence) or tp in (tuple, list):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise _Mismatch
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(args) != len(value):
                raise _Mismatch
            return tuple(_coerce(v, a) for v, a in zip(value, args))
        item_type = args[0] if args else Any
        items = [_coerce(v, item_type) for v in value]
        return items if origin is list or tp is list else tuple(items)
    if origin in (dict, Mapping, typing.Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise _Mismatch
        key_type, value_type = args if args else (Any, Any)
        return {_coerce(k, key_type): _coerce(v, value_type) for k, v in value.items()}
    if isinstance(tp, type):  # bool, str, and classes
        if isinstance(value, tp):
            return value
        raise _Mismatch
    return value  # an annotation we cannot check (a TypeVar, a Protocol): accept as is


def type_name(tp: Any) -> str:
    """A readable name for a type annotation: `int`, `str | None`, `tuple[str, ...]`, `'a' | 'b'`."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if tp is type(None):
        return "None"
    if origin is not None:
        inner = ", ".join("..." if a is Ellipsis else type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    return getattr(tp, "__name__", str(tp))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
