r"""TRL's own reward functions, resolvable by name (`trl.accuracy_reward`, ...) so one config mixes them with ours.

The adapters declare TRL's parameters (factories such as `get_soft_overlong_punishment(max_completion_len,
soft_punish_cache)` become params), accept every completion shape, and let the gold column be renamed (TRL reads `solution`; many datasets
call it `answer`). The columns a TRL function reads are checked first with `reward_core.column`, so a missing or
short one raises `MissingColumnError` / `ColumnLengthError` naming the reward, not a `TypeError` from inside TRL.
TRL is imported on the first call.

TRL's own functions read `completion[0]["content"]` only: on a tool trajectory that is the first assistant turn
(often empty), and they never see reasoning that a response parser moved into `reasoning_content`. The adapters
hand TRL one message holding what the function is about: the answering message for `trl.accuracy_reward` and
`trl.cosine_scaled` (`Completion.final`: on one message exactly what TRL reads; the length comes from the
token ids), the model's own words with the parsed reasoning
back in `<think>` for the others (`completion_text`), so a model that reasons is not scored as one that
does not. Tool results are never passed on.

Speed: `trl.accuracy_reward`, `trl.reasoning_accuracy_reward` and `trl.cosine_scaled` run TRL's math-verify,
whose own limits are per row and only in the main thread: up to 10 s to parse and 5 s to verify (about 5 s each
for towers such as `\boxed{9^{9^{9^{9}}}}`, scored 0.0 when it gives up). Off the main thread (`reward-core
serve` scores in threads) TRL turns those limits off, and such a tower computes while holding the interpreter's
lock: the whole process stops (for as long as we waited, over a minute and a half). The adapters keep TRL's
scores exactly, so they add no bound of their own; `math.answer_correctness` refuses such answers up front and
verifies in worker processes killed at their deadline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral
from typing import Any, ClassVar

from ..errors import InvalidParamsError, RewardInputError, shown
from ..params import param
from ..completion import completion_text, read_completion
from ..reasons import with_reasons
from ..reward import BaseReward, RewardConfig, column

_TOKEN_IDS = "one list of token ids per completion; GRPOTrainer passes it"


class _TrlReward(BaseReward):
    """Calls a TRL reward function, built on first use (TRL's factories return closures, which do not pickle)."""

    needs_solution: ClassVar[bool] = False
    needs_token_ids: ClassVar[bool] = False
    #: True: TRL's function reads the answering message (`Completion.final`); False: the model's own words.
    reads_final_answer: ClassVar[bool] = False

    def _build(self) -> Callable[..., Any]:
        raise NotImplementedError

    def _extra_kwargs(self) -> dict[str, Any]:
        return {}

    def _reason(self, score: float | None) -> str | None:
        """The reason of one score (TRL's functions give none: it is read from the score)."""
        return None

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        fn = self.__dict__.get("_fn") or self.__dict__.setdefault("_fn", self._build())
        n = len(completions)
        read = _final_text if self.reads_final_answer else completion_text
        conversational = [[{"role": "assistant", "content": read(c)}] for c in completions]
        if self.needs_solution:
            name = self.config.solution_column  # type: ignore[attr-defined]
            golds = column(kwargs, name, n, reward=self, param="solution_column", what="the gold answers")
            kwargs = {**kwargs, "solution": [str(v) for v in golds]}
        if self.needs_token_ids:
            _check_token_ids(column(kwargs, "completion_ids", n, reward=self, what=_TOKEN_IDS), self)
        scores = list(fn(completions=conversational, **kwargs, **self._extra_kwargs()))
        return with_reasons(scores, [self._reason(score) for score in scores])

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_fn"}


def _check_token_ids(ids: list, reward: BaseReward) -> None:
    """Raise `RewardInputError` naming the row unless each row of `completion_ids` is a sequence of ints (a
    list, a tuple, or a tensor/array row), as TRL's functions read them: `len(ids)` and n-grams of them."""
    for row, token_ids in enumerate(ids):
        if type(token_ids) is list and set(map(type, token_ids)) <= {int}:
            continue  # what GRPOTrainer passes, checked at C speed
        items = token_ids.tolist() if callable(getattr(token_ids, "tolist", None)) else token_ids
        if (
            isinstance(items, (str, bytes, Mapping))
            or not isinstance(items, Sequence)
            or not all(isinstance(t, Integral) and not isinstance(t, bool) for t in items)
        ):
            raise RewardInputError(
                f"completion_ids[{row}] must be a list of token ids (ints), got {type(token_ids).__name__} "
                f"{shown(token_ids, 60)}; pass {_TOKEN_IDS}",
                reward=reward.__name__,
                row=row,
            )


def _final_text(completion: Any) -> str:
    return completion if type(completion) is str else read_completion(completion).final


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SolutionConfig(RewardConfig):
    solution_column: str = param("solution", doc="Dataset column with the gold answers (TRL's name: solution).")


class TrlAccuracyReward(_TrlReward):
    """TRL's `accuracy_reward`: 1.0 when math-verify finds the answer equal to the gold, None when it can't parse.

    TRL's scores exactly, at TRL's speed: math-verify may spend about 5 s on an answer like
    `\\boxed{9^{9^{9^{9}}}}` (its per-row limit; none off the main thread). `math.answer_correctness` bounds
    each batch.

    >>> from reward_core import get_reward
    >>> reward = get_reward("trl.accuracy_reward", solution_column="answer")
    >>> reward(prompts=["1+1?", "1+1?"], completions=["So $\\\\boxed{2}$.", "$\\\\boxed{3}$"], answer=["2", "2"])
    [1.0, 0.0]
    """

    config_class = SolutionConfig
    score_range = (0.0, 1.0)
    needs_solution = True
    reads_final_answer = True
    reason_codes = {"correct": "math-verify found the answer equal to the gold", "wrong": "it did not",
                    "gold_unparsable": "the gold could not be parsed: None"}

    def _reason(self, score: float | None) -> str | None:
        return "gold_unparsable" if score is None else "correct" if score > 0 else "wrong"

    def _build(self) -> Callable[..., Any]:
        from trl.rewards import accuracy_reward

        return accuracy_reward


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReasoningAccuracyConfig(SolutionConfig):
    reasoning_delimiters: list[str] | None = param(None, doc="Text after the last of these is graded ('</think>').")


class TrlReasoningAccuracyReward(_TrlReward):
    """TRL's `reasoning_accuracy_reward`: accuracy of the text after the reasoning block (0 without one).

    >>> from reward_core import get_reward
    >>> reward = get_reward("trl.reasoning_accuracy_reward", solution_column="answer")
    >>> reward(prompts=["q", "q"], completions=["<think>hm</think>$\\\\boxed{2}$", "$\\\\boxed{2}$"], answer=["2", "2"])
    [1.0, 0.0]
    """

    config_class = ReasoningAccuracyConfig
    score_range = (0.0, 1.0)
    needs_solution = True
    reason_codes = {"correct": "the answer after the reasoning block equals the gold",
                    "wrong": "it does not, or there is no reasoning block", "gold_unparsable": "None"}
    _reason = TrlAccuracyReward._reason

    def __init__(self, config: ReasoningAccuracyConfig | None = None) -> None:
        super().__init__(config)
        delimiters = self.config.reasoning_delimiters  # type: ignore[attr-defined]
        if delimiters is not None and not all(delimiters):  # TRL splits on each: "" fails every call
            raise InvalidParamsError(
                f"reward {self.__name__!r}: reasoning_delimiters must be non-empty strings (e.g. ['</think>']), "
                f"got {delimiters!r}"
            )

    def _build(self) -> Callable[..., Any]:
        from trl.rewards import reasoning_accuracy_reward

        return reasoning_accuracy_reward

    def _extra_kwargs(self) -> dict[str, Any]:
        delimiters = self.config.reasoning_delimiters  # type: ignore[attr-defined]
        return {"reasoning_delimiters": delimiters} if delimiters else {}


class TrlThinkFormatReward(_TrlReward):
    """TRL's `think_format_reward`: 1.0 when the completion starts with one `<think>...</think>` block.

    >>> from reward_core import get_reward
    >>> get_reward("trl.think_format_reward")(prompts=["q", "q"], completions=["<think>hm</think>4", "4"])
    [1.0, 0.0]
    """

    score_range = (0.0, 1.0)
    reason_codes = {"thought": "starts with one <think>...</think> block", "no_thought": "it does not"}

    def _reason(self, score: float | None) -> str | None:
        return "thought" if score else "no_thought"

    def _build(self) -> Callable[..., Any]:
        from trl.rewards import think_format_reward

        return think_format_reward


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SoftOverlongConfig(RewardConfig):
    max_completion_len: int = param(doc="Maximum completion length in tokens (L_max).", ge=1)
    soft_punish_cache: int = param(doc="Tokens before L_max where the penalty ramps from 0 to -1.", ge=0)


class TrlSoftOverlongReward(_TrlReward):
    """TRL's `get_soft_overlong_punishment` (DAPO): 0 up to L_max - cache, then linearly down to -1 at L_max.

    >>> from reward_core import get_reward
    >>> reward = get_reward("trl.soft_overlong_punishment", max_completion_len=10, soft_punish_cache=4)
    >>> reward(prompts=["q", "q"], completions=["a", "b"], completion_ids=[[1] * 6, [1] * 8])
    [0.0, -0.5]
    """

    config_class = SoftOverlongConfig
    score_range = (-1.0, 0.0)
    needs_token_ids = True
    reason_codes = {"within": "not penalised", "in_cache": "in the soft-punishment zone", "over_max": "beyond L_max"}

    def _reason(self, score: float | None) -> str | None:
        return "within" if not score else "over_max" if score <= -1.0 else "in_cache"

    def _build(self) -> Callable[..., Any]:
        from trl.rewards import get_soft_overlong_punishment

        c: Any = self.config
        return get_soft_overlong_punishment(c.max_completion_len, c.soft_punish_cache)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RepetitionConfig(RewardConfig):
    ngram_size: int = param(3, doc="Length of the n-grams of token ids compared.", ge=1)
    max_penalty: float = param(-1.0, doc="Penalty when every n-gram repeats (must be <= 0).", le=0.0)


class TrlRepetitionPenaltyReward(_TrlReward):
    """TRL's `get_repetition_penalty_reward`: a penalty growing with the share of repeated token n-grams.

    >>> from reward_core import get_reward
    >>> reward = get_reward("trl.repetition_penalty", ngram_size=2)
    >>> reward(prompts=["q", "q"], completions=["a", "b"], completion_ids=[[1, 2, 3, 4], [1, 2, 1, 2, 1, 2]])
    [0.0, -0.6]
    """

    config_class = RepetitionConfig
    score_range = (-1.0, 0.0)  # with the default max_penalty
    needs_token_ids = True
    reason_codes = {"distinct": "no repeated n-gram", "repeated": "some n-grams repeat"}

    def _reason(self, score: float | None) -> str | None:
        return "repeated" if score else "distinct"

    def __init__(self, config: RepetitionConfig | None = None) -> None:
        super().__init__(config)
        self.score_range = (self.config.max_penalty, 0.0)  # type: ignore[attr-defined]

    def _build(self) -> Callable[..., Any]:
        from trl.rewards import get_repetition_penalty_reward

        c: Any = self.config
        return get_repetition_penalty_reward(c.ngram_size, c.max_penalty)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CosineScaledConfig(SolutionConfig):
    max_len: int = param(doc="Completion length in tokens at which the cosine schedule ends.", ge=1)
    min_value_wrong: float = param(-1.0, doc="Score of a wrong answer of 0 tokens; it rises with length.")
    max_value_wrong: float = param(-0.5, doc="Score of a wrong answer of max_len tokens or more.")
    min_value_correct: float = param(0.5, doc="Score of a correct answer of max_len tokens or more.")
    max_value_correct: float = param(1.0, doc="Score of a correct answer of 0 tokens; it falls with length.")


class TrlCosineScaledReward(_TrlReward):
    """TRL's `get_cosine_scaled_reward`: correctness scaled by length (short right answers score highest, short
    wrong ones lowest).

    >>> from reward_core import get_reward
    >>> reward = get_reward("trl.cosine_scaled", max_len=100, solution_column="answer")
    >>> [round(s, 2) for s in reward(prompts=["q"], completions=["$\\\\boxed{2}$"], answer=["2"], completion_ids=[[7] * 10])]
    [0.99]
    """

    config_class = CosineScaledConfig
    score_range = (-1.0, 1.0)  # with the default values
    needs_solution = True
    needs_token_ids = True
    reads_final_answer = True
    reason_codes = {"correct": "the answer equals the gold (scaled by length)", "wrong": "it does not",
                    "gold_unparsable": "None"}

    def _reason(self, score: float | None) -> str | None:
        if score is None:
            return "gold_unparsable"
        return "correct" if score >= min(self._values[2], self._values[3]) else "wrong"

    def __init__(self, config: CosineScaledConfig | None = None) -> None:
        super().__init__(config)
        c: Any = self.config
        self._values = (c.min_value_wrong, c.max_value_wrong, c.min_value_correct, c.max_value_correct)
        self.score_range = (min(self._values), max(self._values))

    def _build(self) -> Callable[..., Any]:
        from trl.rewards import get_cosine_scaled_reward

        return get_cosine_scaled_reward(self.config.max_len, *self._values)  # type: ignore[attr-defined]
