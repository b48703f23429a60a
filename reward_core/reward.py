"""The reward contract: `RewardConfig`, `BaseReward`, and the helpers every reward needs."""

from __future__ import annotations

import dataclasses
import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from .calling import call_reward, is_async_reward, reward_function
from .completion import completion_text, prompt_text
from .errors import ColumnLengthError, InvalidParamsError, MissingColumnError, RewardDefinitionError, RewardInputError

__all__ = [
    "RewardConfig",
    "BaseReward",
    "completion_text",
    "prompt_text",
    "column",
    "is_async_reward",
    "call_reward",
    "score_bounds",
]


@dataclasses.dataclass(frozen=True, slots=True)
class RewardConfig:
    """Configuration of a reward. `name` is the name TRL logs the reward under (`rewards/<name>/mean`).

    A reward with parameters declares them as fields of a subclass (see `reward_core.param`)::

        @dataclass(frozen=True, slots=True, kw_only=True)
        class LengthConfig(RewardConfig):
            name: str = "demo.length"
            max_chars: int = param(1000, doc="Completions this long or longer score 1.0.")
    """

    name: str = "reward"


class BaseReward(ABC):
    """A reward callable for TRL's `GRPOTrainer`: one score per completion.

    Subclasses implement `__call__(prompts, completions, **kwargs)` (plain or `async def`) and return a list
    with one float (or `None` to skip the row) per completion. Instances can be passed directly to
    `GRPOTrainer(reward_funcs=[...])`; TRL logs each under `self.__name__`, mirrored from `config.name`.

    Class attributes a subclass may set:
      - `config_class`: its `RewardConfig` subclass, whose fields are the reward's parameters.
      - `score_range`: `(low, high)` bounds of the scores it returns with default params, shown by
        `reward-core show`; `None` or `math.inf` on a side leaves it open (`(0.0, None)`: unbounded above).
        When params move the bounds, set `self.score_range` in `__init__`: the conformance kit checks scores
        against the instance's range. It is checked when the class is defined and when the reward is built
        (`RewardDefinitionError` for anything but two ordered numbers or open sides).
      - `reason_codes`: `{code: what it means}`, the reasons the reward may give per row (returned with
        `reward_core.with_reasons(scores, reasons)`); `reward-core show` lists them.
    """

    config_class: ClassVar[type[RewardConfig]] = RewardConfig
    score_range: ClassVar[tuple[float | None, float | None] | None] = None
    reason_codes: ClassVar[Mapping[str, str] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("score_range")
        if not hasattr(declared, "__get__"):  # a property computes it per instance: checked when built
            score_bounds(declared, cls.__qualname__)

    def __init__(self, config: RewardConfig | None = None) -> None:
        if config is None:
            config = self.config_class()
        elif not isinstance(config, self.config_class):
            raise InvalidParamsError(
                f"{type(self).__name__} takes a {self.config_class.__name__}, got {type(config).__name__}; "
                f"build one with {self.config_class.__name__}(...) or use reward_core.get_reward(name, **params)."
            )
        self.config = config
        self.__name__ = config.name
        self.__doc__ = type(self).__doc__

    @abstractmethod
    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        """Score each completion; `kwargs` holds TRL's per-row dataset columns and helpers. Never mutate it."""

    def as_fn(self) -> Callable[..., Any]:
        """This reward as a plain function (`types.FunctionType`) with the same signature and `__name__`.

        The function pickles by reference and unpickles in a fresh process (where the providing package is
        installed), for frameworks that pickle reward functions or insist on functions. It is an
        `async def` when this reward's `__call__` is.
        """
        return reward_function(self)

    def score(self, prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        """Call the reward from synchronous code, whether its `__call__` is sync or async.

        An async reward runs on reward-core's background event loop, so this works in scripts and in
        notebooks that already run a loop (no `asyncio.run` errors, no `nest_asyncio`).
        """
        return call_reward(self, prompts, completions, **kwargs)

    def report_metric(self, kwargs: Mapping[str, Any], metric: str, value: float) -> None:
        """Log `value` as `<reward name>/<metric>` through TRL's `log_metric` kwarg, when there is one."""
        log_metric = kwargs.get("log_metric")
        if callable(log_metric):
            log_metric(f"{self.__name__}/{metric}", float(value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"


def score_bounds(score_range: Any, reward: str) -> tuple[float, float] | None:
    """`score_range` as two floats, an open side (`None`) as `-math.inf` / `math.inf`; None when undeclared.

    Raises `RewardDefinitionError` naming `reward` for anything but a pair of numbers (or None / ±inf) with
    low <= high.

    >>> score_bounds((0, None), "demo.length")
    (0.0, inf)
    """
    if score_range is None:
        return None
    problem = None
    if isinstance(score_range, (str, bytes)) or not hasattr(score_range, "__len__") or len(score_range) != 2:
        problem = "must be a pair (low, high)"
    else:
        bounds = []
        for side, value, open_value in (("low", score_range[0], -math.inf), ("high", score_range[1], math.inf)):
            if value is None:
                value = open_value
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
                problem = f"{side} bound must be a number, None or math.inf, got {value!r}"
                break
            bounds.append(float(value))
        else:
            if bounds[0] > bounds[1]:
                problem = f"low {bounds[0]} is above high {bounds[1]}"
            else:
                return bounds[0], bounds[1]
    raise RewardDefinitionError(
        f"reward {reward!r}: score_range {score_range!r} {problem}. Declare (low, high) with numbers, or None / "
        "math.inf for an open side, e.g. score_range = (0.0, None) for scores unbounded above."
    )


def format_score_range(bounds: tuple[float, float] | None) -> str:
    """`[0.0, 1.0]`, `[0.0, +inf)`, or "not declared"."""
    if bounds is None:
        return "not declared"
    low, high = bounds
    left = "(-inf" if low == -math.inf else f"[{low}"
    right = "+inf)" if high == math.inf else f"{high}]"
    return f"{left}, {right}"


def column(
    kwargs: Mapping[str, Any],
    name: str,
    n: int,
    *,
    reward: Any = None,
    param: str | None = None,
    what: str | None = None,
    required: bool = True,
) -> list[Any] | None:
    """The dataset column `name` from a reward's `kwargs`, as a list with one value per completion.

    :param kwargs: the keyword arguments the reward was called with (TRL passes every dataset column there).
    :param name: the column to read.
    :param n: the number of completions in the batch.
    :param reward: the reward (or its name), named in the errors; the guard names it when this is left out.
    :param param: the reward's parameter that chooses the column; the missing-column error tells users to set it.
    :param what: what the column holds ("the gold answers"), for the errors.
    :param required: when False, a missing column (or a `None` one) returns None instead of raising.

    Raises `MissingColumnError` when the batch has no such column (listing the columns it has), and
    `ColumnLengthError` when it is not a sequence of `n` values.

    >>> column({"answer": ["4", "6"]}, "answer", 2)
    ['4', '6']
    >>> column({}, "answer", 2, required=False) is None
    True
    """
    reward_name = reward if reward is None or isinstance(reward, str) else getattr(reward, "__name__", None)
    values = kwargs.get(name)
    holds = f" ({what})" if what else ""
    if values is None:
        if not required:
            return None
        if name in kwargs:
            raise MissingColumnError(f"the dataset column {name!r}{holds} is None; pass one value per completion",
                                     reward=reward_name)
        present = sorted(k for k, v in kwargs.items() if isinstance(v, (list, tuple)))
        fix = f"set the param {param} to the column that holds them" if param else f"pass a column named {name!r}"
        raise MissingColumnError(
            f"needs the dataset column {name!r}{holds}, and the batch has only {present}; {fix}",
            reward=reward_name,
        )
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__") or not hasattr(values, "__getitem__"):
        raise ColumnLengthError(
            f"column {name!r}{holds} must be a list with one value per completion, got {type(values).__name__}",
            reward=reward_name,
        )
    if len(values) != n:
        raise ColumnLengthError(
            f"column {name!r}{holds} has {len(values)} values for {n} completions; pass one value per completion "
            "(TRL repeats each dataset row num_generations times)",
            reward=reward_name,
        )
    values = values if type(values) is list else list(values)
    if int in set(map(type, values)):  # an int Python will not turn into text (10**5000) fails where it is read
        for row, value in enumerate(values):
            if type(value) is int and value.bit_length() > 13_000:
                try:
                    str(value)
                except ValueError:
                    raise RewardInputError(
                        f"column {name!r}{holds} holds an integer of about {int(value.bit_length() * 0.30103)} "
                        "digits, more than Python converts to text (sys.get_int_max_str_digits()); pass it as a "
                        "string", reward=reward_name, row=row,
                    ) from None
    return values
