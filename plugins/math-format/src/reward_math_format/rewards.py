"""Format rewards for reasoning completions: tags, strict structure, think format, length, repetition, steps.

Every reward reads completions with `reward_core.completion_text` (plain strings, conversational completions
and tool trajectories alike): the model's own words, with reasoning that a response parser moved into
`reasoning_content` put back in front in the reward's own reasoning tag, so parsed and inline reasoning score
the same; tool results are never read, so tags a tool returned never count. Each reward scans in linear time
(see `_scan`), so a 1 MB completion costs milliseconds. Tags inside Markdown code (fenced blocks or inline
code spans) are mentions, not structure: they never count; the tag rewards look for them in
`outside_code(text)`, where each piece of code is one placeholder.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from reward_core import BaseReward, RewardConfig, column, completion_text, param, with_reasons
from reward_core.errors import InvalidParamsError, RewardInputError, shown

from ._scan import TAG_NAME, code_spans, distinct_ngrams, find_once, is_blank, outside_code, word_units

__all__ = [
    "ReasoningTagsConfig",
    "ReasoningTagsReward",
    "StrictFormatConfig",
    "StrictFormatReward",
    "ThinkFormatConfig",
    "ThinkFormatReward",
    "SoftOverlongConfig",
    "SoftOverlongReward",
    "RepetitionPenaltyConfig",
    "RepetitionPenaltyReward",
    "StepFormatConfig",
    "StepFormatReward",
]

_IGNORE_CODE_DOC = "Ignore tags inside Markdown code (``` / ~~~ fences and `inline` spans): they are mentions."


def _check_tags(config: Any, *fields: str) -> None:
    # Tag names become literal search strings; '<', '>' or whitespace in them would change what matches.
    values = [getattr(config, f) for f in fields]
    for field, value in zip(fields, values):
        if not TAG_NAME.fullmatch(value):
            raise InvalidParamsError(
                f"reward {config.name!r}: parameter {field!r} must be a bare tag name such as 'think' or 'answer' "
                f"(letters, digits, '_', '-', '.', ':'; no angle brackets), got {value!r}"
            )
    if len(set(values)) != len(values):
        raise InvalidParamsError(f"reward {config.name!r}: parameters {', '.join(fields)} must differ, got {values!r}")


# --------------------------------------------------------------------------------------------------------------
# math.reasoning_tags and math.strict_format: the same two tags, counted or held to a structure


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _TagPairConfig(RewardConfig):
    reasoning_tag: str = param("reasoning", doc="Name of the reasoning tag (e.g. 'think' for R1 style).")
    answer_tag: str = param("answer", doc="Name of the answer tag.")
    ignore_code_blocks: bool = param(True, doc=_IGNORE_CODE_DOC)

    def __post_init__(self) -> None:
        _check_tags(self, "reasoning_tag", "answer_tag")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReasoningTagsConfig(_TagPairConfig):
    name: str = "math.reasoning_tags"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StrictFormatConfig(_TagPairConfig):
    name: str = "math.strict_format"


class _TagPairReward(BaseReward):
    """A reward over the tags of a `_TagPairConfig`: `self._tags` is `(<r>, </r>, <a>, </a>)`."""

    def __init__(self, config: _TagPairConfig | None = None) -> None:
        super().__init__(config)
        r, a = self.config.reasoning_tag, self.config.answer_tag
        self._tags = (f"<{r}>", f"</{r}>", f"<{a}>", f"</{a}>")


class ReasoningTagsReward(_TagPairReward):
    """+0.5 for each of the four reasoning/answer tags that appears exactly once, -0.5 for each that does not.

    `<reasoning>`, `</reasoning>`, `<answer>`, `</answer>` are counted independently, so scores are -2.0,
    -1.0, 0.0, 1.0 or 2.0. A tag used twice (stuffing, duplication) scores as badly as a missing one; tags
    inside Markdown code do not count (`ignore_code_blocks=False` counts them too, as a plain `str.count`
    would). It is a dense shaping signal: it does not look at order, nesting or emptiness
    (`<answer></answer><reasoning></reasoning>` scores 2.0) — pair it with `math.strict_format`, which does.

    Example:
    >>> from reward_core import get_reward
    >>> reward = get_reward("math.reasoning_tags")
    >>> reward(prompts=["q", "q"], completions=["<reasoning>2+2</reasoning><answer>4</answer>", "<answer>4</answer>"])
    [2.0, 0.0]
    >>> r1 = get_reward("math.reasoning_tags", reasoning_tag="think")
    >>> r1(prompts=["q"], completions=[[{"role": "assistant", "content": "<think>2+2</think><answer>4</answer>"}]])
    [2.0]
    """

    config_class = ReasoningTagsConfig
    score_range = (-2.0, 2.0)
    reason_codes = {
        "all_tags": "each of the four tags appears exactly once",
        "missing": "a tag is missing (the detail lists the tags missing or repeated)",
        "repeated": "a tag appears more than once, none is missing (the detail lists them)",
    }

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float]:
        tags = self._tags
        ignore_code = self.config.ignore_code_blocks
        scores = []
        reasons: list[Any] = []
        for completion in completions:
            text = completion_text(completion, self.config.reasoning_tag)
            if ignore_code and any(tag in text for tag in tags):  # no tag at all: no code to look for
                text = outside_code(text)
            once = [find_once(text, tag, None) >= 0 for tag in tags]
            scores.append(0.5 * sum(once) - 0.5 * (4 - sum(once)))
            if all(once):
                reasons.append("all_tags")
                continue
            missing = [tag for tag, ok in zip(tags, once) if not ok and tag not in text]
            repeated = [tag for tag, ok in zip(tags, once) if not ok and tag in text]
            detail = "; ".join(f"{what} {' '.join(found)}" for what, found in (("missing", missing),
                                                                                 ("repeated", repeated)) if found)
            reasons.append(("missing" if missing else "repeated", detail))
        return with_reasons(scores, reasons)


class StrictFormatReward(_TagPairReward):
    """1.0 for exactly `<reasoning>...</reasoning>` then `<answer>...</answer>`, with documented partial credit.

    Structure (required, else 0.0): each of the four tags exactly once outside Markdown code, in the order
    `<reasoning>` < `</reasoning>` < `<answer>` < `</answer>` — so nested, duplicated, stuffed, missing or
    answer-first layouts score 0.0. A well-structured completion starts at 1.0 and loses:

    - 0.5 if the reasoning is empty (only whitespace or invisible characters such as U+200B);
    - 0.5 if the answer is empty;
    - 0.5 if anything visible follows `</answer>`;
    - 0.25 if anything visible precedes `<reasoning>` or sits between `</reasoning>` and `<answer>`;

    floored at 0.0. Logs `<name>/structured`, the share of completions with a valid structure.

    Example:
    >>> from reward_core import get_reward
    >>> reward = get_reward("math.strict_format")
    >>> reward(prompts=["q"] * 3, completions=[
    ...     "<reasoning>2+2 is 4</reasoning>\\n<answer>4</answer>",
    ...     "<reasoning>2+2 is 4</reasoning>\\n<answer>4</answer> and more",
    ...     "<answer>4</answer><reasoning>2+2 is 4</reasoning>",
    ... ])
    [1.0, 0.5, 0.0]
    """

    config_class = StrictFormatConfig
    score_range = (0.0, 1.0)
    reason_codes = {
        "well_formed": "one non-empty reasoning block, then one non-empty answer block, nothing else",
        "deducted": "the structure holds, with deductions (the detail lists them)",
        "missing_tag": "a tag is missing (the detail names it)",
        "bad_structure": "a tag is repeated, or the tags are out of order",
    }

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float]:
        scored = [self._score(completion_text(c, self.config.reasoning_tag)) for c in completions]
        scores = [score for score, _ in scored]
        if scores:
            self.report_metric(kwargs, "structured", sum(s > 0.0 for s in scores) / len(scores))
        return with_reasons(scores, [reason for _, reason in scored])

    def _score(self, text: str) -> tuple[float, Any]:
        open_r, close_r, open_a, close_a = self._tags
        missing = [tag for tag in self._tags if tag not in text]
        if missing:
            return 0.0, ("missing_tag", " ".join(missing))  # a tag is missing, inside code or not
        if self.config.ignore_code_blocks:
            text = outside_code(text)  # same tags in the same order, same blank stretches (see `_scan`)
        r0 = find_once(text, open_r, None)
        r1 = find_once(text, close_r, None)
        a0 = find_once(text, open_a, None)
        a1 = find_once(text, close_a, None)
        # -1 (missing or repeated) fails the chain too, since the positions must strictly increase from 0.
        if not (0 <= r0 < r1 < a0 < a1):
            return 0.0, "bad_structure"
        score = 1.0
        deductions = []
        if is_blank(text, r0 + len(open_r), r1):
            score -= 0.5
            deductions.append("empty reasoning -0.5")
        if is_blank(text, a0 + len(open_a), a1):
            score -= 0.5
            deductions.append("empty answer -0.5")
        if not is_blank(text, a1 + len(close_a)):
            score -= 0.5
            deductions.append("text after the answer -0.5")
        if not (is_blank(text, 0, r0) and is_blank(text, r1 + len(close_r), a0)):
            score -= 0.25
            deductions.append("text outside the blocks -0.25")
        return max(score, 0.0), ("deducted", "; ".join(deductions)) if deductions else "well_formed"


# --------------------------------------------------------------------------------------------------------------
# math.think_format


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ThinkFormatConfig(RewardConfig):
    name: str = "math.think_format"
    think_tag: str = param("think", doc="Name of the thinking tag.")
    allow_empty: bool = param(
        False, doc="Accept an empty thought (`<think></think>`), as TRL's think_format_reward does."
    )
    ignore_code_blocks: bool = param(True, doc=_IGNORE_CODE_DOC)

    def __post_init__(self) -> None:
        _check_tags(self, "think_tag")


class ThinkFormatReward(BaseReward):
    """1.0 when the completion opens with one `<think>...</think>` block around a visible thought, else 0.0.

    Conditions: the text starts with `<think>` (leading whitespace allowed), and `<think>` and `</think>`
    each occur exactly once outside Markdown code; whatever follows `</think>` is the answer and is not
    judged. An empty (whitespace-only) thought scores 0.0 unless `allow_empty=True`. Stricter than
    `trl.think_format_reward`, which accepts several `</think>` and an empty thought; the package README
    lists every difference.

    Example:
    >>> from reward_core import get_reward
    >>> reward = get_reward("math.think_format")
    >>> reward(prompts=["q"] * 3, completions=[
    ...     [{"role": "assistant", "content": "<think>\\nThis is my reasoning.\\n</think>\\nThis is my answer."}],
    ...     [{"role": "assistant", "content": "<think>\\nThis is my reasoning.\\nThis is my answer."}],
    ...     [{"role": "assistant", "content": "<think></think>42"}],
    ... ])
    [1.0, 0.0, 0.0]
    """

    config_class = ThinkFormatConfig
    score_range = (0.0, 1.0)

    def __init__(self, config: ThinkFormatConfig | None = None) -> None:
        super().__init__(config)
        self._open = f"<{self.config.think_tag}>"
        self._close = f"</{self.config.think_tag}>"

    reason_codes = {
        "thought": "opens with one non-empty thinking block",
        "no_opening": "does not start with the opening tag",
        "repeated_opening": "the opening tag appears more than once",
        "not_closed": "the closing tag is missing or repeated",
        "empty_thought": "the thought is empty (allow_empty=False)",
    }

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float]:
        scored = [self._score(completion_text(c, self.config.think_tag)) for c in completions]
        return with_reasons([score for score, _ in scored], [reason for _, reason in scored])

    def _score(self, text: str) -> tuple[float, str]:
        open_tag, close_tag = self._open, self._close
        if text.startswith(open_tag):
            start = 0
        else:
            stripped = text.lstrip()
            if not stripped.startswith(open_tag):
                return 0.0, "no_opening"
            start = len(text) - len(stripped)
        if self.config.ignore_code_blocks:
            text = outside_code(text)  # no code comes before the opening tag: `start` is unchanged
        if find_once(text, open_tag, None) != start:
            return 0.0, "repeated_opening"
        end = find_once(text, close_tag, None)
        if end < 0:
            return 0.0, "not_closed"
        if not self.config.allow_empty and is_blank(text, start + len(open_tag), end):
            return 0.0, "empty_thought"
        return 1.0, "thought"


# --------------------------------------------------------------------------------------------------------------
# Token ids from TRL's `completion_ids` column

_IDS_WHAT = "one list of token ids per completion; GRPOTrainer passes it"


def _token_ids(reward: BaseReward, ids: Any, row: int) -> Sequence[Any]:
    if type(ids) is list or type(ids) is tuple:
        return ids
    tolist = getattr(ids, "tolist", None)  # a tensor or array row: compare values, not element objects
    if callable(tolist):
        ids = tolist()
        if isinstance(ids, list):
            return ids
    if isinstance(ids, Sequence) and not isinstance(ids, (str, bytes)):
        return ids
    raise RewardInputError(
        f"completion_ids[{row}] must be a list of token ids, got {type(ids).__name__} {str(ids)[:60]!r}",
        reward=reward.__name__,
        row=row,
    )


# --------------------------------------------------------------------------------------------------------------
# math.soft_overlong


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SoftOverlongConfig(RewardConfig):
    name: str = "math.soft_overlong"
    max_completion_len: int = param(
        doc="L_max, in tokens: longer completions score -1.0 (usually GRPOConfig.max_completion_length).", ge=1
    )
    soft_punish_cache: int = param(
        doc="L_cache, in tokens: the penalty grows linearly from 0 to -1 over the last L_cache tokens "
        "before L_max (0: only completions longer than L_max are punished).",
        ge=0,
    )

    def __post_init__(self) -> None:
        if self.soft_punish_cache > self.max_completion_len:
            raise InvalidParamsError(
                f"reward {self.name!r}: soft_punish_cache ({self.soft_punish_cache}) must not exceed "
                f"max_completion_len ({self.max_completion_len})"
            )


class SoftOverlongReward(BaseReward):
    """DAPO's soft overlong punishment (Eq. 13): 0 up to L_max - L_cache tokens, then linear down to -1.

    With `L = len(completion_ids[i])`: 0.0 when `L <= L_max - L_cache`, `(L_max - L_cache - L) / L_cache`
    when `L_max - L_cache < L <= L_max`, and -1.0 beyond `L_max`. Same parameters and scores as
    `trl.soft_overlong_punishment`, with typed errors for bad rows and params. It only penalises, so it cannot
    be gamed by padding; token counts come from `completion_ids` (GRPOTrainer passes it), never from the text.

    Example:
    >>> from reward_core import get_reward
    >>> reward = get_reward("math.soft_overlong", max_completion_len=100, soft_punish_cache=20)
    >>> reward(prompts=["q"] * 3, completions=["a", "b", "c"], completion_ids=[[1] * 80, [1] * 90, [1] * 101])
    [0.0, -0.5, -1.0]
    """

    config_class = SoftOverlongConfig
    score_range = (-1.0, 0.0)
    reason_codes = {
        "within": "no longer than max_completion_len - soft_punish_cache tokens",
        "in_cache": "in the soft-punishment zone",
        "over_max": "longer than max_completion_len",
    }

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float]:
        ids = column(kwargs, "completion_ids", len(completions), reward=self, what=_IDS_WHAT)
        max_len = self.config.max_completion_len
        cache = self.config.soft_punish_cache
        free = max_len - cache
        try:
            # list.__len__ is len() that also rejects non-lists (a string row would count characters).
            lengths = list(map(list.__len__, ids))
        except TypeError:  # tuples, tensors, arrays, or a bad row to report
            lengths = [len(_token_ids(self, row_ids, row)) for row, row_ids in enumerate(ids)]
        scores = [0.0 if n <= free else -1.0 if n > max_len else (free - n) / cache for n in lengths]
        # codes only: the reward costs tens of nanoseconds a row, and a detail string would cost more
        return with_reasons(scores, ["within" if s == 0.0 else "over_max" if s == -1.0 else "in_cache" for s in scores])


# --------------------------------------------------------------------------------------------------------------
# math.repetition_penalty


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RepetitionPenaltyConfig(RewardConfig):
    name: str = "math.repetition_penalty"
    ngram_size: int = param(3, doc="Length of the n-grams compared (tokens, or words without completion_ids).", ge=1)
    max_penalty: float = param(-1.0, doc="Score of a fully repetitive completion; must be <= 0.", le=0.0)


class RepetitionPenaltyReward(BaseReward):
    """Penalty proportional to the share of repeated n-grams: `(1 - unique / total) * max_penalty`.

    As `trl.repetition_penalty` (same parameters, same scores), over the token ids of `completion_ids` when
    the batch has them (GRPOTrainer passes them); otherwise over words: whitespace-split words, with every
    character of unspaced scripts (Chinese, Japanese, Thai...) counted as one word, so repeated non-ASCII text
    is penalised too. Fewer than `ngram_size` units score 0.0. Range `max_penalty..0` (`-1..0` by default).

    Example:
    >>> from reward_core import get_reward
    >>> reward = get_reward("math.repetition_penalty", ngram_size=2)
    >>> reward(prompts=["q", "q"], completions=["a", "b"], completion_ids=[[1, 2, 3, 4], [5, 5, 5, 5, 5]])
    [0.0, -0.75]
    >>> reward(prompts=["q"], completions=["the cat the cat the cat"])
    [-0.6]
    """

    config_class = RepetitionPenaltyConfig
    score_range = (-1.0, 0.0)
    reason_codes = {
        "distinct": "no n-gram repeats",
        "repeated": "some n-grams repeat (the score is the share times max_penalty)",
        "too_short": "shorter than one n-gram",
    }

    def __init__(self, config: RepetitionPenaltyConfig | None = None) -> None:
        super().__init__(config)
        self.score_range = (self.config.max_penalty, 0.0)  # the instance's own bounds

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float]:
        ids = column(kwargs, "completion_ids", len(completions), reward=self, what=_IDS_WHAT, required=False)
        n = self.config.ngram_size
        penalty = self.config.max_penalty
        scores = []
        reasons: list[Any] = []
        for row in range(len(completions)):
            if ids is not None:
                units = ids[row]
                if type(units) is not list:
                    units = _token_ids(self, units, row)
            else:
                units = word_units(completion_text(completions[row]))
            total = len(units) - n + 1
            if total <= 0:
                scores.append(0.0)
                reasons.append("too_short")
                continue
            try:
                unique = distinct_ngrams(units, n)
            except TypeError:  # n-grams are counted in a set: an id that is a list (or anything unhashable)
                raise RewardInputError(
                    f"completion_ids[{row}] must be a list of token ids (ints), got {shown(units, 60)}",
                    reward=self.__name__,
                    row=row,
                ) from None
            scaling = 1 - unique / total
            scores.append(scaling * penalty if scaling else 0.0)
            reasons.append("repeated" if scaling else "distinct")  # the share is the score itself
        return with_reasons(scores, reasons)


# --------------------------------------------------------------------------------------------------------------
# math.step_format

# A step line: optional indentation, Markdown heading and bold, then "Step N" (any case, optional ':', '.',
# ')'), or "N." / "N)" / a bullet followed by a space. Bounded repeats and a final [^\n]* that always
# matches: a failed line costs a few steps, a long line is consumed once. The lookahead admits only lines
# whose first character can start a step (the same flags decide, so "ſtep" still counts as "step"), so other
# lines are passed over by one character test instead of an attempt at the whole pattern.
_STEP_LINE = re.compile(
    r"^(?=[ \t#*s\d+\-\u2022\u2023\u25e6\u2013])[ \t]{0,8}(?:#{1,6}[ \t]{1,4})?(?:\*\*)?"
    r"(?:step[ \t]{0,4}\d{1,4}(?:\*\*)?[ \t]{0,4}[.:)]?(?:\*\*)?[ \t]*"
    r"|(?:\d{1,4}[.)]|[-*+\u2022\u2023\u25e6\u2013])(?:\*\*)?[ \t]+)"
    r"([^\n]*)",
    re.MULTILINE | re.IGNORECASE,
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StepFormatConfig(RewardConfig):
    name: str = "math.step_format"
    max_steps: int = param(
        3, doc="Distinct steps for full credit; the score is min(steps, max_steps) / max_steps.", ge=1
    )
    min_step_chars: int = param(3, doc="Letters or digits a step needs after its marker to count.", ge=1)
    ignore_code_blocks: bool = param(True, doc="Ignore step-like lines inside fenced code blocks.")


class StepFormatReward(BaseReward):
    """Share of `max_steps` distinct numbered or bulleted steps: `min(steps, max_steps) / max_steps`.

    A step is a line starting with `Step N` (`Step 1:`, `**Step 2.**`, `### Step 3`), `N.` / `N)` or a
    bullet (`-`, `*`, `+`, `•`, `–`) followed by a space, whose text has at least `min_step_chars` letters or
    digits. Steps with the same text (case and spacing ignored) count once, so repeating or stuffing empty
    bullets earns nothing, and the cap stops long lists from earning more; lines inside fenced code do not
    count.

    Example:
    >>> from reward_core import get_reward
    >>> reward = get_reward("math.step_format")
    >>> reward(prompts=["q"] * 3, completions=[
    ...     "Step 1: add 2 and 2.\\nStep 2: the sum is 4.\\nStep 3: answer 4.",
    ...     "1. add 2 and 2\\n2. get 4",
    ...     "- same step\\n- same step\\n-\\n- ",
    ... ])
    [1.0, 0.6666666666666666, 0.3333333333333333]
    """

    config_class = StepFormatConfig
    score_range = (0.0, 1.0)
    reason_codes = {
        "enough_steps": "at least max_steps distinct steps",
        "few_steps": "some distinct steps, fewer than max_steps (the detail gives how many)",
        "no_steps": "no step with enough text",
    }

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float]:
        scores = [self._score(completion_text(c)) for c in completions]
        steps = self.config.max_steps
        return with_reasons(scores, ["enough_steps" if s >= 1.0 else "no_steps" if s == 0.0 else
                                     ("few_steps", f"{round(s * steps)} of {steps}") for s in scores])

    def __init__(self, config: StepFormatConfig | None = None) -> None:
        super().__init__(config)
        # The lines (step texts, one a line) with at least min_step_chars word characters: `\w(?:\W*\w){k-1}`
        # found in the text, anchored at the line's start and kept on its line.
        self._enough_lines = re.compile(r"^(?:[^\w\n]*+\w){%d}[^\n]*" % self.config.min_step_chars, re.MULTILINE)

    def _score(self, text: str) -> float:
        code = code_spans(text, inline=False) if self.config.ignore_code_blocks else None
        if code is not None and _STEP_LINE.search(text) is None:
            return 0.0  # no step at all: no need to find the fenced blocks
        blocks = code.fenced_blocks() if code is not None else []
        if not blocks:
            # Each step text once, at its first occurrence: what a set of the texts seen so far gives.
            steps = list(dict.fromkeys(_STEP_LINE.findall(text)))
        else:
            steps = self._steps_outside_code(text, blocks)
        return min(self._distinct(steps), self.config.max_steps) / self.config.max_steps

    @staticmethod
    def _steps_outside_code(text: str, blocks: list[tuple[int, int]]) -> list[str]:
        """Step texts outside fenced code, each at its first occurrence among all steps (code included)."""
        seen: set[str] = set()
        steps: list[str] = []
        search = _STEP_LINE.search
        i, count = 0, len(blocks)
        pos = 0
        while True:
            match = search(text, pos)
            if match is None:
                return steps
            start = match.start()
            while i < count and blocks[i][1] <= start:
                i += 1
            if i < count and blocks[i][0] <= start:  # in a block: its steps are seen, none counts
                end = blocks[i][1]
                seen.update(_STEP_LINE.findall(text, start, end))
                pos = end
                continue
            content = match.group(1)
            if content not in seen:
                seen.add(content)
                steps.append(content)
            pos = match.end() + 1

    def _distinct(self, steps: list[str]) -> int:
        """Distinct steps with enough letters or digits, compared case- and spacing-insensitively."""
        if not steps:
            return 0
        enough = self._enough_lines.findall("\n".join(steps))
        if not enough:
            return 0
        # " ".join(step.replace("*", " ").lower().split()) for all steps at once: joined by a character
        # that is neither a space nor in any step (lower() treats it as it treats a string's end), spaces
        # collapsed by one split(), then each step's edge stripped.
        joined = "\n".join(enough)
        separator = next((c for c in "\x00\x01\x02\x03\x04\x05\x06\x07\x08" if c not in joined), "")
        if not separator:
            return len({" ".join(s.replace("*", " ").lower().split()) for s in enough})
        folded = joined.replace("\n", separator).replace("*", " ").lower()
        return len(set(map(str.strip, " ".join(folded.split()).split(separator))))
