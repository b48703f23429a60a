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

__all__ = ["interpolate", "variables", "EnvironmentText"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# An escape, or a placeholder: name, optional operator and argument (no "$", "{" or "}" in it: no nesting),
# and the closing brace when there is one.
_TOKEN = re.compile(r"\$(?P<escape>\$\{)|\$\{(?P<name>" + _NAME + r")(?:(?P<op>:[-?+])(?P<arg>[^${}]*))?(?P<close>\})?")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


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


def interpolate(value: Any, where: str, environ: Mapping[str, str] | None = None) -> Any:
    """`value` with every placeholder in its strings (nested in lists and mappings) expanded from `environ`.

    :param value: a spec entry, or any part of one.
    :param where: where the value sits in the spec (`"rewards.yaml, entry 2"`), for the errors.
    :param environ: the variables; default `os.environ`.

    Raises `SpecError` naming `where` and the variable for an unset `${NAME}`, a `${NAME:?message}`, or a
    malformed placeholder.

    >>> interpolate({"base_url": "${JUDGE_URL:-http://127.0.0.1:8000/v1}"}, "spec", environ={})
    {'base_url': 'http://127.0.0.1:8000/v1'}
    """
    env = os.environ if environ is None else environ
    if isinstance(value, str):
        return _expand(value, where, env)
    if isinstance(value, Mapping):
        return {key: interpolate(item, where, env) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [interpolate(item, where, env) for item in value]
    return value


def variables(value: Any) -> set[str]:
    """The names of the environment variables `value`'s placeholders read (nested lists and mappings too).

    >>> sorted(variables([{"params": {"base_url": "${URL}", "model": "${MODEL:-m}"}}, "$${NOT}"]))
    ['MODEL', 'URL']
    """
    if isinstance(value, str):
        return {match["name"] for match in _TOKEN.finditer(value) if match["name"] and match["close"]}
    if isinstance(value, Mapping):
        return set().union(*(variables(item) for item in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(variables(item) for item in value))
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
