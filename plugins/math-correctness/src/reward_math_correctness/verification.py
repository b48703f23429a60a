"""The rules that decide a verdict in the verifier worker: is this (gold, answer) pair equal, by math-verify and
the checks around it. Every rule here sees one pair; what counts as the answer of a completion was decided
before (`extraction.py`, `commitment.py`), and the in-process rules are in `verdicts.py`, whose docstring
lists every rule of the reward. math-verify and sympy are imported by the worker (`load_math_verify`), never
by the trainer's process.
"""

from __future__ import annotations

import re
from typing import Any

from .choice import choice_gold, read_choice, strip_choice_label
from .notation import LATEX_WORD, fast_number, is_prose, normalize_notation, numbers_equal, ungroup_number
from .verdict import Verdict

_CACHE_LIMIT = 4096
_PERCENT_END = re.compile(r"([-+]?\d[\d,]*(?:\.\d+)?)\s*\$?\s*(?:\\%|%|percent|per\s*cent)\W*$", re.IGNORECASE)
_gold_cache: dict[str, Any] = {}
_config: list | None = None

# Operators that leave the problem unsolved: a prediction using one the gold does not use is not an answer.
_UNSOLVED = {
    "integral": re.compile(r"\\i+nt|\\oint"),
    "sum": re.compile(r"\\sum"),
    "product": re.compile(r"\\prod"),
    "limit": re.compile(r"\\lim"),
    "binomial": re.compile(r"\\[dt]?binom|\\choose"),
    "gcd": re.compile(r"\\gcd|gcd\s*\(|\{gcd\}"),
    "lcm": re.compile(r"\\lcm|lcm\s*\(|\{lcm\}"),
    "determinant": re.compile(r"\\det"),
    "derivative": re.compile(r"\\d?frac\s*\{\s*d|\\partial|\\mathrm\{d\}|\\prime|[a-zA-Z]'+\s*\("),
    "logarithm": re.compile(r"\\log|\\ln|\\lg"),
    "trigonometry": re.compile(r"\\(?:arc)?(?:sin|cos|tan|cot|sec|csc)h?(?![a-z])"),
    "modulo": re.compile(r"\\[bp]?mod"),
    "factorial": re.compile(r"!(?!=)"),
}


def _extraction_config() -> list:
    global _config
    if _config is None:
        from math_verify import ExprExtractionConfig, LatexExtractionConfig

        _config = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    return _config


# LaTeX structure words that are not prose: `\begin{pmatrix}`, `\text{cm}`.
_LATEX_NAMES = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}|\\[a-zA-Z]+")


def _parse(text: str, *, gold: bool = False, mode: str = "answer") -> list:
    from math_verify import parse

    text = normalize_notation(text)

    config = _extraction_config()
    if mode == "sentence":
        # a sentence: math-verify's own extraction takes its last expression
        return parse(text, config, parsing_timeout=None)
    anchored = "\\boxed" in text or "\\fbox" in text or "$" in text or "\\(" in text or "\\[" in text
    if anchored:
        return parse(text, config, parsing_timeout=None)
    text = ungroup_number(text)
    if gold:
        # A bare gold cell: prose ("see the figure") is read freely, so it parses to nothing instead of a
        # product of letters; anything else (`\\text{Monday}` included) is read in math mode, as the answer it is.
        if re.search(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}", _LATEX_NAMES.sub(" ", LATEX_WORD.sub(" ", text))):
            return parse(text, config, parsing_timeout=None)
        return parse(f"${text}$", config, parsing_timeout=None) or parse(text, config, parsing_timeout=None)
    # A bare final answer (a box's content): read it as the boxed answer it is, so lists, tuples and
    # intervals keep every element; plain text that is not LaTeX falls back to free extraction.
    return parse(f"\\boxed{{{text}}}", config, parsing_timeout=None) or parse(text, config, parsing_timeout=None)


def parse_gold(gold: str) -> list:
    parsed = _gold_cache.get(gold)
    if parsed is None:
        # an escaped dollar sign is money, not a math delimiter: `\$18.90`, `\$1{,}250` are numbers
        parsed = _parse(gold.replace("\\$", "") if "\\$" in gold else gold, gold=True)
        if parsed and isinstance(parsed[0], str):
            if ("$" not in gold and "\\" not in gold) or gold.count("{") != gold.count("}"):
                # plain text whose only reading is itself ("???"), or truncated LaTeX (`\\frac{`): nothing to
                # compare against
                parsed = []
        if (not parsed or isinstance(parsed[0], str)) and _PLUS_MINUS.search(gold):
            # `\frac{-1 \pm \sqrt{5}}{2}`: the two values, which math-verify does not read inside an expression
            parsed = plus_minus_set(gold) or parsed
        if len(_gold_cache) >= _CACHE_LIMIT:
            _gold_cache.clear()
        _gold_cache[gold] = parsed
    return parsed


def _plain(text: str) -> str:
    """`text` without prose (`\\text{...}`) and spacing commands, for operator scans (`\\operatorname{lcm}` stays)."""
    text = LATEX_WORD.sub(lambda m: " " if is_prose(m) else m.group(), text)
    return text.replace("\\!", " ")


def unsolved_operator(gold: str, answer: str) -> str | None:
    """The operator family the answer uses and the gold does not (`\\int` when the gold is 1/3), or None."""
    answer_plain = _plain(answer)
    gold_plain = _plain(gold)
    for family, pattern in _UNSOLVED.items():
        if pattern.search(answer_plain) and not pattern.search(gold_plain):
            return family
    return None


def _top_level_split(text: str, sep: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


_RELATION = re.compile(r"\\approx|≈|\\simeq|(?<![<>!\\])=(?!=)")
_DECIMALS = re.compile(r"\.(\d+)")
_DECIMAL_NUMBER = re.compile(r"\d\.\d")


def _split_relation(text: str) -> list[tuple[str, bool]]:
    """`text` cut at top-level `=` and `\\approx`: `(part, reached by an approximation)` pairs."""
    parts: list[tuple[str, bool]] = []
    depth, start, approx = 0, 0, False
    for match in re.finditer(r"[{(\[]|[})\]]|" + _RELATION.pattern, text):
        token = match.group()
        if token in "{([":
            depth += 1
        elif token in "})]":
            depth -= 1
        elif depth == 0:
            parts.append((text[start : match.start()], approx))
            start, approx = match.end(), token != "="
    parts.append((text[start:], approx))
    return parts


def false_relation(answer: str) -> bool:
    """True when the answer states a false relation between numbers: `1 = 2`, `5+5+1 = 7 = 11`, `7 \\approx 8`.

    Every part of a chain that is a number must equal the last one (math-verify keeps only the last right-hand
    side, so `\\boxed{1=2=3}` would pass for 3); a part written after `\\approx` may differ by the rounding its
    own decimals allow (`\\frac{1}{3} \\approx 0.33`). Parts with variables (`x = ...`) are not values.
    """
    import sympy
    from math_verify import verify

    body = answer.strip().strip("$")
    if "\\boxed" in body:
        return False  # several boxes are compared as a set, not as a chain
    if len(_top_level_split(body, ",")) > 1 or "\\pm" in body or "\\text" in body:
        return False  # `x = 1, x = 2` is a list of solutions, not a chain
    parts = _split_relation(body)
    if len(parts) < 2:
        return False
    # repeating decimals (`0.\\overline{3}`) are beyond math-verify's reading: such a part is not compared
    values = [
        _scalar(_parse(f"${text.strip()}$")) if text.strip() and "\\overline" not in text else None
        for text, _ in parts
    ]
    last = values[-1]
    if last is None:
        return False
    for i, value in enumerate(values[:-1]):
        if value is None:
            continue
        approximated = [text for text, approx in parts[i + 1 :] if approx]
        if approximated:
            # equal to the precision that the approximation's own decimals state
            decimals = max((len(d) for text in approximated for d in _DECIMALS.findall(text)), default=0)
            tolerance = sympy.Rational(1, 2) / 10**decimals + sympy.Rational(1, 10**12)
            try:
                if abs(sympy.N(value - last, 30)) > tolerance:
                    return True
            except (TypeError, ValueError, ArithmeticError):
                return True
        elif not verify([value], [last], timeout_seconds=None):
            return True
    return False


# The imaginary unit in a gold (`3+4i`, `-i`, `\frac{1}{2}i`); and `j` written for it in an answer (`4j`, `4 j`,
# `\mathrm{j}`, a lone `j` after a sign).
_IMAGINARY_UNIT = re.compile(r"(?:(?<=[\d}\s+\-(])|^)i(?![a-zA-Z])|\\math(?:rm|it)\s*\{\s*i\s*\}")
_J_UNIT = re.compile(r"\\math(?:rm|it)\s*\{\s*j\s*\}|(?:(?<=[\d}+\-(])|(?<=[\d}+\-(]\s)|^)j(?![a-zA-Z])")


_CONNECTIVE = re.compile(
    r"\\text\s*\{\s*(or|and)\s*\}|\\(lor|vee|land|wedge)(?![a-zA-Z])|(∨|∧)|(?<![a-zA-Z\\])(or|and)(?![a-zA-Z])"
)
_UNION = frozenset(("or", "lor", "vee", "∨"))


def relations_set(text: str) -> Any:
    """The set that relations of one variable joined by "or" (union) or "and" (intersection) mean, as sympy
    reads it (`x < 1 \\text{ or } x > 2`), or None when `text` is not such a join (one connective kind only:
    "or" and "and" mixed have no written precedence)."""
    import sympy

    connectives = list(_CONNECTIVE.finditer(text))
    if not connectives or len(connectives) > 8:
        return None
    kinds = {next(g for g in m.groups() if g is not None) in _UNION for m in connectives}
    if len(kinds) != 1:
        return None
    union = kinds.pop()
    parts, start = [], 0
    for match in connectives:
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    sets, symbols = [], set()
    for part in parts:
        parsed = _parse(part.strip()) if part.strip() else []
        value = parsed[0] if parsed else None
        if not isinstance(value, (sympy.core.relational.Relational, sympy.And)) or isinstance(
            value, (sympy.Eq, sympy.Ne)
        ):
            return None
        if len(value.free_symbols) != 1:
            return None
        symbols |= value.free_symbols
        as_set = _as_set(value)
        if as_set is None:
            return None
        sets.append(as_set)
    if len(symbols) != 1:
        return None
    return sympy.Union(*sets) if union else sympy.Intersection(*sets)


def _as_set(value: Any) -> Any:
    """A set, or the set of reals a relation of one variable holds on; None otherwise."""
    import sympy

    if isinstance(value, sympy.Set):
        return value
    if isinstance(value, (sympy.core.relational.Relational, sympy.And, sympy.Or)) and len(value.free_symbols) == 1:
        if any(isinstance(r, (sympy.Eq, sympy.Ne)) for r in value.atoms(sympy.core.relational.Relational)):
            return None
        symbol = next(iter(value.free_symbols))
        real = sympy.Symbol(symbol.name, real=True)
        try:
            return value.subs(symbol, real).as_set()
        except (TypeError, ValueError, NotImplementedError, ArithmeticError):
            return None
    return None


def _same_set(a: Any, b: Any) -> bool:
    import sympy

    try:
        return a == b or (sympy.Complement(a, b) == sympy.S.EmptySet and sympy.Complement(b, a) == sympy.S.EmptySet)
    except (TypeError, ValueError, NotImplementedError, ArithmeticError):
        return False


_PLUS_MINUS = re.compile(r"\\(?:pm|mp)(?![a-zA-Z])|±|∓")


def _is_set(parsed: list) -> bool:
    import sympy

    return bool(parsed) and isinstance(parsed[0], sympy.FiniteSet)


def plus_minus_set(text: str, mode: str = "answer") -> list:
    """`[{a + b, a - b}]` for an expression with one `\\pm` (or `\\mp`) anywhere in it (`\\frac{4 \\pm
    \\sqrt{12}}{2}`), parsed as math-verify parses each value; [] when there is not exactly one or a value
    does not parse."""
    import sympy

    named = re.fullmatch(r"\s*[a-zA-Z]\s*=([^=]*)", text)
    text = named.group(1) if named else text  # `x = \\frac{4 \\pm \\sqrt{12}}{2}`: the values of x
    signs = list(_PLUS_MINUS.finditer(text))
    if len(signs) != 1 or mode != "answer":
        return []
    sign = signs[0]
    upper = "+" if sign.group() in ("\\pm", "±") else "-"
    lower = "-" if upper == "+" else "+"
    values = []
    for replacement in (upper, lower):
        parsed = _parse(text[: sign.start()] + replacement + text[sign.end() :])
        value = parsed[0] if parsed else None
        if not isinstance(value, sympy.Expr):
            return []
        values.append(value)
    return [sympy.FiniteSet(*values)]


def complex_equal(gold_parsed: list, pred_parsed: list) -> bool:
    """True when both are the same complex number, with `i` the imaginary unit, compared exactly: each decimal
    is the fraction it writes (`0.5` is 1/2, `0.33` is not 1/3)."""
    import sympy

    values = []
    for parsed in (gold_parsed, pred_parsed):
        value = parsed[0] if parsed else None
        if not isinstance(value, sympy.Expr) or any(s.name != "i" for s in value.free_symbols):
            return False
        value = value.subs({s: sympy.I for s in value.free_symbols})
        values.append(sympy.nsimplify(value, rational=True))
    try:
        return sympy.expand(values[0] - values[1]) == 0
    except (TypeError, ValueError, ArithmeticError):
        return False


def _scalar(parsed: list) -> Any:
    import sympy

    value = parsed[0] if parsed else None
    if isinstance(value, sympy.Expr) and value.is_number:
        return value
    return None


def _relative_error(gold: Any, pred: Any) -> float | None:
    """|gold - pred| / |gold| at 30 digits (mpmath exponents never underflow, so 1/2004! works)."""
    try:
        diff = abs((gold - pred).evalf(30))
        scale = abs(gold.evalf(30))
        if not (diff.is_real and scale.is_real):
            return None
        if scale == 0:
            return float("inf") if diff != 0 else 0.0
        rel = diff / scale
        return float(rel) if rel < 1e300 else float("inf")
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return None


_PROSE_WORD = re.compile(r"[A-Za-z]{2,}[.,:;!?]*")
_SPAN = re.compile(r"\$([^$]+)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]")


def closing_math(sentence: str) -> str:
    """The mathematics a sentence ends with: its tokens after the last word, or its last `$...$` span.

    >>> closing_math("Therefore x = 5+5+1 = 7 = 11."), closing_math("so we get $x = 3$ here")
    ('x = 5+5+1 = 7 = 11', 'x = 3')
    """
    tail: list[str] = []
    for token in reversed(sentence.split()):
        if _PROSE_WORD.fullmatch(token) and not _NOT_PROSE.fullmatch(token.rstrip(".,:;!?")):
            break
        tail.append(token)
    closing = " ".join(reversed(tail)).rstrip(".,;:!?")
    if "$" in closing or "\\(" in closing or not closing:
        spans = [next(g for g in m.groups() if g is not None) for m in _SPAN.finditer(sentence)]
        closing = spans[-1] if spans else closing
    return closing.strip()


def _within(part: str, whole: str) -> bool:
    return part.replace(" ", "") in whole.replace(" ", "")


_NOT_PROSE = re.compile(r"[a-zA-Z]|sin|cos|tan|log|ln|exp|sqrt|pi|and", re.IGNORECASE)


def _has_variable(text: str) -> bool:
    return re.search(r"(?<![\\a-zA-Z])[a-zA-Z]", _LATEX_NAMES.sub("", text)) is not None


def _value_part(stated: str) -> str:
    """The value a relation chain ends with (`6` in `\\log_2 64 = 6`): the work before it is checked by
    `false_relation`, so only the value must not leave the problem unsolved."""
    parts = _split_relation(stated)
    return parts[-1][0] if len(parts) > 1 and parts[-1][0].strip() else stated


def judge(gold: str, answer: str | None, mode: str, options: dict) -> tuple[Verdict, float | None, str | None]:
    """The verdict for one (gold, answer) pair: `(verdict, relative error, the answer as math-verify read it)`.

    `mode` is the extraction's: `"answer"` (the text is the answer) or `"sentence"` (math-verify takes the
    sentence's last expression). `answer=None` only checks that the gold parses (for rows without an answer or
    with a rejected one).
    """
    from math_verify import verify

    letters = choice_gold(gold)
    if letters is not None:
        # a multiple-choice gold: the choice the answer makes, whatever else it says (`C) 2`, "option C")
        if answer is None:
            return Verdict.GOLD_OK, None, None
        return (Verdict.CORRECT if read_choice(answer, mode) == letters else Verdict.WRONG), None, answer
    if answer is not None and mode == "answer":
        answer = strip_choice_label(answer)  # `\textbf{(B)}\ 9` against the gold 9: the option's value
    if answer is not None and "j" in answer and _IMAGINARY_UNIT.search(gold) and "j" not in gold:
        answer = _J_UNIT.sub("i", answer)  # `3 + 4j` against `3+4i`: the engineers' imaginary unit
    word = word_of(gold)
    if word is not None:
        # a word gold compares as a word: "no" is not the product n·o, so `on` is not "no"
        if answer is None:
            return Verdict.GOLD_OK, None, None
        said = word_of(answer.split()[-1] if mode == "sentence" and answer.split() else answer)
        return (Verdict.CORRECT if said == word else Verdict.WRONG), None, answer
    gold_parsed = parse_gold(gold)
    if not gold_parsed:
        return Verdict.GOLD_UNPARSABLE, None, None
    if answer is None:
        return Verdict.GOLD_OK, None, None
    if mode == "sentence":
        # a sentence ending in a percent ("... is 4000 percent."): one reading of the percent, as in-process
        percent = _PERCENT_END.search(answer)
        gold_number = fast_number(gold)
        if percent and gold_number is not None:
            said = fast_number(percent.group(1) + "%")
            if said is not None:
                return (Verdict.CORRECT if numbers_equal(gold_number, said) else Verdict.WRONG), None, answer
    pred_parsed = _parse(answer, mode=mode)
    if not pred_parsed:
        return Verdict.WRONG, None, None
    read = pred_parsed[-1] if isinstance(pred_parsed[-1], str) else answer
    stated = answer
    if mode == "sentence":
        # What the sentence states: the mathematics it closes with, when math-verify read part of it (it reads
        # only 11 in "x = 5+5+1 = 7 = 11" and only 3 in "3 + x"); the whole is then the answer.
        closing = closing_math(answer)
        stated = read
        if closing and _within(read, closing):
            stated = closing
            whole = _parse(closing) if not _within(closing, read) else []
            if whole:
                pred_parsed, read = whole, closing
    if unsolved_operator(gold, _value_part(stated)):
        return Verdict.WRONG, None, read
    equal = verify(
        gold_parsed,
        pred_parsed,
        float_rounding=options.get("float_rounding", 6),
        strict=True,
        allow_set_relation_comp=True,  # an interval and the inequality that means the same set
        timeout_seconds=None,
    )
    if not equal:
        # `0.\\overline{3} = \\frac{1}{3}`: a computation that ends in its value, which math-verify misreads whole
        value = _value_part(stated)
        if value != stated and not any(_has_variable(text) for text, _ in _split_relation(stated)):
            value_parsed = _parse(value)
            if value_parsed and verify(gold_parsed, value_parsed, strict=True, timeout_seconds=None):
                equal, pred_parsed = True, value_parsed
    if not equal and _PLUS_MINUS.search(answer) and _is_set(gold_parsed) and not _is_set(pred_parsed):
        # `\frac{4 \pm \sqrt{12}}{2}` for `2 \pm \sqrt{3}`: math-verify reads `\pm` only at the top level; inside
        # an expression it is the set of the expression's two values
        both = plus_minus_set(answer, mode)
        if both and verify(gold_parsed, both, strict=True, timeout_seconds=None):
            equal, pred_parsed = True, both
    if not equal and _IMAGINARY_UNIT.search(gold):
        # `0.5 - 0.5i` for `\frac{1}{2} - \frac{1}{2}i`: math-verify reads `i` as a symbol and does not equate
        # 0.5*i with i/2; compared as complex numbers, exactly (a decimal counts as the fraction it writes)
        equal = complex_equal(gold_parsed, pred_parsed)
    if not equal and mode == "answer":
        # `x < 1 \text{ or } x > 2` for `(-\infty,1)\cup(2,\infty)`: relations joined by "or" (a union) or
        # "and" (an intersection), which math-verify does not read as the set they mean
        joined = relations_set(answer)
        if joined is not None or relations_set(gold) is not None:
            said = joined if joined is not None else _as_set(pred_parsed[0])
            wanted = relations_set(gold) or _as_set(gold_parsed[0])
            if said is not None and wanted is not None and _same_set(said, wanted):
                equal, pred_parsed = True, [said]
    g, p = _scalar(gold_parsed), _scalar(pred_parsed)
    rel = _relative_error(g, p) if g is not None and p is not None else None
    if not equal:
        return Verdict.WRONG, rel, read
    kinds = {_kind(gold_parsed, gold), _kind(pred_parsed, stated)}
    if kinds in ({"set", "point"}, {"interval", "point"}, {"set", "interval"}):
        # a set or an interval never equals a point or a number; {2, 3} is two numbers, (2, 3) all between them
        return Verdict.WRONG, rel, read
    if false_relation(stated):
        return Verdict.WRONG, None, read
    if rel is not None and rel > 1e-12 and not _DECIMAL_NUMBER.search(gold):
        # math-verify compares numbers after rounding: it equates 1/2004! with 1/2006! and 1.414214 with
        # sqrt(2). Exact golds need exact answers; decimals pass only when the caller opted in.
        approximate = _DECIMAL_NUMBER.search(stated) is not None
        if not (approximate and options.get("accept_decimal_approximations", False)):
            return Verdict.WRONG, rel, read
    return Verdict.CORRECT, rel, read


_WORD_TEXT = re.compile(r"\\(?:text(?:bf|it|rm|normal)?|mbox|mathrm|textsf|emph)\s*\{([^{}]*)\}")
_MATH_NAMES = frozenset("pi e i inf infty infinity oo undefined none".split())


def word_of(text: str) -> str | None:
    """The word a gold or an answer is (`No`, `\\text{Monday}`, `$\\text{odd}$.`), casefolded; None when it is
    not one word of two letters or more (`x`, `2x`, `\\pi` and "see the figure" are not words)."""
    plain = _WORD_TEXT.sub(lambda m: m.group(1), text)
    plain = re.sub(r"[$*_{}.,;:!\s]|\\[()\[\]]", "", plain.replace("\\boxed", "")).casefold()
    if len(plain) < 2 or not plain.isalpha() or not plain.isascii() or plain in _MATH_NAMES:
        return None
    if "\\" not in text and "text" not in text and re.search(r"\s\S", text.strip()):
        return None  # several words are a phrase, not a word answer
    return plain


def _kind(parsed: list, text: str) -> str:
    """What a parsed answer is: a "set" (written with braces), an "interval" (or an inequality), a "point" (a
    number or a tuple), or "other" (an expression, an equation, a matrix, boxes side by side)."""
    import sympy

    value = parsed[0] if parsed else None
    if isinstance(value, sympy.FiniteSet):
        return "set" if "\\{" in text or "\\lbrace" in text else "other"
    if isinstance(value, (sympy.Interval, sympy.Union)) or isinstance(value, (sympy.core.relational.Relational,
                                                                               sympy.And, sympy.Or)):
        relations = value.atoms(sympy.core.relational.Relational) if not isinstance(value, sympy.Eq) else {value}
        return "other" if any(isinstance(r, (sympy.Eq, sympy.Ne)) for r in relations) else "interval"
    if isinstance(value, sympy.Tuple) or (isinstance(value, sympy.Expr) and value.is_number):
        return "point"
    return "other"


def load_math_verify() -> None:
    """Import math-verify and build its extraction config (once, in the worker, before the memory cap)."""
    import logging

    import math_verify  # noqa: F401

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    _extraction_config()


def clear_caches() -> None:
    """Forget the parsed golds (after a MemoryError)."""
    _gold_cache.clear()
