"""The tools a completion may call, each with the JSON schema its arguments must validate against.

A tool is given as an import path of a Python function (`"my_pkg.tools:multiply"`, the function passed to
`GRPOTrainer(tools=[...])`), or as a JSON schema in OpenAI's form (`{"type": "function", "function": {"name",
"parameters"}}`) or bare (`{"name", "parameters"}`). With `environment_factory`, the tools are the public
methods of each completion's environment, as TRL exposes them. A Python tool's schema comes from its signature
(pydantic's `TypeAdapter`): the types and required arguments the tool really takes. Arguments are validated
with `jsonschema`; each validator is built once per tool.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reward_core.completion import ToolCall
from reward_core.errors import InvalidParamsError

__all__ = ["Catalogue", "catalogue", "environment_catalogue"]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Known tool names and a validator of each tool's arguments."""

    validators: Mapping[str, Any]

    def __or__(self, other: Catalogue) -> Catalogue:
        return Catalogue({**self.validators, **other.validators})

    def problem(self, call: ToolCall) -> str | None:
        """Why `call` is not a valid call of a known tool, or None when it is."""
        validator = self.validators.get(call.name)
        if validator is None:
            return f"unknown tool {call.name!r}"
        if call.arguments is None:
            return f"{call.name}: arguments are not a JSON object"
        error = next(iter(validator.iter_errors(call.arguments)), None)
        return None if error is None else f"{call.name}: {error.message}"


def catalogue(tools: Iterable[str | Mapping[str, Any]], reward: str) -> Catalogue:
    """The catalogue of the `tools` param of `reward`; a tool that cannot be read raises `InvalidParamsError`."""
    validators = {}
    for tool in tools:
        name, schema = _tool_schema(tool, reward)
        validators[name] = _validator(schema, name, reward)
    return Catalogue(validators)


_ENVIRONMENT_CATALOGUES: dict[type, Catalogue] = {}


def environment_catalogue(environment: Any, reward: str) -> Catalogue:
    """The public methods of an environment (TRL's tools for `environment_factory`), once per class."""
    cls = type(environment)
    found = _ENVIRONMENT_CATALOGUES.get(cls)
    if found is None:
        # As TRL lists them: functions on the class (listing the instance would evaluate its properties).
        methods = {
            name: getattr(environment, name) for name, _ in inspect.getmembers(cls, predicate=inspect.isfunction)
            if not name.startswith("_") and name not in ("reset", "get_reward")
        }
        found = _ENVIRONMENT_CATALOGUES[cls] = Catalogue(
            {name: _validator(_signature_schema(fn, name, reward), name, reward) for name, fn in methods.items()}
        )
    return found


def _tool_schema(tool: str | Mapping[str, Any], reward: str) -> tuple[str, Mapping[str, Any]]:
    if isinstance(tool, str):
        from reward_core.registry import import_target

        if ":" not in tool:
            raise InvalidParamsError(
                f"reward {reward!r}: tool {tool!r} must be an import path 'package.module:function' or a JSON schema"
            )
        try:
            fn = import_target(tool)
        except (ImportError, AttributeError, ValueError) as exc:
            raise InvalidParamsError(f"reward {reward!r}: cannot import tool {tool!r}: {exc}") from exc
        if not callable(fn):
            raise InvalidParamsError(f"reward {reward!r}: tool {tool!r} is not a function")
        name = getattr(fn, "__name__", tool.rpartition(":")[2])
        return name, _signature_schema(fn, name, reward)
    spec = tool.get("function", tool) if isinstance(tool.get("function"), Mapping) else tool
    name = spec.get("name")
    parameters = spec.get("parameters", {"type": "object"})
    if not isinstance(name, str) or not isinstance(parameters, Mapping):
        raise InvalidParamsError(
            f"reward {reward!r}: a tool schema needs a 'name' and an object 'parameters' schema, as in "
            f"{{'type': 'function', 'function': {{'name': 'multiply', 'parameters': {{...}}}}}}; got {dict(tool)!r:.200}"
        )
    return name, parameters


def _signature_schema(fn: Callable[..., Any], name: str, reward: str) -> Mapping[str, Any]:
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(fn).json_schema()
    except Exception as exc:  # pydantic raises several types for signatures it cannot describe
        raise InvalidParamsError(
            f"reward {reward!r}: cannot derive a JSON schema from the signature of tool {name!r} ({exc}); give "
            "its schema as a dict instead"
        ) from exc


def _validator(schema: Mapping[str, Any], name: str, reward: str) -> Any:
    from jsonschema import SchemaError, validators

    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        raise InvalidParamsError(f"reward {reward!r}: the schema of tool {name!r} is invalid: {exc.message}") from exc
    return cls(schema)
