"""Linear-time text scanning shared by the format rewards.

Everything here runs in time linear in the completion length (1 MB completions included): we search with
`str.find`/`str.count` and with regexes made only of character classes and bounded repeats, so no input can
trigger catastrophic backtracking.
"""

from __future__ import annotations

import re
from bisect import bisect_right

__all__ = ["CodeSpans", "code_spans", "find_once", "is_blank", "words", "TAG_NAME"]

#: A tag name users may configure: no '<', '>', whitespace or backticks, so tags never straddle code.
TAG_NAME = re.compile(r"[\w.:-]+")

# A fence line: up to 3 spaces of indentation, then 3+ backticks or tildes (CommonMark's fenced code).
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")
_NON_SPACE = re.compile(r"\S")
# "Visible" = neither whitespace nor an invisible format character, so `<think>\u200b</think>` is empty.
_VISIBLE = re.compile(r"[^\s\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufeff]")
# Scripts written without spaces: each character is one word (so repeated CJK text is seen as repeated).
_UNSPACED = "\u0e00-\u0e7f\u2e80-\u2fdf\u3001-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\s{_UNSPACED}]+")


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

    def end_covering(self, pos: int) -> int:
        """The end of the code that contains position `pos`, or -1 when `pos` is not in code."""
        if self._fence_starts is None:
            spans = _fenced_blocks(self.text)
            self._fence_starts = [s for s, _ in spans]
            self._fence_ends = [e for _, e in spans]
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
    spans: list[tuple[int, int]] = []
    open_at = -1
    fence = ""
    for match in _FENCE_LINE.finditer(text):
        run = match.group(1)
        eol = text.find("\n", match.end())
        if eol < 0:
            eol = len(text)
        if open_at < 0:
            # A backtick fence's info string may not contain backticks: "```x```" is inline code, not a fence.
            if run[0] == "`" and text.find("`", match.end(), eol) >= 0:
                continue
            open_at, fence = match.start(), run
        elif run[0] == fence[0] and len(run) >= len(fence) and _NON_SPACE.search(text, match.end(), eol) is None:
            spans.append((open_at, eol))
            open_at = -1
    if open_at >= 0:
        spans.append((open_at, len(text)))
    return spans


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
    return text.split() if text.isascii() else _WORD.findall(text)
