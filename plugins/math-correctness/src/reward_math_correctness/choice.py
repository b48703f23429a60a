"""Multiple-choice answers: is the gold a choice (`C`, `(C)`, `\\text{(C)}`, `\\textbf{(C)}`, `\\text{A, C}`),
and which choice does an answer make (`C) 2`, `\\textbf{(B)}\\ 9`, `**C**`, "option C", "A, B and D are wrong,
so C")?

Pure string work, linear in the text's length; used by the worker before any parsing.
"""

from __future__ import annotations

import re

__all__ = ["choice_gold", "read_choice", "strip_choice_label", "options_of", "option_value", "option_chosen"]

LETTERS = "ABCDEFGHIJ"
_WRAP = re.compile(r"\\(?:text(?:bf|rm|it|sc)?|math(?:rm|bf)|mbox|boxed)\s*\{([^{}]*)\}")
_SPACING = re.compile(r"\\[ ,;:!]|~|\\quad|\\qquad|\*\*|__|\$")
_GOLD_NOISE = re.compile(r"\b(?:options?|choices?|and)\b|[(){}\[\].:]", re.IGNORECASE)
_OPTION = re.compile(r"\b(?:options?|choices?)\s*[:#]?\s*\(?([A-J])\)?(?![A-Za-z])", re.IGNORECASE)
_PARENTHESIZED = re.compile(r"\(([A-J])\)")
_LONE = re.compile(r"(?<![A-Za-z'’\\])([A-J])(?![A-Za-z'’])")
_LAST_CLAUSE = re.compile(r"(?s:.*)(?:\b(?:so|thus|hence|therefore|is|are|be|was|=)\b|[:=])", re.IGNORECASE)
_NOT_THIS = re.compile(r"\b(?:not|rather\s+than|instead\s+of|except)\s+\(?[A-J]\)?(?![A-Za-z])", re.IGNORECASE)
_LEADING = re.compile(r"\s*\(?([A-J])(?:\)|\.(?!\d)|:|\s*$|\s+(?=[-+\d$\\(]))")
#: A label in front of an option's value: `\textbf{(B)}\ 9`, `(B) 9`, `B) 9`.
_LABEL = re.compile(r"^\s*(?:\\text(?:bf|rm)?\s*\{\s*\(?[A-J]\)?\s*\}|\(?[A-J]\))(?:\s|\\[ ,;:!]|~|\\quad)*(?=\S)")


def _plain(text: str) -> str:
    for _ in range(2):
        text = _WRAP.sub(r" \1 ", text)
    return _SPACING.sub(" ", text)


def choice_gold(gold: str) -> frozenset[str] | None:
    """The letters of a choice gold, or None when the gold is not a choice.

    >>> sorted(choice_gold(r"\\text{A, C}")), choice_gold(r"\\textbf{(C)}"), choice_gold("x")
    (['A', 'C'], frozenset({'C'}), None)
    """
    if len(gold) > 80:
        return None
    tokens = [t for t in re.split(r"[\s,;/&]+", _GOLD_NOISE.sub(" ", _plain(gold))) if t]
    if tokens and all(len(t) == 1 and t in LETTERS for t in tokens) and len(set(tokens)) == len(tokens):
        return frozenset(tokens)
    return None


def read_choice(answer: str, mode: str) -> frozenset[str] | None:
    """The choice an answer makes: the letters it commits to, or None when it names none.

    An answer read whole (`"answer"` mode) is a label (`C) 2`, `(C)`, `**C**`) or letters (`C, A`); a sentence
    chooses with "option C", a parenthesized letter, or the letters of its last clause ("... wrong, so C").

    >>> read_choice("C) 2", "answer"), read_choice("Options A, B and D are wrong, so C", "sentence")
    (frozenset({'C'}), frozenset({'C'}))
    """
    text = _plain(answer)[-2000:]
    if mode == "answer":
        leading = _LEADING.match(text)
        if leading is not None:
            return frozenset(leading.group(1))
        letters = [t for t in re.split(r"[\s,;/&]+|\band\b", re.sub(r"[(){}.]", " ", text)) if t]
        if letters and all(len(t) == 1 and t in LETTERS for t in letters):
            return frozenset(letters)
        return None
    text = _NOT_THIS.sub(" ", text)  # "C, not B": B is not chosen
    clause = _LAST_CLAUSE.match(text)
    last = text[clause.end() :] if clause else text
    for pattern, where in ((_OPTION, last), (_PARENTHESIZED, last), (_LONE, last), (_OPTION, text)):
        found = pattern.findall(where)
        if found:
            return frozenset(found[-1:] if pattern is _OPTION else found)
    found = _PARENTHESIZED.findall(text)
    return frozenset(found) if found else None


def strip_choice_label(answer: str) -> str:
    """An option's value without its label: `9` for `\\textbf{(B)}\\ 9` (AMC style), the answer otherwise."""
    label = _LABEL.match(answer)
    return answer[label.end() :] if label else answer


# An option line in a prompt: `A) 2`, `(B) 2.0 eV`, `C. Paris`, `D: none of these`, each on its own line.
_OPTION_LINE = re.compile(r"^[ \t*]{0,4}\(?([A-J])(?:\)|\.|:)[ \t*]{1,4}([^\n]{1,300}?)[ \t*]*$", re.MULTILINE)
_MAX_PROMPT = 20_000  # the options are read from the end of a prompt, where the question lists them


def options_of(prompt: str, column: object = None) -> dict[str, str]:
    """The options a question lists, by letter: from an `options` column (a list in letter order, a dict by
    letter, or text with one option a line), else from the prompt's option lines. Only a full run of letters
    from A (at least two, each once) counts; anything else is no options.

    >>> options_of("Which? \\nA) 2\\nB) 3\\nC) 4")
    {'A': '2', 'B': '3', 'C': '4'}
    """
    if isinstance(column, (list, tuple)) and column and all(isinstance(o, str) for o in column):
        return {LETTERS[i]: strip_choice_label(o).strip() for i, o in enumerate(column[: len(LETTERS)])}
    if isinstance(column, dict):
        found = {str(k).strip("() ").upper(): str(v).strip() for k, v in column.items()}
        return found if sorted(found) == list(LETTERS[: len(found)]) and len(found) >= 2 else {}
    text = column if isinstance(column, str) else prompt
    found: dict[str, str] = {}
    for match in _OPTION_LINE.finditer(text[-_MAX_PROMPT:]):
        letter = match.group(1)
        if letter == "A":
            found = {}  # a new list of options starts
        if letter in found or letter != LETTERS[len(found)]:
            return {}
        found[letter] = match.group(2).strip()
    return found if len(found) >= 2 else {}


def _normal(text: str) -> str:
    text = _plain(text).strip().rstrip(".").strip()
    return re.sub(r"\s+", "", text).casefold()


def option_chosen(answer: str, options: dict[str, str], same_number) -> str | None:
    """The letter of the one option whose text or value the answer is (`4` for `C) 4`), or None (no option, or
    several). `same_number(a, b)` says whether two texts are the same plain number."""
    said = _normal(answer)
    if not said:
        return None
    chosen = {letter for letter, text in options.items() if _normal(text) == said or same_number(text, answer)}
    return chosen.pop() if len(chosen) == 1 else None


_ONLY_LETTER = re.compile(r"\W*\(?([A-J])\)?\W*")


def option_value(answer: str, options: dict[str, str]) -> str | None:
    """The text of the option an answer names by its letter alone (`\\boxed{B}`, `(B)`), or None."""
    letter = _ONLY_LETTER.fullmatch(_plain(answer))
    return options.get(letter.group(1)) if letter else None
