"""Is a found answer one the model commits to? The words around it, and the LaTeX it is written in, decide.

Run in the trainer's process on text the extraction rules already found; every function here is linear in the
length of its input (regexes without nested quantifiers over unbounded text, one scan per token kind).

The rules, each returning the reason for a refusal or None:
- `render`: LaTeX read as it renders: `\\iffalse ... \\fi` hides its content, `\\phantom{...}` is invisible,
  size commands (`\\tiny`, `\\Huge`) change nothing but the size.
- `answer_refusal`: the answer itself is not one committed value: a negation (`\\neq 72`, `\\not`, `\\cancel`),
  a bound (`\\geq 72`), several values (`70 \\lor 72`, `70 \\\\ 72`, a `cases` environment, two numbers side
  by side), or words that change the number (`72 \\text{ thousand}`, `72 or more`, `72 \\text{ is wrong}`).
- `context_refusal`: the sentence around an answer found in prose or in a box: a hedge, a question, a
  negation, reported speech, a condition, a bound or an operation on the number ("half of 72"), and, after it,
  a retraction or a different value ("Actually, it might be 5", "The correct total is 70").
"""

from __future__ import annotations

import re

from .notation import fast_number, group_end

__all__ = ["render", "answer_refusal", "context_refusal", "strip_code", "NUMBER"]

NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?![\w])")

# -- LaTeX as it renders ---------------------------------------------------------------------------------------
_IF_TOKEN = re.compile(r"\\(iffalse|iftrue|if[a-zA-Z@]*|else|fi)(?![a-zA-Z@])")
_SIZE = re.compile(
    r"\\(?:tiny|scriptsize|footnotesize|small|normalsize|large|Large|LARGE|huge|Huge|displaystyle|textstyle|"
    r"scriptstyle|scriptscriptstyle|bf|it|rm|sf|tt|boldmath)(?![a-zA-Z])"
)
_PHANTOM = re.compile(r"\\[hv]?phantom\s*\{")
_MAX_PHANTOMS = 32


def render(text: str) -> str:
    """`text` as it renders: hidden conditionals, phantoms and size commands removed.

    >>> render(r"70 \\iffalse 72 \\fi"), render(r"\\phantom{70} 72"), render(r"\\tiny 70 \\Huge 72")
    ('70 ', ' 72', '  70   72')
    """
    if "\\if" in text:
        pieces: list[str] = []
        shown, start, stack = True, 0, []  # stack: the visibility to restore at each \\fi
        for token in _IF_TOKEN.finditer(text):
            name = token.group(1)
            if shown:
                pieces.append(text[start : token.start()])
            if name == "fi":
                shown = stack.pop() if stack else True
            elif name == "else":
                if stack and stack[-1]:  # the enclosing branch is visible: flip this one
                    shown = not shown
            else:
                stack.append(shown)
                shown = shown and name != "iffalse"
                # a test we cannot evaluate (`\\ifnum`) shows its first branch, as `\\iftrue` does
            start = token.end()
        if shown:
            pieces.append(text[start:])
        text = "".join(pieces)
    if "phantom" in text:
        pieces, start = [], 0
        for count, match in enumerate(_PHANTOM.finditer(text)):
            if match.start() < start:
                continue
            if count >= _MAX_PHANTOMS:
                break
            pieces.append(text[start : match.start()])
            start = group_end(text, match.end() - 1, 1000) or len(text)
        pieces.append(text[start:])
        text = "".join(pieces)
    return _SIZE.sub(" ", text)


# -- the answer itself -----------------------------------------------------------------------------------------
_PROSE_COMMAND = re.compile(r"\\(?:text(?:bf|it|rm|normal)?|mbox|mathrm|textsf|texttt|emph)\s*\{([^{}]*)\}")
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_NEGATION_TEX = re.compile(r"\\(?:neq?|not|ncong|nequiv|notin|nless|ngtr|nleq?|ngeq?|cancel|bcancel|xcancel|sout|st)"
                           r"(?![a-zA-Z])|≠|∉")
_LEADING_BOUND = re.compile(
    r"^\s*(?:\\(?:leq?|geq?|leqq|geqq|leqslant|geqslant|lt|gt|lesssim|gtrsim|lessapprox|gtrapprox|lessgtr|approx|"
    r"approxeq|sim|simeq|ll|gg|lll|ggg|prec|preceq|succ|succeq|propto|asymp|doteq|nless|ngtr|nleq|ngeq)(?![a-zA-Z])"
    r"|[<>≥≤≈~≲≳≪≫]|>=|<=)"
)
_OR_TEX = re.compile(r"\\(?:lor|vee|lor|parallel|mid)(?![a-zA-Z])|∨")
_EQUIV = re.compile(r"\\(?:equiv|cong)(?![a-zA-Z])|≡")
_BASE = re.compile(r"(?:\(([0-9A-Za-z]+)\)|(?<![\w\\])([0-9][0-9A-Za-z]*))_\{?\s*(\d+)\s*\}?")
_CASES = re.compile(r"\\begin\s*\{\s*(?:cases|dcases|rcases|aligned|align\*?|gather\*?|split|eqnarray\*?)\s*\}")
_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{[^{}]*\}")
_LINE_BREAK = re.compile(r"\\\\(?![a-zA-Z])|\\newline(?![a-zA-Z])|\\cr(?![a-zA-Z])")
_SIDE_BY_SIDE = re.compile(r"(?<![_^\d.])\d+(?:\.\d+)?\s+[-+]?\.?\d")  # `70 72`, not `\\log_2 3`
_GROUPED = re.compile(r"\d{1,3}(?:[ \u2009\u202f]\d{3})+")
_RELATION = re.compile(r"=|<|>|\\[lg]eq?(?![a-zA-Z])|\\[lg]t(?![a-zA-Z])|\\in(?![a-zA-Z])|≤|≥")

# Words that turn a number into something else, whether inside the answer or right after it.
_AFTER_WORDS = re.compile(
    r"\s*(?:"
    r"(?P<magnitude>thousands?|millions?|billions?|trillions?|hundreds?|dozens?|lakhs?|crores?|k|bn|mn|squared|cubed"
    r"|factorial|digits?|times|fold|-fold|percentile|th\s+power|powers?)"
    r"|(?P<bound>or\s+(?:more|less|fewer|greater|higher|lower|above|below|over|under|so|thereabouts|longer|shorter)"
    r"|and\s+(?:up|above|over|more|beyond)|plus|\+\s*$|at\s+(?:least|most)|to\s+[-+]?\d|through\s+\d|–\s*\d"
    r"|or\s+[-+]?\$?\d|upwards|onwards|maximum|minimum)"
    r")(?![a-z])",
    re.IGNORECASE,
)
_NEGATION_WORDS = (
    r"not|isn'?t|aren'?t|wasn'?t|never|no\s+longer|cannot|can'?t|won'?t|doesn'?t|don'?t|wrong|incorrect|"
    r"impossible|false|untrue|mistaken|a\s+mistake|an\s+error|erroneous|invalid|excluded|ruled\s+out|nope"
)
_HEDGE_WORDS = (
    r"maybe|perhaps|possibly|probably|likely|unlikely|might|could|guess|guessing|unsure|uncertain|"
    r"not\s+(?:sure|certain)|nearly|almost|or\s+so|give\s+or\s+take|"
    r"more\s+or\s+less|presumably|seemingly|i\s+think|i\s+believe|i\s+suspect|i\s+assume|hopefully|estimated?"
)
_CONDITION_WORDS = (
    r"if|unless|assuming|provided|supposing|when|whenever|otherwise|else|alternatively|in\s+case|depending|either|"
    r"or|only\s+if|except"
)
_AFTER_ANYWHERE = re.compile(
    rf"(?<![\w'])(?:(?P<negation>{_NEGATION_WORDS})|(?P<hedge>{_HEDGE_WORDS})|(?P<condition>{_CONDITION_WORDS}))"
    r"(?![\w'])|(?P<question>\?)",
    re.IGNORECASE,
)


def _prose_of(answer: str) -> str:
    """The words of an answer: the arguments of prose commands and the letters outside any command."""
    words = " ".join(m.group(1) for m in _PROSE_COMMAND.finditer(answer))
    rest = _COMMAND.sub(" ", _PROSE_COMMAND.sub(" ", answer))
    return f"{rest} {words}"


def answer_refusal(answer: str) -> str | None:
    """Why an answer (a box's content, a tag's, a `####` line's) is not one committed value, or None.

    >>> [answer_refusal(a) for a in (r"72 \\text{ cm}", r"\\geq 72", r"72 \\text{ thousand}", r"70 \\lor 72")]
    [None, 'bound', "words change the number ('thousand')", 'several values']
    """
    text = render(answer)
    if _NEGATION_TEX.search(text):
        return "negated answer"
    for based in _BASE.finditer(text):
        digits, base = based.group(1) or based.group(2), int(based.group(3))
        if not 2 <= base <= 36 or any(int(d, 36) >= base for d in digits):
            return f"not a number in base {base}"
    if _LEADING_BOUND.search(text):
        return "bound"
    if _CASES.search(text):
        return "several values"
    flat = _ENVIRONMENT.sub(" ", text)
    outside = _outside_environments(text)
    if _LINE_BREAK.search(outside):
        return "several values"
    if _OR_TEX.search(text) and not _joins_relations(_OR_TEX.split(flat)):
        return "several values"
    equiv = _EQUIV.split(flat)
    if len(equiv) > 1 and not re.search(r"[a-zA-Z]", _COMMAND.sub("", equiv[0])):  # noqa: SIM102
        return "several values"  # `70 \\equiv 72`; `x \\equiv 3 \\pmod 7` states x
    spoken = _PROSE_COMMAND.sub(lambda m: " " + m.group(1) + " ", outside)
    plain = _COMMAND.sub(" ", spoken)
    if _SIDE_BY_SIDE.search(_GROUPED.sub("0", spoken)) and not re.search(r"\\[bp]?mod(?![a-zA-Z])", text):
        return "several values"
    prose = _prose_of(text)
    words = re.sub(r"[{}$^_]", " ", prose)
    found = _AFTER_ANYWHERE.search(words)
    if found:
        kind = found.lastgroup
        if kind == "condition" and found.group().lower() == "or" and _joins_relations(
            re.split(r"\\text\s*\{\s*or\s*\}|\bor\b", flat)
        ):
            found = None  # `x < 1 \\text{ or } x > 2`: a union of conditions, not a choice between values
        elif kind == "negation" and not re.search(r"[\w\\]", re.sub(rf"(?i)\b(?:{_NEGATION_WORDS})\b", "", prose)):
            found = None  # the answer is the word itself ("No")
    if found:
        return {"negation": "negated answer", "hedge": "hedge", "condition": "several values",
                "question": "question"}[found.lastgroup] + f" ({found.group().lower()!r})"
    plain = re.sub(r"[{}]", " ", plain)
    for number in NUMBER.finditer(plain):
        after = _AFTER_WORDS.match(plain, number.end())
        if after and after.group().strip() and not (after.lastgroup == "bound" and _relation_list(plain)):
            return f"words change the number ({' '.join(after.group().split()).lower()!r})"
    return None


def _outside_environments(text: str) -> str:
    """`text` without the bodies of `\\begin{...}...\\end{...}` blocks (matrices keep their `\\\\`)."""
    out: list[str] = []
    depth, start = 0, 0
    for match in _ENVIRONMENT.finditer(text):
        if match.group(1) == "begin":
            if depth == 0:
                out.append(text[start : match.start()])
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                start = match.end()
    if depth == 0:
        out.append(text[start:])
    return " ".join(out)


def _joins_relations(parts: list[str]) -> bool:
    return len(parts) > 1 and all(_RELATION.search(part) for part in parts)


def _relation_list(text: str) -> bool:
    return bool(re.search(r"[a-zA-Z]\s*(?:=|<|>|\\[lg]e)", text))


# -- the sentence around an answer -----------------------------------------------------------------------------
_SENTENCE_START = re.compile(r"(?s:.*)(?:[.!?;](?=\s)|\n\s*\n|\n(?=\s*(?:[-*#>]|\d+[.)])\s))")
_SENTENCE_STOP = re.compile(r"[.!?;](?=\s|$)|\n")
_CLAUSE_START = re.compile(
    r"(?s:.*)(?:,|:|\n|\b(?:so|thus|hence|therefore|then|which\s+gives|giving|and\s+so|we\s+get|gives)\b)",
    re.IGNORECASE,
)
_BEFORE_NEAR = re.compile(
    r"(?:(?<![\w'])(?:at\s+(?:least|most)|no\s+(?:more|less|fewer)\s+than|(?:more|less|fewer|greater|larger|smaller|"
    r"higher|lower|other|rather)\s+than|over|under|above|below|up\s+to|upto|between|exceeds?|exceeding|beyond|"
    r"nearly|almost|close\s+to|near|half\s+of|double|twice|(?:could|might|may)(?:\s+\w+)?\s+(?:be|equal|give|get)|"
    r"thrice|triple|quadruple|(?:\w+\s+)?times|a\s+multiple\s+of|multiples?\s+of|divisible\s+by|divides|factors?\s+of|"
    r"divisors?\s+of|fraction\s+of|percent\s+of|square\s+of|root\s+of|power\s+of|sum\s+of|product\s+of|one\s+of|"
    r"any\s+of|each\s+of|digits\s+of|except|but|instead\s+of|not|never|neither|nor|without|out\s+of|~)|%\s*of"
    r"|(?:^\s*|[:,(]\s*|(?<![\w])[A-Za-z]{2,}\s+)(?:[<>≤≥~]|\\(?:geq?|leq?|gt|lt|sim|neq?|not)(?![a-zA-Z])))"
    r"[\s$(\\{]*$",
    re.IGNORECASE,
)
_BEFORE_ANYWHERE = re.compile(
    rf"(?<![\w'])(?:(?P<negation>{_NEGATION_WORDS}|anything\s+but|mistake|misconception|trap|naive(?:ly)?|"
    r"tempt(?:ing|ed)?|careless|fake|decoy|bogus)|(?P<hedge>maybe|perhaps|possibly|probably|likely|unlikely|"
    r"guess|guessing|unsure|uncertain|presumably|hopefully|suspect|"
    r"estimate|seems?|appears?|alternatively|otherwise|else|or|either)|(?P<reported>think|thinks|thought|believe|believes|believed|claim|claims|claimed|"
    r"say|says|said|suggest|suggests|suggested|argue|argues|argued|expect|expects|"
    r"would\s+(?:guess|say|think)|one\s+might|(?:many|some|most)\s+(?:people|students)|wonder|whether|"
    r"check\s+(?:if|whether)|is\s+it|could\s+it|what\s+if|how\s+about|instead\s+of|"
    r"rather\s+than|other\s+than|not\s+equal))"
    r"(?![\w'])",
    re.IGNORECASE,
)
_RETRACTION = re.compile(
    rf"(?<![\w'])(?:actually|however|but|wait|hmm+|oops|correction|instead|rather|on\s+second\s+thought|in\s+fact|"
    r"no,|mistake|wrong|incorrect|correct(?:ed)?|careful(?:ly)?|recheck(?:ing)?|re-check(?:ing)?|reconsider(?:ing)?|"
    r"hold\s+on|double[-\s]check(?:ing)?|sorry|apologi[sz]e|scratch\s+that|never\s+mind|alternatively|or\s+is\s+it|"
    rf"{_HEDGE_WORDS}|real|true|final|answer|should\s+be|must\s+be)(?![\w'])",
    re.IGNORECASE,
)
_DOUBT = re.compile(
    r"(?<![\w'])(?:maybe|perhaps|possibly|probably|might|could\s+(?:also\s+)?be|guess|unsure|uncertain|"
    r"not\s+(?:sure|certain)|i\s+think|i\s+believe|wrong|incorrect|mistake|not\s+(?:right|correct)|doubt|"
    r"wait|hmm+|oops|scratch\s+that|never\s+mind|on\s+second\s+thought|let\s+me\s+(?:re|check|verify|try))"
    r"(?![\w'])|\?",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"\s*(?:i\s+)?hope\s+(?:it|this|that)\s+(?:is\s+(?:correct|right|helpful|clear)|helps)[.!]*\s*$", re.IGNORECASE
)
_COUNTERFACTUAL = re.compile(r"\b(?:if|had)\b.*\b(?:would|were|could|might|should)\b", re.IGNORECASE)
_SENTENCE_WINDOW = 600
_NUMBER_NEXT = re.compile(r"\s*[-+]?\$?\d")
_RANGE = re.compile(r"\d\$?\s*(?:to|through|–|and)\s*[$\\({]*\s*$", re.IGNORECASE)  # "70 to 72", "between 70 and 72"
_FROM_TO = re.compile(r"\bfrom\s+\S+\s*(?:to|through|–)\s*[$\\({]*\s*$", re.IGNORECASE)  # "rose from 48 to 72"
_LATER_SENTENCES = 2  # sentences after the answer's that can retract it  # characters of a sentence read on each side of an answer


def context_refusal(text: str, start: int, end: int, value: str | None) -> str | None:
    """Why the answer at `text[start:end]` (a box, a value in a sentence) is not committed to, or None.

    `value` is the answer as read (for the comparison with values stated after it).

    >>> context_refusal("It is not 72.", 10, 12, "72"), context_refusal("So the total is 72 cm.", 16, 18, "72")
    ("not the value ('not')", None)
    """
    head = text[max(0, start - _SENTENCE_WINDOW) : start]
    cut = _SENTENCE_START.match(head)
    sentence_before = head[cut.end() :] if cut else head
    clause = _CLAUSE_START.match(sentence_before)
    clause_before = sentence_before[clause.end() :] if clause else sentence_before
    tail = text[end : end + _SENTENCE_WINDOW]
    stop = _SENTENCE_STOP.search(tail)
    sentence_after = tail[: stop.start()] if stop else tail
    ends_with_question = bool(stop and stop.group() == "?")

    before = _words(sentence_before)
    near = _BEFORE_NEAR.search(_words(clause_before))
    if near and not (value and re.search(r",(?!\d{3}(?!\d))|\band\b", value)):  # a list is compared whole, not bounded
        return f"not the value ({' '.join(near.group().split()).lower()!r})"
    listed = bool(value and re.search(r",(?!\d{3}(?!\d))|\band\b", value))
    if _RANGE.search(clause_before) and not _FROM_TO.search(clause_before) and not listed:
        return "range"
    numbers = list(NUMBER.finditer(clause_before))
    own = clause_before[numbers[-1].end() :] if numbers else clause_before  # "not 10, it's 1000": about 10
    found = _BEFORE_ANYWHERE.search(_words(own))
    if found:
        kind = {"negation": "negated answer", "hedge": "hedge", "reported": "reported speech or question"}
        return kind[found.lastgroup] + f" ({' '.join(found.group().split()).lower()!r})"
    if _COUNTERFACTUAL.search(before):
        return "condition"
    if ends_with_question or re.match(r"\s*\?", tail):
        return "question"
    after = _words(sentence_after)
    magnitude = _AFTER_WORDS.match(after)
    if magnitude and magnitude.group().strip():
        return f"words change the number ({' '.join(magnitude.group().split()).lower()!r})"
    found = _AFTER_ANYWHERE.search(after)
    while found and found.lastgroup == "negation" and _NUMBER_NEXT.match(after, found.end()):
        found = _AFTER_ANYWHERE.search(after, found.end())  # "72, not 70": the negation is about 70
    if found and not _CLOSING.match(sentence_after):
        return {"negation": "negated answer", "hedge": "hedge", "condition": "condition",
                "question": "question"}[found.lastgroup] + f" ({found.group().lower()!r})"
    return _later_refusal(text[end + (stop.end() if stop else len(tail)) :], value)


def _later_refusal(rest: str, value: str | None) -> str | None:
    """Sentences after the answer's: a doubt, a retraction, or another value stated as the result."""
    rest = rest[:_SENTENCE_WINDOW]
    anchored = fast_number(value) if value is not None else None
    read = 0
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", rest):
        sentence = sentence.strip()
        if not sentence or _CLOSING.match(sentence) or not re.search(r"\w", sentence):
            continue
        read += 1
        if read > _LATER_SENTENCES:
            break
        words = _words(sentence)
        if _DOUBT.search(words):
            return "retracted"
        numbers = NUMBER.findall(_UNGROUP.sub("", words))
        if numbers and anchored is not None and _RETRACTION.search(words):
            last = fast_number(numbers[-1])
            if last is None or last[0] != anchored[0]:
                return "another value stated after the answer"
    return None


_UNGROUP = re.compile(r"\\[!,;: ]|\{,\}")


def _words(text: str) -> str:
    """Prose as read: the words of `\\text{...}` kept, other LaTeX commands, `$` and braces made spaces."""
    text = _PROSE_COMMAND.sub(lambda m: " " + m.group(1) + " ", text)
    return re.sub(r"\\(?![lg]eq?|[lg]t|neq?|not|approx|sim)[a-zA-Z]+|[${}]|\\[()\[\]]|\*\*|__", " ", text)


# -- code blocks -----------------------------------------------------------------------------------------------
_FENCE = re.compile(r"```|~~~")


def strip_code(text: str) -> str:
    """`text` without fenced code blocks (an unclosed fence runs to the end): code is not an answer."""
    if "```" not in text and "~~~" not in text:
        return text
    pieces, start, inside = [], 0, False
    for fence in _FENCE.finditer(text):
        if not inside:
            pieces.append(text[start : fence.start()])
        else:
            start = fence.end()
        inside = not inside
    if not inside:
        pieces.append(text[start:])
    return "".join(pieces)
