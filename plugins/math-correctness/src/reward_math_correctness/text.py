"""String work done in the trainer's process: answer extraction, the fast numeric path, and the pre-check.

Nothing here imports sympy or math-verify; every function is linear in the length of its input.
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = ["extract_answer", "gold_text", "fast_number", "absurd_reason", "boxed_contents"]

_BOX_OPENERS = ("\\boxed", "\\fbox")
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_ANSWER_IS = re.compile(r"the\s+(?:final\s+)?answer\s+is\s*:?\s*", re.IGNORECASE)


def _group(text: str, start: int) -> tuple[str, int] | None:
    """The content of the balanced `{...}` group opening at `text[start]`, and the index after it."""
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return None


def boxed_contents(text: str) -> list[str]:
    """The contents of every `\\boxed{...}` / `\\fbox{...}` in `text`, in order (unbalanced ones skipped)."""
    found = []
    i = 0
    while True:
        hits = [(text.find(o, i), o) for o in _BOX_OPENERS]
        hits = [(pos, o) for pos, o in hits if pos >= 0]
        if not hits:
            return found
        pos, opener = min(hits)
        j = pos + len(opener)
        while j < len(text) and text[j] == " ":
            j += 1
        group = _group(text, j)
        if group is None:
            i = j
            continue
        found.append(group[0].strip())
        i = group[1]


def _final_section(text: str, reasoning_tags: tuple[str, ...]) -> str | None:
    """The text after the reasoning block; None when a reasoning block is opened but never closed."""
    for tag in reasoning_tags:
        close = text.rfind(f"</{tag}>")
        if close >= 0:
            return text[close + len(tag) + 3 :]
        if f"<{tag}>" in text:
            return None  # still reasoning: an answer in there is not a final answer
    return text


def _join_distinct(answers: list[str]) -> str:
    distinct = list(dict.fromkeys(" ".join(a.split()) for a in answers))
    if len(distinct) == 1:
        return distinct[0]
    # Several different boxed answers: hand them over as boxes side by side, which math-verify reads as a set,
    # so `\boxed{3} or \boxed{4}` is wrong against 4 but `\boxed{1}, \boxed{2}` is right against {1, 2}.
    return ", ".join(f"\\boxed{{{a}}}" for a in distinct)


def _sentence(text: str) -> str:
    """The first line of `text`, cut at the end of its first sentence (a period not inside a number)."""
    line = text.strip().split("\n", 1)[0]
    match = re.search(r"\.(?!\d)", line)
    if match:
        line = line[: match.start()]
    return line.strip().strip("*:").strip()


def extract_answer(text: str, reasoning_tags: tuple[str, ...] = ("think", "reasoning")) -> str | None:
    """The final answer of a completion, or None when it gives none.

    Looks only after the reasoning block (when there is one), in this order: the last `<answer>...</answer>`
    (the boxes inside it when it has any), the `\\boxed{}` answers, GSM8K's `#### n`, "the (final) answer is".

    >>> extract_answer("<think>maybe \\\\boxed{3}</think> so \\\\boxed{4}")
    '4'
    >>> extract_answer("Adding them up: #### 1,000")
    '1,000'
    """
    final = _final_section(text, reasoning_tags)
    if final is None:
        return None
    tagged = _ANSWER_TAG.findall(final)
    if tagged:
        content = tagged[-1]
        boxes = boxed_contents(content)
        answer = _join_distinct(boxes) if boxes else content.strip()
        return answer or None
    boxes = boxed_contents(final)
    if boxes:
        return _join_distinct(boxes) or None
    hashes = final.rfind("####")
    if hashes >= 0:
        return final[hashes + 4 :].strip().split("\n", 1)[0].strip() or None
    matches = list(_ANSWER_IS.finditer(final))
    if matches:
        return _sentence(final[matches[-1].end() :]) or None
    return None


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
_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox|textrm)\s*\{([^{}]*)\}")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?")
_VARIABLE = re.compile(r"^[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*(?!.*=)")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}(?:(?:,|\{,\}|\\,| )\d{3})+(?:\.\d+)?")
_FRAC = re.compile(r"([-+]?)\\[dt]?frac\s*\{\s*([-+]?\d+)\s*\}\s*\{\s*([-+]?\d+)\s*\}")
_SLASH = re.compile(r"([-+]?\d+)\s*/\s*([-+]?\d+)")
_UNIT_WORDS = re.compile(r"\s+[a-zA-Z][a-zA-Z .]*$")


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
    s = _TEXT.sub(lambda m: " " + m.group(1) + " ", text)
    s = _WRAPPERS.sub(" ", s)
    s = _DEGREES.sub("", s).strip().rstrip(".").strip()
    s = _VARIABLE.sub("", s, count=1)
    s = re.sub(r",\s+(?=\d{3}(?!\d))", ",", s)  # `16,\!386` once the spacing command is gone
    percent = False
    if s.endswith("\\%") or s.endswith("%"):
        percent = True
        s = s[:-2] if s.endswith("\\%") else s[:-1]
        s = s.strip()
    if s.startswith("\\$"):
        s = s[2:]
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
    if _NUMBER.fullmatch(s):
        return Fraction(s.rstrip(".") or "0"), percent
    return None


def numbers_equal(gold: tuple[Fraction, bool], pred: tuple[Fraction, bool]) -> bool:
    """Exact equality, reading a percent on either side as the number or the number / 100."""
    g, g_pct = gold
    p, p_pct = pred
    if g == p:
        return True
    if p_pct and not g_pct:
        return g == p / 100
    if g_pct and not p_pct:
        return g / 100 == p
    return False


def has_decimal(text: str) -> bool:
    return re.search(r"\d\.\d", text) is not None


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
