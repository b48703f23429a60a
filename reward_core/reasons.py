"""Why a completion got its score: one short reason per row, beside the scores, without changing what TRL gets.

A reward declares its vocabulary, a few stable codes with what each means, and returns its scores through
`with_reasons`::

    class PoliteReward(BaseReward):
        reason_codes = {"polite": "the word is there", "rude": "the word is missing"}

        def __call__(self, prompts, completions, **kwargs):
            found = [self.config.word in completion_text(c) for c in completions]
            return with_reasons([1.0 if f else 0.0 for f in found], ["polite" if f else "rude" for f in found])

`with_reasons` returns a `Scored`: a `list` of the scores (what TRL receives) that also carries `.reasons`. A
reason is a code, a `(code, detail)` pair (the detail is free text: the value read, the tag missing, a judge's
words) or `None`. The guard checks the codes against the vocabulary, adds its own (`failed`), and sends them
where people look: TRL's completions table (`log_extra`, one `<log name>/reason` column) and logs (the share of
each code, `<log name>/reason/<code>`, through `log_metric`), `reward-core score`'s output and `/v1/score`.
A reward that gives no reasons costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Scored", "with_reasons", "reason_text", "reason_code", "GUARD_REASONS", "MAX_DETAIL_CHARS"]

#: The guard's own codes, added to every reward's vocabulary.
GUARD_REASONS: Mapping[str, str] = {
    "failed": "the reward raised on this row, or returned an invalid score (on_error: skip); scored None",
}
#: Details longer than this are cut (with an ellipsis); line breaks become spaces.
MAX_DETAIL_CHARS = 200


class Scored(list):
    """Scores, exactly as TRL receives them (a `list` of floats or None), carrying one reason per row.

    `reasons[i]` is the reason of row `i` as text (`"code"` or `"code: detail"`) or None.
    """

    __slots__ = ("reasons",)

    def __init__(self, scores: Sequence[Any] = (), reasons: Sequence[Any] | None = None) -> None:
        super().__init__(scores)
        self.reasons = reasons

    def __reduce__(self) -> Any:  # pickles (and copies) as the plain list, reasons included
        return (Scored, (list(self), self.reasons))


def with_reasons(scores: Sequence[Any], reasons: Sequence[Any]) -> Scored:
    """`scores` (one float or None per completion) with one reason per row: a code, `(code, detail)` or None.

    >>> scored = with_reasons([1.0, 0.0], ["correct", ("wrong", "read 5")])
    >>> scored, scored.reasons
    ([1.0, 0.0], ['correct', 'wrong: read 5'])
    """
    reasons = list(reasons)
    if not set(map(type, reasons)) <= _TEXT_TYPES:  # codes only (the usual case) need no conversion
        reasons = [reason_text(r) for r in reasons]
    return Scored(scores, reasons)


_TEXT_TYPES = frozenset({str, type(None)})


def reason_text(reason: Any) -> str | None:
    """A reason as its text: `"code"`, `"code: detail"` (the detail on one line, cut to `MAX_DETAIL_CHARS`)."""
    if reason is None or type(reason) is str:
        return reason
    if isinstance(reason, tuple) and len(reason) == 2:
        code, detail = reason
        if detail is None or detail == "":
            return code
        detail = " ".join(str(detail).split())
        if len(detail) > MAX_DETAIL_CHARS:
            detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
        return f"{code}: {detail}"
    return reason  # not a reason: the guard reports it


def reason_code(text: str) -> str:
    """The code of a reason's text (before the first `": "`)."""
    return text.partition(": ")[0]
