"""Environment variables in reward specs, written the shell's way.

- `${NAME}`: the variable's value; unset is an error that names it;
- `${NAME:-default}`: the default when the variable is unset or empty;
- `${NAME:?message}`: an error with `message` when it is unset or empty;
- `${NAME:+text}`: `text` when it is set and not empty, else nothing;
- `$${`: a literal `${`.

Any other `$` is text (`$x^2$`, `$$`, `${}^{14}C`), so LaTeX in a judge's criteria is left alone. Expanded
values are text; a value that is one placeholder alone is an `EnvironmentText`, which a parameter typed
int, float or bool reads as its type (`${STEPS:-3}` for an int is 3).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any

from .errors import SpecError

__all__ = ["interpolate", "variables", "check_depth", "EnvironmentText", "MAX_DEPTH"]

#: How deep lists and mappings may nest in a spec entry, a parameter value or a line of `reward-core score`.
#: Real specs nest a few levels; deeper is a runaway structure, or a YAML alias that contains itself.
MAX_DEPTH = 100

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# An escape, or a placeholder: name, optional operator and argument (no "$", "{" or "}" in it: no nesting),
# and the closing brace when there is one.
_TOKEN = re.compile(r"\$(?P<escape>\$\{)|\$\{(?P<name>" + _NAME + r")(?:(?P<op>:[-?+])(?P<arg>[^${}]*))?(?P<close>\})?")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


#: The declared types a lone `${VARIABLE}` is read as; any other declared type reads it as text.
SCALAR_TYPES = (int, float, bool)


class EnvironmentText(str):
    """The text of a spec value that was one `${...}` placeholder alone.

    It is a `str`; a parameter declared `int`, `float` or `bool` reads it as that type with `read_as`.
    """

    __slots__ = ()

    def read_as(self, kind: type) -> Any:
        """This text as `kind` (int, float or bool); `ValueError` when it is not one."""
        text = self.strip()
        if kind is bool:
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError(f"{str(self)!r} is not a boolean (true/false, 1/0, yes/no, on/off)")
        if kind is int:
            return int(text)
        if kind is float:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(f"{str(self)!r} is not a finite number")
            return value
        raise ValueError(f"text from the environment cannot be read as {kind.__name__}")

    def as_declared(self, kind: Any) -> Any:
        """This text as a parameter declared `kind` reads it: int, float or bool through `read_as` (a
        `ValueError` when it is not one), text for anything else. The one rule for typing a `${VARIABLE}`."""
        return self.read_as(kind) if kind in SCALAR_TYPES else str(self)


def interpolate(value: Any, where: str, environ: Mapping[str, str] | None = None) -> Any:
    """`value` with every placeholder in its strings (nested in lists and mappings) expanded from `environ`.

    :param value: a spec entry, or any part of one.
    :param where: where the value sits in the spec (`"rewards.yaml, entry 2"`), for the errors.
    :param environ: the variables; default `os.environ`.

    Raises `SpecError` naming `where` and the variable for an unset `${NAME}`, a `${NAME:?message}`, or a
    malformed placeholder, or lists and mappings nested deeper than `MAX_DEPTH`.

    >>> interpolate({"base_url": "${JUDGE_URL:-http://127.0.0.1:8000/v1}"}, "spec", environ={})
    {'base_url': 'http://127.0.0.1:8000/v1'}
    """
    return _interpolate(value, where, os.environ if environ is None else environ, 0)


def _interpolate(value: Any, where: str, env: Mapping[str, str], depth: int) -> Any:
    if isinstance(value, str):
        return _expand(value, where, env)
    if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_DEPTH:
        raise _too_deep(where, SpecError)
    if isinstance(value, Mapping):
        return {key: _interpolate(item, where, env, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_interpolate(item, where, env, depth + 1) for item in value]
    return value


def check_depth(value: Any, where: str, error: type[Exception] = SpecError, limit: int = MAX_DEPTH) -> None:
    """Raise `error` naming `where` when lists and mappings in `value` nest deeper than `limit` (or contain
    themselves); walked without recursion, so any depth is safe to check.

    >>> check_depth({"a": [1, [2]]}, "spec")
    >>> check_depth([[[]]], "spec", limit=2)
    Traceback (most recent call last):
    ...
    reward_core.errors.SpecError: spec: lists and mappings nest more than 2 levels deep (or a YAML alias contains itself); flatten the value
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth >= limit:
            raise _too_deep(where, error, limit)
        stack.extend((child, depth + 1) for child in children)


def _too_deep(where: str, error: type[Exception], limit: int = MAX_DEPTH) -> Exception:
    return error(
        f"{where}: lists and mappings nest more than {limit} levels deep (or a YAML alias contains itself); "
        "flatten the value"
    )


def variables(value: Any) -> set[str]:
    """The names of the environment variables `value`'s placeholders read (nested lists and mappings too).

    >>> sorted(variables([{"params": {"base_url": "${URL}", "model": "${MODEL:-m}"}}, "$${NOT}"]))
    ['MODEL', 'URL']
    """
    check_depth(value, "spec")
    return _variables(value)


def _variables(value: Any) -> set[str]:
    if isinstance(value, str):
        return {match["name"] for match in _TOKEN.finditer(value) if match["name"] and match["close"]}
    if isinstance(value, Mapping):
        return set().union(*(_variables(item) for item in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(_variables(item) for item in value))
    return set()


def _expand(text: str, where: str, env: Mapping[str, str]) -> Any:
    if "${" not in text:
        return text
    expanded = _TOKEN.sub(lambda match: _replacement(match, text, where, env), text)
    whole = _TOKEN.fullmatch(text)
    if whole is not None and whole["name"] is not None and whole["close"]:
        return EnvironmentText(expanded)
    return expanded


def _replacement(match: re.Match[str], text: str, where: str, env: Mapping[str, str]) -> str:
    if match["escape"]:
        return "${"
    name, op, arg = match["name"], match["op"], match["arg"] or ""
    if not match["close"]:
        if op is None and match.end() < len(text):  # "${x^2}": not a placeholder, text
            return match.group(0)
        raise SpecError(
            f"{where}: unclosed placeholder {match.group(0)!r} in {text!r}; write ${{NAME}}, ${{NAME:-default}}, "
            "${NAME:?message} or ${NAME:+text} (no placeholder inside another), and $${ for a literal ${"
        )
    current = env.get(name)
    if op is None:
        if current is None:
            raise SpecError(
                f"{where}: the environment variable {name} is not set (used in {text!r}); set it, or give a "
                f"default with ${{{name}:-default}}"
            )
        return current
    if op == ":-":
        return current if current else arg
    if op == ":+":
        return arg if current else ""
    if not current:  # ":?"
        raise SpecError(f"{where}: {arg or f'the environment variable {name} is not set or empty'} (${{{name}}})")
    return current
