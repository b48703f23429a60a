"""Contract checks wrapped around every resolved reward.

The checks are built to cost almost nothing on a good batch: output types are checked by C-level type counts and
one sum, and input rows are validated by the text extraction every reward already performs
(`completion_text`); only when something fails does the guard scan the batch to name the culprit.
"""

from __future__ import annotations

import asyncio
import math
import warnings
from collections import Counter
from collections.abc import Callable
from numbers import Real
from typing import Any

from .calling import call_reward, is_async_reward, reward_function
from .errors import (
    ColumnLengthError,
    InvalidParamsError,
    MalformedCompletionError,
    RewardCoreError,
    RewardInputError,
    RewardOutputError,
    RewardRowWarning,
)
from .reasons import GUARD_REASONS, Scored, reason_code
from .completion import completion_text, prompt_text

__all__ = ["GuardedReward", "AsyncGuardedReward", "guard", "check_scores", "check_on_error", "ON_ERROR"]

#: What a guarded reward does when it fails: stop (raise), or score the failing rows None and go on (skip).
ON_ERROR = ("raise", "skip")

_NONE = type(None)


class GuardedReward:
    """A reward (a `BaseReward` or any TRL-compatible callable) checked on every call.

    - input: `prompts` and every per-row column (lists in `kwargs`, `completion_ids` included) must have one
      entry per completion; malformed completions raise `MalformedCompletionError` naming reward and row;
    - kwargs are never mutated: the reward receives shallow copies of every list;
    - output: exactly one finite float (or `None`) per completion, as a plain list; anything else raises
      `RewardOutputError` naming the reward, the index and the value.

    Reasons: when the reward returns its scores with reasons (`reward_core.with_reasons`), the guard checks
    them against the reward's `reason_codes` (plus its own: `failed` for rows that failed under skip), sends
    them to TRL's completions table (`log_extra("<name>/reason", ...)`) and the share of each code to its logs
    (`log_metric("<name>/reason/<code>", share)`), and returns a `Scored` list carrying them. Reasons that
    break the vocabulary are dropped with a `RewardRowWarning`; they never cost a score.

    `on_error` decides what a failure costs. `"raise"` (the default): the typed error stops the call. `"skip"`:
    a training run goes on: when the reward raises, each row is scored alone, and only the rows that still fail
    (or whose score is NaN, inf or not a number) become `None`, which TRL skips; a `RewardRowWarning` names the
    reward, the rows and the first error, and `<name>/failed_rows` is logged through TRL's `log_metric`.
    Failures no row can explain (a column of the wrong length, an array instead of a list) always raise.

    TRL logs it under `__name__`. `reward` is the wrapped callable.
    """

    def __init__(self, reward: Callable[..., Any], name: str, entry: Any = None, on_error: str = "raise") -> None:
        check_on_error(on_error, f"reward {name!r}")
        self.reward = reward
        self.entry = entry
        self.on_error = on_error
        self.__name__ = name
        self.__doc__ = getattr(reward, "__doc__", None)
        declared = getattr(reward, "reason_codes", None)
        #: The codes this reward's reasons may use: its declared vocabulary and the guard's own.
        self.reason_codes: dict[str, str] = {**(declared if isinstance(declared, dict) else {}), **GUARD_REASONS}
        self._metric_names = {code: f"{name}/reason/{code}" for code in self.reason_codes}

    @property
    def config(self) -> Any:
        return getattr(self.reward, "config", None)

    def __call__(self, prompts: list | None = None, completions: list | None = None, **kwargs: Any) -> list:
        completions, prompts, kwargs = self._inputs(prompts, completions, kwargs)
        try:
            scores = self.reward(prompts=prompts, completions=completions, **kwargs)
        except Exception as exc:
            rows = self._rows_to_retry(exc, prompts, completions, kwargs)
            return self._salvage([self._one_row(row) for row in rows], kwargs)
        return self._checked(scores, len(completions), kwargs)

    def _one_row(self, row: dict[str, Any]) -> Any:
        try:
            return self.reward(**row)
        except Exception as exc:
            return exc

    def _rows_to_retry(self, exc: Exception, prompts: list | None, completions: list, kwargs: dict) -> list[dict]:
        """After the batch call raised `exc`: re-raise it (on_error "raise"), or the rows to score one by one."""
        if self.on_error == "raise":
            raise self._input_error(exc, prompts, completions) or exc
        return _rows(prompts, completions, kwargs)

    def _checked(self, scores: Any, expected: int, kwargs: dict[str, Any]) -> list:
        reasons = scores.reasons if type(scores) is Scored else None
        try:
            checked = check_scores(self.__name__, scores, expected)
        except RewardOutputError as error:
            if self.on_error == "raise" or error.index is None:
                raise
            if type(reasons) is not list or len(reasons) != len(scores):
                reasons = [None] * len(scores)
            return self._salvage([Scored([s], [r]) for s, r in zip(scores, reasons)], kwargs)
        if reasons is None:
            return checked
        return self._report(checked, reasons, kwargs)

    def _report(self, scores: list, reasons: Any, kwargs: dict[str, Any]) -> list:
        """`scores` as a `Scored` with `reasons` (checked), after sending them to TRL's table and logs."""
        n = len(scores)
        distinct = set(reasons) if type(reasons) is list and len(reasons) == n else None
        codes = self.reason_codes
        if distinct is None or not all(
            r is None or (type(r) is str and (r in codes or reason_code(r) in codes)) for r in distinct
        ):
            bad = sorted(map(repr, distinct or ()))[:5] if distinct is not None else [type(reasons).__name__]
            warnings.warn(
                RewardRowWarning(
                    f"reward {self.__name__!r}: its reasons were dropped: expected one per completion ({n}), each "
                    f"None or a code of {sorted(codes)} (optionally 'code: detail'); got {', '.join(bad)}. "
                    "Declare the codes in reason_codes and return with_reasons(scores, reasons)."
                ),
                stacklevel=4,
            )
            return scores
        log_extra = kwargs.get("log_extra")
        if callable(log_extra):
            log_extra(f"{self.__name__}/reason", list(reasons))
        log_metric = kwargs.get("log_metric")
        if callable(log_metric) and n:
            counts = dict.fromkeys(codes, 0)
            if distinct <= codes.keys() | {None}:  # codes only: count at C speed
                for reason, count in Counter(reasons).items():
                    if reason is not None:
                        counts[reason] += count
            else:
                for reason in reasons:
                    if reason is not None:
                        counts[reason_code(reason)] += 1
            for code, count in counts.items():
                if count or code not in GUARD_REASONS:
                    log_metric(self._metric_names[code], count / n)
        return Scored(scores, reasons)

    def _salvage(self, per_row: list, kwargs: dict[str, Any]) -> list:
        """One score per row from per-row results (a one-score list, or the exception); failures become None."""
        scores: list[float | None] = []
        reasons: list[str | None] = []
        failed: list[tuple[int, BaseException]] = []
        for row, result in enumerate(per_row):
            try:
                if isinstance(result, BaseException):
                    raise result
                (score,) = check_scores(self.__name__, result, 1)
                reasons.append(result.reasons[0] if type(result) is Scored and result.reasons else None)
            except Exception as exc:
                if isinstance(exc, RewardOutputError) and exc.index is not None:
                    exc = RewardOutputError(self.__name__, "invalid score", index=row, value=exc.value)
                elif isinstance(exc, RewardInputError):
                    exc = exc.located(self.__name__, row)
                failed.append((row, exc))
                score = None
                reasons.append(f"failed: {type(exc).__name__}")
            scores.append(score)
        if failed:
            rows = ", ".join(str(row) for row, _ in failed[:10]) + (" ..." if len(failed) > 10 else "")
            first = failed[0][1]
            warnings.warn(
                RewardRowWarning(
                    f"reward {self.__name__!r}: {len(failed)} of {len(per_row)} row(s) scored None after errors "
                    f"(rows {rows}); first: {type(first).__name__}: {first}. Fix the reward, or set "
                    "on_error: raise to stop on the first error."
                ),
                stacklevel=3,
            )
            log_metric = kwargs.get("log_metric")
            if callable(log_metric):
                log_metric(f"{self.__name__}/failed_rows", float(len(failed)))
        if failed or any(reasons):
            return self._report(scores, reasons, kwargs)
        return scores

    def _inputs(self, prompts: Any, completions: Any, kwargs: dict[str, Any]) -> tuple[list, Any, dict]:
        if not isinstance(completions, (list, tuple)):
            raise MalformedCompletionError(
                f"completions must be a list (one entry per completion), got {type(completions).__name__}",
                reward=self.__name__,
            )
        n = len(completions)
        if prompts is not None:
            if not isinstance(prompts, (list, tuple)) or len(prompts) != n:
                count = len(prompts) if isinstance(prompts, (list, tuple)) else type(prompts).__name__
                raise ColumnLengthError(
                    f"got {count} prompts for {n} completions; pass one prompt per completion", reward=self.__name__
                )
            prompts = list(prompts)
        copied = {}
        for key, value in kwargs.items():
            if type(value) is list or type(value) is tuple:
                if len(value) != n:
                    raise ColumnLengthError(
                        f"column {key!r} has {len(value)} values for {n} completions; every dataset column "
                        "must hold one value per completion (TRL repeats each row num_generations times)",
                        reward=self.__name__,
                    )
                value = list(value)
            copied[key] = value
        return list(completions), prompts, copied

    def _input_error(self, exc: Exception, prompts: Any, completions: list) -> RewardInputError | None:
        # Only on failure: find the malformed row so the error can name it.
        if isinstance(exc, RewardInputError) and exc.reward is not None:
            return None
        if not isinstance(exc, (RewardInputError, TypeError, KeyError, IndexError, AttributeError)):
            return None
        for rows, extract in ((completions, completion_text), (prompts or [], prompt_text)):
            for row, item in enumerate(rows):
                try:
                    extract(item)
                except MalformedCompletionError as found:
                    error = found.located(self.__name__, row)
                    error.__cause__ = exc
                    return error
        if isinstance(exc, RewardInputError):
            return exc.located(self.__name__, None)
        return None

    def score(self, prompts: list | None, completions: list, **kwargs: Any) -> list:
        """Call from synchronous code, whatever the reward's kind (see `BaseReward.score`)."""
        return call_reward(self, prompts, completions, **kwargs)

    def as_fn(self) -> Callable[..., Any]:
        """This guarded reward as a plain, picklable function (see `BaseReward.as_fn`)."""
        return reward_function(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__name__!r} of {self.reward!r}>"


class AsyncGuardedReward(GuardedReward):
    """`GuardedReward` for an `async def` reward; TRL runs it concurrently on its async path."""

    async def __call__(self, prompts: list | None = None, completions: list | None = None, **kwargs: Any) -> list:
        completions, prompts, kwargs = self._inputs(prompts, completions, kwargs)
        try:
            scores = await self.reward(prompts=prompts, completions=completions, **kwargs)
        except Exception as exc:
            rows = self._rows_to_retry(exc, prompts, completions, kwargs)
            results = await asyncio.gather(*(self.reward(**row) for row in rows), return_exceptions=True)
            return self._salvage(results, kwargs)
        return self._checked(scores, len(completions), kwargs)


def check_on_error(value: Any, where: str, error: type[RewardCoreError] = InvalidParamsError) -> str:
    """`value` when it is a failure policy of `ON_ERROR`; else `error` saying so, prefixed by `where`."""
    if not isinstance(value, str) or value not in ON_ERROR:
        raise error(f"{where}: on_error must be one of {list(ON_ERROR)}, got {value!r}")
    return value


def guard(reward: Callable[..., Any], name: str, entry: Any = None, on_error: str = "raise") -> GuardedReward:
    """Wrap `reward` in the contract checks, keeping it sync or async."""
    cls = AsyncGuardedReward if is_async_reward(reward) else GuardedReward
    return cls(reward, name, entry, on_error)


def _rows(prompts: list | None, completions: list, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    """The batch as one-row batches (per-row columns sliced, other kwargs shared)."""
    rows = []
    for i in range(len(completions)):
        row = {k: [v[i]] if type(v) is list else v for k, v in kwargs.items()}
        row["prompts"] = [prompts[i]] if prompts is not None else None
        row["completions"] = [completions[i]]
        rows.append(row)
    return rows


def check_scores(reward: str, scores: Any, expected: int) -> list:
    """`scores` if it is a plain list of `expected` finite floats/ints/None; else a `RewardOutputError`.

    Numeric scalars that are not `float`/`int` (numpy floats, say) are converted to float.
    """
    if type(scores) is not list and type(scores) is not Scored:
        raise RewardOutputError(
            reward,
            f"got {type(scores).__name__} instead of a list (build a list; numpy arrays, tuples, generators and "
            "tensors are rejected because TRL handles them inconsistently)",
        )
    if len(scores) != expected:
        raise RewardOutputError(reward, f"got {len(scores)} scores for {expected} completions")
    # Fast path, C-level loops only: count the element types, then one sum finds NaN and inf.
    kinds = list(map(type, scores))
    floats = kinds.count(float)
    try:
        if floats == expected:
            if math.isfinite(sum(scores)):
                return scores
        else:
            nones = kinds.count(_NONE)
            if floats + nones + kinds.count(int) == expected:
                numbers = [s for s in scores if s is not None] if nones else scores
                if math.isfinite(sum(numbers)):
                    return scores
    except OverflowError:  # huge ints: the slow path says which one
        pass
    return _slow_check(reward, scores)


def _slow_check(reward: str, scores: list) -> list:
    checked: list[float | None] = []
    for index, value in enumerate(scores):
        if value is None:
            checked.append(None)
            continue
        if isinstance(value, bool) or type(value).__name__ == "bool_" or not isinstance(value, Real):
            raise RewardOutputError(
                reward, f"{type(value).__name__} is not a number (return float scores)", index=index, value=value
            )
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise RewardOutputError(
                reward, "scores must be finite (return None to skip a row you cannot score)", index=index, value=value
            )
        checked.append(value if type(value) in (int, float) else number)
    return checked
