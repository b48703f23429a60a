"""Linear-time text scanning shared by the format rewards.

Everything here runs in time linear in the completion length (1 MB completions included): we search with
`str.find`/`str.count` and with regexes whose repeats are possessive or bounded, so no input can trigger
catastrophic backtracking. The tag rewards read `outside_code(text)`, built by two regex substitutions,
so even a megabyte of backticks, fences and tags costs no Python-level work per run or per tag.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

__all__ = [
    "CodeSpans", "code_spans", "distinct_ngrams", "find_once", "is_blank", "outside_code", "word_units", "words",
    "TAG_NAME",
]

#: A tag name users may configure: no '<', '>', whitespace or backticks, so tags never straddle code.
TAG_NAME = re.compile(r"[\w.:-]+")

# A fenced code block (CommonMark): an opening line of up to 3 spaces, then 3+ backticks (with no backtick
# after them on the line) or 3+ tildes; then every line up to a closing line: the same character, at least as
# many, nothing but spaces after; without one, the block runs to the end. The block ends where its closing
# line does (before the newline). One regex, one pass: each line is tried as a closer once.
_FENCED_BLOCK = re.compile(
    r"^[ ]{0,3}(?:(`{3,})[^`\n]*+(?=\n|\Z)|(~{3,})[^\n]*+)"
    r"(?:\n(?![ ]{0,3}(?:\1`*+|\2~*+)[^\S\n]*+(?:\n|\Z))[^\n]*+)*+"
    r"(?:\n[ ]{0,3}(?:\1`*+|\2~*+)[^\S\n]*+(?=\n|\Z))?",
    re.MULTILINE,
)
_BACKTICKS = re.compile(r"`+")
# "Visible" = neither whitespace nor an invisible format character, so `<think>\u200b</think>` is empty.
_VISIBLE = re.compile(r"[^\s\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufeff]")
# Scripts written without spaces: each character is one word (so repeated CJK text is seen as repeated).
_UNSPACED = "\u0e00-\u0e7f\u2e80-\u2fdf\u3001-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\s{_UNSPACED}]+")
_UNSPACED_CHAR = re.compile(rf"[{_UNSPACED}]")
_SPACED_WORD_CHAR = re.compile(rf"[^\s{_UNSPACED}]")


class CodeSpans:
    """Where a text holds Markdown code: fenced blocks (``` or ~~~) and inline code spans.

    Lazy, because most questions are never asked: fenced blocks are found on the first query, and a line's
    inline spans only when a query falls on that line (tags are rare; backticks in math text are not).
    An unclosed fence runs to the end of the text, as in CommonMark; inline spans never cross a line.
    """

    __slots__ = ("text", "inline", "_fence_starts", "_fence_ends", "_lines", "_last")

    def __init__(self, text: str, inline: bool = True) -> None:
        self.text = text
        self.inline = inline and "`" in text
        self._fence_starts: list[int] | None = None
        self._fence_ends: list[int] = []
        self._lines: dict[int, tuple[int, list[int], list[int]]] = {}  # line start -> (end, span starts, ends)
        self._last: tuple[int, int, list[int], list[int]] | None = None

    def fenced_blocks(self) -> list[tuple[int, int]]:
        """The fenced code blocks, as (start, end) in increasing order."""
        if self._fence_starts is None:
            spans = _fenced_blocks(self.text)
            self._fence_starts = [s for s, _ in spans]
            self._fence_ends = [e for _, e in spans]
        return list(zip(self._fence_starts, self._fence_ends))

    def end_covering(self, pos: int) -> int:
        """The end of the code that contains position `pos`, or -1 when `pos` is not in code."""
        if self._fence_starts is None:
            self.fenced_blocks()
        i = bisect_right(self._fence_starts, pos) - 1
        if i >= 0 and pos < self._fence_ends[i]:
            return self._fence_ends[i]
        if not self.inline:
            return -1
        line_end, starts, ends = self._line(pos)
        i = bisect_right(starts, pos) - 1
        if i >= 0 and pos < ends[i]:
            return ends[i]
        return -1

    def _line(self, pos: int) -> tuple[int, list[int], list[int]]:
        # Queries come in increasing positions (find_once scans forward), so remembering the last line keeps
        # many queries on one long line linear; the dict avoids analysing a line twice across tags.
        last = self._last
        if last is not None and last[0] <= pos < last[1]:
            return last[1:]
        text = self.text
        start = text.rfind("\n", 0, pos) + 1
        found = self._lines.get(start)
        if found is None:
            end = text.find("\n", pos)
            if end < 0:
                end = len(text)
            found = self._lines[start] = (end, *_inline_code(text, start, end))
        self._last = (start, *found)
        return found


def code_spans(text: str, inline: bool = True) -> CodeSpans | None:
    """A lazy map of the code in `text` (see `CodeSpans`); None when there is no code at all.

    The None case, decided by two C-speed substring tests, is the common one and keeps the fast paths fast.
    `inline=False` considers fenced blocks only.
    """
    if "`" not in text and "~~~" not in text:
        return None
    return CodeSpans(text, inline)


def _fenced_blocks(text: str) -> list[tuple[int, int]]:
    start = _first_fence_line(text)
    if start < 0:
        return []
    return [m.span() for m in _FENCED_BLOCK.finditer(text, start)]


def _first_fence_line(text: str) -> int:
    """Where the line of the first ``` or ~~~ starts (no block starts earlier), or -1."""
    first = min((p for p in (text.find("```"), text.find("~~~")) if p >= 0), default=-1)
    return first if first < 0 else text.rfind("\n", 0, first) + 1


def _inline_code(text: str, start: int, end: int) -> tuple[list[int], list[int]]:
    """Inline code spans of the line `text[start:end]` (a line outside fenced blocks), as (starts, ends)."""
    starts: list[int] = []
    ends: list[int] = []
    if text.find("``", start, end) < 0:  # single backticks only (the usual case): they pair up in turn
        left = text.find("`", start, end)
        while left >= 0:
            right = text.find("`", left + 1, end)
            if right < 0:
                break
            starts.append(left)
            ends.append(right + 1)
            left = text.find("`", right + 1, end)
        return starts, ends
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text, start, end)]
    # A run opens a span closed by the next run of the same length (CommonMark). Finding "the next run of
    # the same length" right to left keeps this linear even for a line of unmatched runs of many lengths.
    following = [-1] * len(runs)
    seen: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        following[i] = seen.get(length, -1)
        seen[length] = i
    i = 0
    while i < len(runs):
        j = following[i]
        if j >= 0:
            starts.append(runs[i][0])
            ends.append(runs[j][1])
            i = j + 1
        else:
            i += 1
    return starts, ends


# --------------------------------------------------------------------------------------------------------------
# The text outside Markdown code, at regex speed
#
# `outside_code` replaces every fenced block and every inline code span by one "\x00" (visible, and in no tag),
# so tags are counted with str.count/str.find and emptiness checked with `is_blank`, with the answers
# `CodeSpans` gives (tests/test_math_format_fuzz.py compares the two). Inline spans follow the same rule as
# `_inline_code`: a run of backticks opens a span closed by the next run of exactly its length on the line.
# The span regex tries each run once as an opener: a matched opener costs its span, an unmatched one (the
# last of its length on its line) a scan to the end of the line. The last run of each length >= 16 is marked
# beforehand so that it is never tried; the runs of lengths 1..15 leave at most 15 such scans per line.


def _span_rest(k: int) -> str:
    # After an opening run's first backtick: the rest of a run of exactly k, then text and runs of any other
    # length (one loop turn per run), then a closing run of exactly k.
    other = "``++" if k == 1 else "(?:`{1,%d}+(?!`)|`{%d,}+)" % (k - 1, k + 1)
    return "%s(?!`)[^`\n]*+(?:%s[^`\n]*+)*+%s(?!`)" % ("`" * (k - 1), other, "`" * k)


def _span_regex(mark: str) -> re.Pattern[str]:
    # One literal backtick first (the engine skips to backticks at memchr speed); the lookbehind admits only
    # a run's first backtick, not one right after `mark` (if any). Runs of 16+ close by back-reference.
    return re.compile(
        rf"`(?<![`{re.escape(mark)}]`)(?:"
        + "|".join(_span_rest(k) for k in range(1, 16))
        + r"|(?P<o>`{15,}+)[^`\n]*+(?:(?!`(?P=o)(?!`))`++[^`\n]*+)*+`(?P=o)(?!`))"
    )


_MARKS = "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
_SPANS: dict[str, re.Pattern[str]] = {}
_LONG_RUN = re.compile(r"`{16,}")


def outside_code(text: str) -> str:
    r"""`text` with each fenced code block and inline code span replaced by "\x00" (see above).

    The same tags occur outside code in both (a tag holds no backtick or newline, so no code boundary cuts
    one), in the same order, and a stretch between two of them is blank in one exactly when it is in the
    other (code always shows backticks or tildes).

    >>> outside_code("<a> `<a>` <a>\n```\n<a>\n```")
    '<a> \x00 <a>\n\x00'
    """
    if "`" not in text and "~~~" not in text:
        return text
    start = _first_fence_line(text)
    if start >= 0:
        text = text[:start] + _FENCED_BLOCK.sub("\x00", text[start:])
    if "`" not in text:
        return text
    mark = ""  # a character absent from the text, put before the runs that must not be tried as openers
    if "`" * 16 in text:
        mark = next((c for c in _MARKS if c not in text), "")
        if not mark:  # every candidate occurs in the text: the slower map of the code, line by line
            return _outside_code_slowly(text)
        pieces, at = [], 0
        for s in _last_long_runs(text):
            pieces.append(text[at:s])
            at = s
        pieces.append(text[at:])
        text = mark.join(pieces)
    spans = _SPANS.get(mark)
    if spans is None:
        spans = _SPANS[mark] = _span_regex(mark)
    text = spans.sub("\x00", text)
    return text.replace(mark, "") if mark else text


def _last_long_runs(text: str) -> list[int]:
    """Where the last run of each length >= 16 of each line starts, in order: runs that open no span."""
    marks: list[int] = []
    last: dict[int, int] = {}
    line_end = -1
    for m in _LONG_RUN.finditer(text):
        s = m.start()
        if s > line_end:
            marks.extend(last.values())
            last = {}
            line_end = text.find("\n", s)
            if line_end < 0:
                line_end = len(text)
        last[m.end() - s] = s
    marks.extend(last.values())
    marks.sort()
    return marks


def _outside_code_slowly(text: str) -> str:
    # Fenced blocks are gone already; the inline spans of every line, from `_inline_code`.
    pieces, at = [], 0
    for line_start, line_end in _lines_with_backticks(text):
        starts, ends = _inline_code(text, line_start, line_end)
        for s, e in zip(starts, ends):
            pieces.append(text[at:s])
            pieces.append("\x00")
            at = e
    pieces.append(text[at:])
    return "".join(pieces)


def _lines_with_backticks(text: str):
    pos = text.find("`")
    while pos >= 0:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        if end < 0:
            end = len(text)
        yield start, end
        pos = text.find("`", end)


def find_once(text: str, tag: str, code: CodeSpans | None) -> int:
    """The position of `tag` when it occurs exactly once outside code, else -1 (absent or repeated)."""
    if code is None:
        pos = text.find(tag)
        if pos < 0 or text.find(tag, pos + 1) >= 0:
            return -1
        return pos
    found = -1
    pos = text.find(tag)
    while pos >= 0:
        end = code.end_covering(pos)
        if end >= 0:  # inside code: skip the whole code range at once
            pos = text.find(tag, end)
            continue
        if found >= 0:
            return -1
        found = pos
        pos = text.find(tag, pos + 1)
    return found


def is_blank(text: str, start: int = 0, end: int | None = None) -> bool:
    """True when `text[start:end]` holds only whitespace and invisible format characters."""
    return _VISIBLE.search(text, start, len(text) if end is None else end) is None


def words(text: str) -> list[str]:
    """Whitespace-separated words; characters of unspaced scripts (CJK, Thai...) count one word each."""
    if text.isascii() or _UNSPACED_CHAR.search(text) is None:
        return text.split()
    return _WORD.findall(text)


def word_units(text: str) -> list[str] | str:
    """`words(text)`, or, for text of unspaced scripts only (and whitespace), the same words as one string
    of them, each a character: the same sequence for `distinct_ngrams`, without a million 1-character strings.
    """
    if text.isascii() or _UNSPACED_CHAR.search(text) is None:
        return text.split()
    if _SPACED_WORD_CHAR.search(text) is None:
        return "".join(text.split())
    return _WORD.findall(text)


def distinct_ngrams(units: Sequence[Any], n: int) -> int:
    """How many distinct n-grams (runs of n consecutive units) `units` holds: `len(set(zip(...)))`, faster.

    Units that are integers below 2**16 (token ids) or characters of the Basic Multilingual Plane (`words`
    of unspaced text) are packed, n <= 4 of them, into one 64-bit integer per n-gram with array slicing, so
    only those integers are hashed: no tuple per n-gram. Anything else counts tuples.
    """
    m = len(units) - n + 1
    if m <= 0:
        return 0
    if n == 1:
        return len(set(units))
    lanes = _lanes(units) if n <= 4 else None
    if lanes is None:
        return len(set(zip(*[units[i:] for i in range(n)])))
    packed = array("H", bytes(8 * m))
    for k in range(n):
        packed[k::4] = lanes[k : k + m]
    return len(set(memoryview(packed).cast("B").cast("Q")))


def _lanes(units: Sequence[Any]) -> array | None:
    """`units` as 16-bit integers with the same equalities, or None."""
    if isinstance(units, str):
        encoded = units.encode("utf-16-le", "surrogatepass")
        if len(encoded) != 2 * len(units):  # a character beyond the BMP took two code units
            return None
        return array("H", encoded)
    if type(units) is not list or not units or type(units[0]) is not int:
        return None
    try:
        return array("H", units)  # ints (and bools, equal to 0 and 1 as in tuples) in range only
    except (TypeError, OverflowError):
        return None
