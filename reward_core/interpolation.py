"""Environment variables in reward specs, written the shell's way.

- `${NAME}`: the variable's value; unset is an error that names it;
- `${NAME:-default}`: the default when the variable is unset or empty;
- `${NAME:?message}`: an error with `message` when it is unset or empty;
- `${NAME:+text}`: `text` when it is set and not empty, else nothing;
- `$$`: a literal `$`.

A value that is one placeholder and nothing else takes the type of a JSON number or boolean it expands to
(`${STEPS:-3}` is 3, `${ON:+true}` is true); everything else stays text.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from .errors import SpecError

__all__ = ["interpolate"]

_PLACEHOLDER = re.compile(r"\$(?:(?P<dollar>\$)|\{(?P<body>[^${}]*)(?P<close>\}?))")
_BODY = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:[-?+])(?P<arg>.*))?", re.DOTALL)


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


def _expand(text: str, where: str, env: Mapping[str, str]) -> Any:
    if "$" not in text:
        return text
    expanded = _PLACEHOLDER.sub(lambda match: _replacement(match, text, where, env), text)
    whole = _PLACEHOLDER.fullmatch(text)
    return _scalar(expanded) if whole is not None and whole["body"] is not None else expanded


def _replacement(match: re.Match[str], text: str, where: str, env: Mapping[str, str]) -> str:
    if match["dollar"]:
        return "$"
    body = match["body"]
    parsed = _BODY.fullmatch(body)
    if not match["close"] or parsed is None:
        raise SpecError(
            f"{where}: malformed placeholder {match.group(0)!r} in {text!r}; write ${{NAME}}, ${{NAME:-default}}, "
            "${NAME:?message} or ${NAME:+text} (NAME of letters, digits and _), and $$ for a literal $"
        )
    name, op, arg = parsed["name"], parsed["op"], parsed["arg"] or ""
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


def _scalar(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (bool, int, float)) else text
