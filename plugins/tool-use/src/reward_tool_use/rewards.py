"""Rewards for tool-using agents: valid calls, successful calls, a call budget, an environment's state.

Each reads completions with `reward_core.read_completion`: the tool calls the model made (name and arguments)
and the tool results TRL appended (`{"error": ...}` when a tool failed or does not exist). None of them judges
the answer: pair them with a correctness reward (`math.answer_correctness`), which reads only the model's final
message. Every score is a share or a step function of counts, so each is linear in the completion's size.
"""

from __future__ import annotations

import dataclasses
import math
from numbers import Real
from typing import Any

from reward_core import BaseReward, RewardConfig, column, param, read_completion, with_reasons
from reward_core.errors import InvalidParamsError, RewardInputError

from .catalogue import Catalogue, catalogue, environment_catalogue

__all__ = [
    "ValidCallsConfig",
    "ValidCallsReward",
    "CallSuccessConfig",
    "CallSuccessReward",
    "CallBudgetConfig",
    "CallBudgetReward",
    "EnvironmentStateConfig",
    "EnvironmentStateReward",
]

_NO_CALL_DOC = (
    "Score of a completion that calls no tool. The default 0.0 means calling nothing never beats calling well; "
    "set it to 1.0 (or None to skip the row) when a task may need no tool."
)


def _environments(kwargs: dict[str, Any], n: int, reward: BaseReward, required: bool) -> list[Any] | None:
    return column(kwargs, "environments", n, reward=reward, required=required,
                  what="one environment per completion; GRPOTrainer passes it with environment_factory")


# --------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ValidCallsConfig(RewardConfig):
    name: str = "tools.valid_calls"
    tools: tuple[str | dict[str, Any], ...] | None = param(
        None,
        doc="The tools the model may call: import paths of Python functions ('pkg.tools:multiply') or JSON schemas "
        "({'type': 'function', 'function': {'name', 'parameters'}}). None: the public methods of each "
        "completion's environment (environment_factory). With both, either counts.",
    )
    no_call_score: float | None = param(0.0, doc=_NO_CALL_DOC)


class ValidCallsReward(BaseReward):
    """The share of a completion's tool calls that name a known tool and pass its JSON schema (0..1).

    A call is valid when its name is one of the tools (the `tools` param, or the methods of the completion's
    environment) and its arguments are a JSON object that validates against the tool's schema: required
    arguments present, types right, no unknown arguments for a Python tool. Score = valid calls / calls; a
    completion with no call scores `no_call_score` (0.0). It teaches well-formed calls, not useful ones.

    Gaming: padding a trajectory with extra valid calls raises the share; bound the count with
    `tools.call_budget`. Calling nothing scores 0.0, never more than calling well. Calls are read from the
    parsed `tool_calls`, never from text, so a tool result or prose that looks like a call never counts.

    Example:
    >>> from reward_core import get_reward
    >>> schema = {"name": "multiply", "parameters": {"type": "object", "required": ["a", "b"],
    ...           "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}
    >>> reward = get_reward("tools.valid_calls", tools=[schema])
    >>> def call(name, **arguments):
    ...     return {"type": "function", "function": {"name": name, "arguments": arguments}}
    >>> reward(prompts=["q"] * 3, completions=[
    ...     [{"role": "assistant", "content": "", "tool_calls": [call("multiply", a=6, b=7)]}],
    ...     [{"role": "assistant", "content": "", "tool_calls": [call("multiply", a="six"), call("divide", a=1)]}],
    ...     "42",
    ... ])
    [1.0, 0.0, 0.0]
    """

    config_class = ValidCallsConfig
    score_range = (0.0, 1.0)
    reason_codes = {
        "all_valid": "every call names a known tool with valid arguments",
        "some_invalid": "some calls are invalid (the detail: the first problem)",
        "no_call": "the completion calls no tool",
    }

    def __init__(self, config: ValidCallsConfig | None = None) -> None:
        super().__init__(config)
        tools = self.config.tools
        self._catalogue = catalogue(tools, self.__name__) if tools is not None else None

    # The validators are rebuilt from the config in another process, never pickled.
    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        n = len(completions)
        environments = _environments(kwargs, n, self, required=self._catalogue is None)
        scores: list[float | None] = []
        reasons: list[Any] = []
        for row, completion in enumerate(completions):
            calls = read_completion(completion).tool_calls
            if not calls:
                scores.append(self.config.no_call_score)
                reasons.append("no_call")
                continue
            known = self._tools(environments[row] if environments is not None else None)
            problems = [problem for problem in map(known.problem, calls) if problem is not None]
            scores.append(1.0 - len(problems) / len(calls))
            reasons.append(("some_invalid", f"{len(problems)} of {len(calls)}: {problems[0]}") if problems
                           else "all_valid")
        return with_reasons(scores, reasons)

    def _tools(self, environment: Any) -> Catalogue:
        if environment is None:
            if self._catalogue is None:
                raise RewardInputError(
                    "has no tools to check calls against: set the param tools, or train with environment_factory "
                    "so each completion has an environment", reward=self.__name__,
                )
            return self._catalogue
        found = environment_catalogue(environment, self.__name__)
        return found if self._catalogue is None else self._catalogue | found


# --------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CallSuccessConfig(RewardConfig):
    name: str = "tools.call_success"
    no_call_score: float | None = param(0.0, doc=_NO_CALL_DOC)


class CallSuccessReward(BaseReward):
    """The share of a completion's tool calls whose tool returned a result rather than an error (0..1).

    TRL appends `{"error": ...}` as the tool message when a tool raises, does not exist or gets arguments it
    cannot take; a call with no result at all (the trajectory stopped before the tool ran) is not a success
    either. Score = successful calls / calls; no call scores `no_call_score` (0.0).

    Gaming: a call to a tool that cannot fail succeeds whether or not it helps, so this reward is a shaping
    term beside a correctness reward, never alone; `tools.call_budget` bounds how many such calls pay. The
    result must come from the tool: text the model writes can never mark a call as successful.

    Example:
    >>> from reward_core import get_reward
    >>> calc = {"type": "function", "function": {"name": "calc", "arguments": {"expr": "6*7"}}}
    >>> get_reward("tools.call_success")(prompts=["q", "q"], completions=[
    ...     [{"role": "assistant", "content": "", "tool_calls": [calc]}, {"role": "tool", "name": "calc", "content": "42"},
    ...      {"role": "assistant", "content": "42"}],
    ...     [{"role": "assistant", "content": "", "tool_calls": [calc]},
    ...      {"role": "tool", "name": "calc", "content": "{'error': 'division by zero'}"},
    ...      {"role": "assistant", "content": "I could not compute it."}],
    ... ])
    [1.0, 0.0]
    """

    config_class = CallSuccessConfig
    score_range = (0.0, 1.0)
    reason_codes = {
        "all_succeeded": "every call got a result that is not an error",
        "some_failed": "some calls failed or got no result (the detail: the first error)",
        "no_call": "the completion calls no tool",
    }

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        scores: list[float | None] = []
        reasons: list[Any] = []
        for completion in completions:
            read = read_completion(completion)
            calls = read.tool_calls
            if not calls:
                scores.append(self.config.no_call_score)
                reasons.append("no_call")
                continue
            answered = {id(result.call) for result in read.tool_results if result.call is not None and result.ok}
            succeeded = sum(id(call) in answered for call in calls)
            scores.append(succeeded / len(calls))
            if succeeded == len(calls):
                reasons.append("all_succeeded")
                continue
            error = next((f"{r.name}: {r.error}" for r in read.tool_results if r.error is not None), "no result")
            reasons.append(("some_failed", f"{len(calls) - succeeded} of {len(calls)}: {error}"))
        return with_reasons(scores, reasons)


# --------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CallBudgetConfig(RewardConfig):
    name: str = "tools.call_budget"
    min_calls: int = param(1, doc="Fewer tool calls than this score 0.0 (0: calling nothing is fine).", ge=0)
    max_calls: int = param(4, doc="Up to this many tool calls score 1.0; each one beyond costs over_penalty.", ge=0)
    max_turns: int | None = param(
        None, doc="Assistant turns allowed; each one beyond costs over_penalty too (None: no limit).", ge=1
    )
    over_penalty: float = param(0.25, doc="Score lost per call (and per turn) beyond the budget; floored at 0.", ge=0.0)

    def __post_init__(self) -> None:
        if self.min_calls > self.max_calls:
            raise InvalidParamsError(
                f"reward {self.name!r}: min_calls ({self.min_calls}) must not exceed max_calls ({self.max_calls})"
            )


class CallBudgetReward(BaseReward):
    """1.0 for a number of tool calls within `[min_calls, max_calls]`, less beyond, 0.0 below (0..1).

    Score = 0.0 with fewer than `min_calls` calls; else `max(0, 1 - over_penalty * (extra calls + extra
    turns))`, where extra calls are those beyond `max_calls` and extra turns the assistant turns beyond
    `max_turns`. With the defaults (1, 4, 0.25): no call 0.0, one to four calls 1.0, five 0.75, eight or more 0.0.

    Gaming: a single pointless call satisfies the budget, so pair it with a correctness reward (the budget
    only makes a task that needs a tool pay for calling one, and loops of calls cost). Counting parsed calls
    only, it cannot be inflated by text.

    Example:
    >>> from reward_core import get_reward
    >>> call = {"type": "function", "function": {"name": "calc", "arguments": {}}}
    >>> reward = get_reward("tools.call_budget", min_calls=1, max_calls=2)
    >>> reward(prompts=["q"] * 3, completions=[
    ...     "42", [{"role": "assistant", "content": "", "tool_calls": [call]}],
    ...     [{"role": "assistant", "content": "", "tool_calls": [call] * 4}]])
    [0.0, 1.0, 0.5]
    """

    config_class = CallBudgetConfig
    score_range = (0.0, 1.0)
    reason_codes = {
        "within": "calls (and turns) within the budget",
        "too_few": "fewer calls than min_calls (the detail gives the count)",
        "over_budget": "calls or turns beyond the budget (the detail gives the counts)",
    }

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float]:
        cfg = self.config
        scores = []
        reasons: list[Any] = []
        for completion in completions:
            read = read_completion(completion)
            calls = len(read.tool_calls)
            if calls < cfg.min_calls:
                scores.append(0.0)
                reasons.append(("too_few", f"{calls} calls"))
                continue
            extra = max(0, calls - cfg.max_calls)
            if cfg.max_turns is not None:
                extra += max(0, len(read.turns) - cfg.max_turns)
            scores.append(max(0.0, 1.0 - cfg.over_penalty * extra))
            reasons.append(("over_budget", f"{calls} calls, {len(read.turns)} turns") if extra else "within")
        return with_reasons(scores, reasons)


# --------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EnvironmentStateConfig(RewardConfig):
    name: str = "tools.environment_state"
    attribute: str = param(
        doc="Attribute of the environment to read (e.g. 'solved', 'reward'); a method is called with no "
        "arguments. A bool reads as 1.0 / 0.0; None skips the row."
    )
    low: float | None = param(None, doc="Lowest score the attribute takes, for the declared score range.")
    high: float | None = param(None, doc="Highest score the attribute takes, for the declared score range.")

    def __post_init__(self) -> None:
        if not self.attribute.isidentifier() or self.attribute.startswith("_"):
            raise InvalidParamsError(
                f"reward {self.name!r}: attribute must be a public attribute name such as 'solved', got "
                f"{self.attribute!r}"
            )


class EnvironmentStateReward(BaseReward):
    """A number read from each completion's environment (TRL's `environment_factory`): the task's own verdict.

    With `environment_factory`, TRL passes `environments` (one per completion, after its tool calls ran) to
    every reward. This reads `attribute` of each: a number, a bool (1.0 / 0.0), or a method called with no
    arguments that returns one; `None` skips the row. An environment that reached a reward server as a dict
    (`remote_rewards` sends each environment's public attributes) is read by key. Set `low` / `high` to
    declare the score range.

    Gaming: the score is whatever the environment records, so it is as hard to game as the environment's own
    check; record state from what the tools did (a solved flag set by the checking tool), never from text the
    model wrote.

    Example:
    >>> from reward_core import get_reward
    >>> class Maze:
    ...     def __init__(self, solved): self.solved = solved
    >>> reward = get_reward("tools.environment_state", attribute="solved", low=0.0, high=1.0)
    >>> reward(prompts=["q", "q"], completions=["a", "b"], environments=[Maze(True), Maze(False)])
    [1.0, 0.0]
    """

    config_class = EnvironmentStateConfig
    reason_codes = {
        "read": "the environment's attribute, read as the score (the detail: its value)",
        "unset": "the attribute is None: the row is skipped",
    }

    def __init__(self, config: EnvironmentStateConfig | None = None) -> None:
        super().__init__(config)
        if self.config.low is not None or self.config.high is not None:
            self.score_range = (self.config.low, self.config.high)

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        environments = _environments(kwargs, len(completions), self, required=True)
        scores = [self._read(environment, row) for row, environment in enumerate(environments)]
        return with_reasons(scores, ["unset" if s is None else ("read", f"{s:g}") for s in scores])

    def _read(self, environment: Any, row: int) -> float | None:
        name = self.config.attribute
        if isinstance(environment, dict):
            found, value = name in environment, environment.get(name)
        else:
            found, value = hasattr(environment, name), getattr(environment, name, None)
            if callable(value):
                value = value()
        if not found:
            raise RewardInputError(
                f"the environment ({type(environment).__name__}) has no attribute {name!r}; set the param "
                "attribute to one it records", reward=self.__name__, row=row,
            )
        if value is None:
            return None
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, Real) and math.isfinite(float(value)):
            return float(value)
        raise RewardInputError(
            f"the environment's {name!r} is {value!r:.80}, not a finite number or a bool",
            reward=self.__name__, row=row,
        )
