"""How mathematics is written, read in the trainer's process: the gold cell, exact numbers (the fast path),
notation (unicode signs, repeating decimals, bases), brace groups, the pre-check that keeps absurd answers away
from sympy, and the LaTeX commands that hold words.

Nothing here imports sympy or math-verify; every function is linear in the length of its input.
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = [
    "gold_text", "fast_number", "numbers_equal", "ungroup_number", "absurd_reason", "cost_hint", "normalize_notation",
    "LATEX_WORD", "is_prose",
]

#: A LaTeX command that wraps words rather than mathematics, with its argument (no nested braces): the prose
#: commands `\text{...}`, `\textbf`, `\textit`, `\textrm`, `\mbox`, and the name commands `\mathrm{...}`,
#: `\mathbf`, `\operatorname` (units, `\mathrm{d}`, `\operatorname{lcm}`). Group 1: the command; group 2:
#: the argument. Every module reads words in LaTeX with this one pattern.
LATEX_WORD = re.compile(r"\\(text(?:bf|it|rm)?|mbox|math(?:rm|bf)|operatorname)\s*\{([^{}]*)\}")


def is_prose(match: re.Match[str]) -> bool:
    """True when a match of `LATEX_WORD` (or of a pattern built on it) is prose, `\\text{...}` or `\\mbox{...}`,
    rather than a name in mathematics such as `\\operatorname{lcm}`.

    >>> [is_prose(m) for m in LATEX_WORD.finditer(r"5 \\text{ cm} \\operatorname{lcm}")]
    [True, False]
    """
    command = match.group(1)
    return command is not None and (command.startswith("text") or command == "mbox")


_BRACE = re.compile(r"[{}]")


def group_end(text: str, start: int, limit: int | None = None) -> int | None:
    """Index just after the `}` closing the `{` at `text[start]`, looking at most `limit` characters ahead (the
    whole text when None); None when it does not close there. The pack's one brace matcher."""
    depth = 0
    stop = len(text) if limit is None else min(len(text), start + limit)
    for match in _BRACE.finditer(text, start, stop):
        if match.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.end()
    return None


def _group(text: str, start: int) -> tuple[str, int] | None:
    """The content of the balanced `{...}` group opening at `text[start]`, and the index after it."""
    if start >= len(text) or text[start] != "{":
        return None
    end = group_end(text, start)
    return None if end is None else (text[start + 1 : end - 1], end)


def gold_text(value: object) -> str | None:
    """The reference answer in a gold cell: GSM8K's `... #### n` reduced to `n`; other text as is."""
    if value is None:
        return None
    text = str(value).strip()
    hashes = text.rfind("####")
    if hashes >= 0:
        text = text[hashes + 4 :].strip()
    return text or None


# ---------------------------------------------------------------------------------------------- fast path

_WRAPPERS = re.compile(r"\\left|\\right|\\!|\\,|\\;|\\:|\\ |~|\\displaystyle|\\\$|\$|\\\(|\\\)|\\\[|\\\]")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°")
_VARIABLE = re.compile(r"^[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*(?!.*=)")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}(?:(?:,|\{,\}|\\,| )\d{3})+(?:\.\d+)?")
_FRAC = re.compile(r"([-+]?)\\[dt]?frac\s*\{\s*([-+]?\d+)\s*\}\s*\{\s*([-+]?\d+)\s*\}")
_SLASH = re.compile(r"([-+]?\d+)\s*/\s*([-+]?\d+)")
_UNIT_WORDS = re.compile(r"\s+[a-zA-Z][a-zA-Z .]*$")
_PERCENT_WORD = re.compile(r"\s*(?:\\%|%|percent|per\s*cent|pct)$", re.IGNORECASE)
_BASED = re.compile(r"(?:\(([0-9A-Za-z]+)\)|([0-9][0-9A-Za-z]*))_\{?\s*([2-9]|[12]\d|3[0-6])\s*\}?")  # `1011_2`, `(1011)_{2}`
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")  # `2,74`: one comma that is not a thousands separator


def fast_number(text: str) -> tuple[Fraction, bool] | None:
    """`(value, is_percent)` when `text` is one plain number (with units, `$`, separators, `x =`), else None.

    Anything that is not clearly one number (lists, "12 or 13", LaTeX beyond `\\frac{a}{b}`) returns None and
    goes to math-verify, so this path never decides a case it does not fully understand.

    >>> fast_number("$1,000.50")
    (Fraction(2001, 2), False)
    >>> fast_number("x = \\\\frac{3}{4}")
    (Fraction(3, 4), False)
    >>> fast_number("12 or 13") is None
    True
    """
    if len(text) > 200:
        return None
    s = LATEX_WORD.sub(lambda m: " " + m.group(2) + " ", text)
    s = _WRAPPERS.sub(" ", s)
    s = _DEGREES.sub("", s).strip().rstrip(".").strip()
    s = _VARIABLE.sub("", s, count=1)
    s = re.sub(r",\s+(?=\d{3}(?!\d))", ",", s)  # `16,\!386` once the spacing command is gone
    percent = False
    unit = _PERCENT_WORD.search(s)
    if unit:
        percent = True
        s = s[: unit.start()].strip()
    if s.startswith("\\$"):
        s = s[2:]
    based = _BASED.fullmatch(s.strip())
    if based:
        digits, base = based.group(1) or based.group(2), int(based.group(3))
        try:
            return Fraction(int(digits, base)), percent
        except ValueError:
            return None  # digits the base does not have
    s = _UNIT_WORDS.sub("", s) if s[:1].isdigit() or s[:1] in "-+." else s
    s = s.strip()
    if not s or len(s) > 40:
        return None
    m = _FRAC.fullmatch(s)
    if m:
        num, den = int(m.group(2)), int(m.group(3))
        if den == 0:
            return None
        value = Fraction(num, den)
        return (-value if m.group(1) == "-" else value), percent
    m = _SLASH.fullmatch(s)
    if m:
        num, den = int(m.group(1)), int(m.group(2))
        return (Fraction(num, den), percent) if den else None
    if _THOUSANDS.fullmatch(s):
        s = re.sub(r"\{,\}|\\,|,| ", "", s)
    elif _DECIMAL_COMMA.fullmatch(s):
        s = s.replace(",", ".")
    if _NUMBER.fullmatch(s):
        return Fraction(s.rstrip(".") or "0"), percent
    return None


# A number written with thousands separators (`7,425,000`, `1 000`, `1{,}000`, `16,\\!386`): math-verify reads
# `1 000` as a product and a boxed `7,425,000` as a list, so the separators go before parsing.
_GROUPED_NUMBER = re.compile(r"[-+]?[1-9]\d{0,2}(?:(?:,\\!|,|\{,\}|\\,|\\!|\\ |~| |\u2009|\u202f)\d{3})+(?:\.\d+)?")
_SEPARATORS = re.compile(r",\\!|,|\{,\}|\\,|\\!|\\ |~| |\u2009|\u202f")


def ungroup_number(text: str) -> str:
    """`text` without its thousands separators when it is one grouped number, else `text` unchanged.

    >>> ungroup_number("7,425,000"), ungroup_number("1, 2")
    ('7425000', '1, 2')
    """
    stripped = text.strip()
    if len(stripped) < 64 and _GROUPED_NUMBER.fullmatch(stripped):
        return _SEPARATORS.sub("", stripped)
    return text


def numbers_equal(gold: tuple[Fraction, bool], pred: tuple[Fraction, bool]) -> bool:
    """Equal to 1e-12 relative (the verifier's rule: a float written to 16 digits is the number, a 6-digit
    rounding is not). A percent answer has one reading, which the gold decides: against a gold written with
    `%`, the percent; against a proportion (0 < |gold| <= 1), its value p / 100 (28% is 0.28); against any
    other gold, the number before the sign (25% for 25). So 2500% is not 25 and (1/3)% is not 1/3. A bare
    answer against a `%` gold may be the percent or its value (28 or 0.28 for 28%)."""
    g, g_pct = gold
    p, p_pct = pred
    if p_pct and not g_pct:
        return _close(g, p / 100) if 0 < abs(g) <= 1 else _close(g, p)
    if _close(g, p):
        return True
    if g_pct and not p_pct:
        return _close(g / 100, p)
    return False


def _close(gold: Fraction, pred: Fraction) -> bool:
    return gold == pred or abs(gold - pred) <= abs(gold) * Fraction(1, 10**12)


# ---------------------------------------------------------------------------------------------- pre-check

_TOKEN_EXPONENT = re.compile(r"(?:\^|\*\*)\s*(\d+)")
_FACTORIAL = re.compile(r"(\d+)\s*!")


def _exponents(s: str) -> list[str]:
    """The operand of every `^` / `**` in `s` (a braced group's content, or the next token)."""
    operands = []
    i = 0
    while i < len(s):
        if s[i] == "^" or s.startswith("**", i):
            j = i + (1 if s[i] == "^" else 2)
            while j < len(s) and s[j] == " ":
                j += 1
            group = _group(s, j)
            if group is not None:
                operands.append(group[0])
            else:
                m = re.match(r"\(.*?\)|\d+|\\?[a-zA-Z]+|.", s[j:])
                operands.append(m.group(0) if m else "")
            i = j
        else:
            i += 1
    return operands


def _numeric(s: str) -> bool:
    """True when `s` holds no variable (letters only as LaTeX command names)."""
    return re.search(r"(?<![\\a-zA-Z])[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", s)) is None


def absurd_reason(answer: str, *, max_chars: int, max_depth: int, max_exponent: int, max_factorial: int) -> str | None:
    """Why `answer` is too expensive to hand to sympy (a tower, a huge factorial...), or None when it is fine.

    Every rule is about magnitudes no final answer has: evaluating them exactly takes minutes or gigabytes.

    >>> absurd_reason("9^{9^{9^{9}}}", max_chars=1000, max_depth=30, max_exponent=100000, max_factorial=10000)
    'exponent tower'
    """
    if len(answer) > max_chars:
        return "too long"
    depth = deepest = 0
    for c in answer:
        if c in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "})]":
            depth -= 1
    if deepest > max_depth:
        return "too deeply nested"
    compact = answer.replace(" ", "")
    if re.search(r"(?:\^|\*\*)(?:\d+|\{\d+\})(?:\^|\*\*)", compact):
        return "exponent tower"  # a^b^c written without braces
    for operand in _exponents(compact):
        if ("^" in operand or "**" in operand) and _numeric(operand):
            return "exponent tower"
        if "!" in operand and _numeric(operand):
            return "factorial in an exponent"
        digits = re.sub(r"[{}\s]", "", operand)
        if digits.isdigit() and int(digits) > max_exponent:
            return "huge exponent"
    for m in _FACTORIAL.finditer(compact):
        if int(m.group(1)) > max_factorial:
            return "huge factorial"
    # A factorial of a bracketed expression with a power or another factorial: (10^{10})!, (5!)!
    for m in re.finditer(r"[)}\]]!", compact):
        start = _opening(compact, m.start())
        inner = compact[start : m.start()]
        if ("^" in inner or "!" in inner or "**" in inner) and _numeric(inner):
            return "huge factorial"
        digits = re.sub(r"[^\d]", "", inner)
        if _numeric(inner) and digits and len(digits) > len(str(max_factorial)):
            return "huge factorial"
    return None


def _opening(s: str, close: int) -> int:
    pairs = {")": "(", "}": "{", "]": "["}
    want, depth = pairs[s[close]], 0
    for i in range(close, -1, -1):
        if s[i] == s[close]:
            depth += 1
        elif s[i] == want:
            depth -= 1
            if depth == 0:
                return i
    return 0


_BIG_POWER = re.compile(r"(?:\^|\*\*)\s*\{?\s*\(?\s*(\d{3,})")
_BIG_NUMBER = re.compile(r"\d{7,}")


def cost_hint(answer: str | None) -> int:
    """0 for an answer that looks cheap to verify, more for one that may be slow (a power with an exponent of
    100 or more, a long number): the pool sends these last, so they cannot hold up a batch's other rows.

    >>> cost_hint("\\frac{1}{2}"), cost_hint("(x+i)^{3000}") > 0
    (0, True)
    """
    if not answer:
        return 0
    hint = sum(len(m.group(1)) for m in _BIG_POWER.finditer(answer)) + len(_BIG_NUMBER.findall(answer))
    return hint + (len(answer) > 300)


_UNICODE = {"∞": "\\infty ", "π": "\\pi ", "−": "-", "×": "\\times ", "·": "\\cdot ", "≤": "\\le ", "≥": "\\ge ",
            "≠": "\\ne ", "÷": "\\div "}
_SQRT_SIGN = re.compile(r"√\s*(\d+(?:\.\d+)?|[a-zA-Z]|\{[^{}]*\}|\([^()]*\))")
_IMAGINARY = re.compile(r"\\math(?:rm|it)\s*\{\s*i\s*\}|(?<=[\d}])\s+i\b")
_BAR = re.compile(r"\\(?:bar|dot)\s*\{(\d+)\}|\\(?:bar|dot)\s*(\d)")
_DOTS = re.compile(r"(\d*)\.(\d*?)((\d)\4\4+|(\d{2,3})\5\5+)\s*(?:\\ldots|\\cdots|\.\.\.|…)")
_REPEATING = re.compile(r"(?<![\d.])(\d*)\.(\d*)\\overline\s*\{(\d+)\}")


def normalize_notation(text: str) -> str:
    """Notation math-verify misreads, in forms it reads: unicode signs (`∞`, `√2`, `π`, `−`, `≤`), the imaginary
    unit written `\\mathrm{i}` or spaced (`4 i`), and repeating decimals (`0.\\bar{3}`, `0.333\\ldots`,
    `0.1\\overline{6}`) as the exact fraction they are.

    >>> print(normalize_notation(r"0.\\bar{3}"), normalize_notation("(-∞, 3]"), normalize_notation(r"3+4\\mathrm{i}"))
    \\frac{1}{3} (-\\infty , 3] 3+4i
    """
    if not any(c in text for c in "∞π−×·≤≥≠÷√\\. i…"):
        return text
    for sign, latex in _UNICODE.items():
        text = text.replace(sign, latex)
    text = _SQRT_SIGN.sub(lambda m: "\\sqrt{" + m.group(1).strip("{}()") + "}", text)
    text = _IMAGINARY.sub("i", text)
    text = _BAR.sub(lambda m: "\\overline{" + (m.group(1) or m.group(2)) + "}", text)
    text = _DOTS.sub(lambda m: f"{m.group(1)}.{m.group(2)}\\overline{{{m.group(4) or m.group(5)}}}", text)
    return _REPEATING.sub(_repeating_fraction, text)


def _repeating_fraction(match: re.Match[str]) -> str:
    whole, fixed, repeat = match.group(1) or "0", match.group(2), match.group(3)
    value = Fraction(int(whole)) + Fraction(int(fixed or "0"), 10 ** len(fixed))
    value += Fraction(int(repeat), (10 ** len(repeat) - 1) * 10 ** len(fixed))
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
