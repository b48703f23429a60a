"""Is an answer the problem restated? `3 + 4` for "Compute 3 + 4." evaluates to the gold, but solves nothing.

Run in the trainer's process on the answer as math-verify read it; linear in the prompt's length (one
`str.translate`, one substring search).
"""

from __future__ import annotations

import math
import re

__all__ = ["compact", "restates_problem"]

_NOISE = re.compile(r"\\(?:left|right|displaystyle|[,;:! ])|[\s${}]")
_FRAC_ALIASES = re.compile(r"\\[dt]frac")
_FRACTION = re.compile(r"\s*[-+]?\s*(?:\\[dt]?frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|(\d+)\s*/\s*(\d+))\s*")
# Work left undone: arithmetic between terms, or an operator the answer should have evaluated.
_UNEVALUATED = re.compile(
    r"(?<=[\w)\]}])\s*[-+*/^!×÷·]|\*\*|\\(?:times|cdot|div|frac|sqrt|int|sum|prod|binom|choose|log|ln|lim|sin|cos|"
    r"tan|gcd|det|mod)(?![a-zA-Z])|[=<>≤≥]"
)


def compact(text: str) -> str:
    """`text` without spacing, `$`, braces and `\\left`/`\\right`, so notation differences do not hide a copy."""
    return _FRAC_ALIASES.sub(r"\\frac", _NOISE.sub("", text))


def restates_problem(read: str | None, prompt: str, gold: str) -> bool:
    """True when the answer (as math-verify read it) is an unevaluated expression copied from the prompt.

    A value is never a restatement (the prompt of a multiple-choice question lists the right one): a number, a
    fraction in lowest terms, or the gold's own form.

    >>> restates_problem("12 \\\\times 11", "What is $12 \\\\times 11$?", "132")
    True
    >>> restates_problem("132", "What is $12 \\\\times 11$?", "132")
    False
    """
    if not read or not prompt:
        return False
    fraction = _FRACTION.fullmatch(read)
    if fraction is not None:
        numerator, denominator = (int(n) for n in fraction.groups() if n is not None)
        if denominator > 1 and math.gcd(numerator, denominator) == 1:
            return False  # a fraction in lowest terms is a value: `\\frac{1}{2}`, not `\\frac{12}{2}`
    answer = compact(read)
    if len(answer) < 3 or not _UNEVALUATED.search(answer.lstrip("-+")):
        return False
    if answer == compact(gold):
        return False
    return answer in compact(prompt)
