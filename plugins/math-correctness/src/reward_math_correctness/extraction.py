"""Reading a completion's final answer: the extraction policy, run in the trainer's process.

Anchored rules first, in this priority: the last `<answer>...</answer>`, the `\\boxed{}` / `\\fbox{}` answers,
GSM8K's `#### n`, "the (final) answer is ...". With the lenient policy, a completion with no anchor is read as
a reader would read it: the whole completion when it is just an answer, else its last final-answer line
(`Answer:`, `**Final Answer:**`, `Result:`...), else the last sentence that holds mathematics.

Everything here is linear in the completion's length, whatever the text: the *last* marker is found with a
greedy `(?s:.*)` prefix before a literal (one backward pass of the regex engine, never a rescan per
occurrence), a box's braces are matched at most `max_answer_chars` past its opener and at most `MAX_BOXES`
boxes are read, and the lenient rules read only the final `TAIL_CHARS` characters.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

from .commitment import (
    _BEFORE_ANYWHERE,
    _DOUBT,
    _HEDGE_WORDS,
    _NEGATION_WORDS,
    NUMBER,
    _words,
    answer_refusal,
    context_refusal,
    render,
    strip_code,
)
from .notation import LATEX_WORD, group_end, is_prose, ungroup_number

__all__ = ["Extraction", "extract", "boxed_contents", "is_bare_answer", "hedge_reason", "POLICIES"]

POLICIES = ("lenient", "anchored")
MAX_BOXES = 16  # more boxes than this in a final answer is a degenerate completion, not an answer
TAIL_CHARS = 4000  # the lenient rules read only this much of the end of the completion
MAX_ANSWER_TAGS = 16
#: Reasoning blocks a model may open besides the configured ones, read in any case (`<Thinking>`).
EXTRA_REASONING_TAGS = ("thinking", "thought", "thoughts", "scratchpad", "reflection", "inner_monologue")

Mode = Literal["answer", "sentence"]


@dataclasses.dataclass(frozen=True, slots=True)
class Extraction:
    """What the policy read from one completion.

    `answer` is the text handed to the verifier: in `"answer"` mode it *is* the answer (read as a boxed
    answer, so lists stay lists); in `"sentence"` mode it is a sentence and the verifier takes its last
    mathematical expression, as math-verify's own extraction does. `rule` names the rule that read it.
    `refusal` says why a found answer is refused (a hedge, a flood of boxes); it then scores as wrong.
    """

    answer: str | None
    rule: str
    mode: Mode = "answer"
    refusal: str | None = None
    #: `(word, refusal)` when the final sentence opens with yes/no/true/false ("No. Since $91 = 7 \\times 13$,
    #: it is not prime."): the answer to a yes/no gold, which `verdicts` reads instead of the mathematics.
    leading: tuple[str, str | None] | None = None


_NONE = Extraction(None, "none")

# Chat-template tokens: what follows one is a hallucinated next turn, not this completion.
_SPECIAL_TOKEN = re.compile(r"<[|｜][A-Za-z_▁][\w▁]*[|｜]>")

_LAST_ANSWER_CLOSE = re.compile(r"(?s:.*)</answer\s*>", re.IGNORECASE)
_LAST_ANSWER_OPEN = re.compile(r"(?s:.*)<answer\s*>", re.IGNORECASE)
_BOX_OPENER = re.compile(r"\\(?:boxed|fbox|framebox|Boxed)\s*(?:\[[^\]\n]{0,40}\]\s*){0,2}\{")
# Literal first: `(?s:.*)` backs up through the whole text, and a literal is the cheapest test to fail at each
# position (a leading `\b` or alternation costs several times more).
# Bounded whitespace: `\s+` would let "answer" followed by a megabyte of spaces backtrack through all of it.
_LAST_ANSWER_IS = re.compile(r"(?s:.*)answer\s{1,8}(?:is|would\s{1,8}be|will\s{1,8}be)\b[ \t]{0,8}[:=]?", re.IGNORECASE)
# A final-answer line: a label at the start of a line, optionally in markdown (`**Answer:**`, `### Final Answer`).
_LABEL = r"(?:final\s+answer|final\s+result|answer|result|final)"
_LAST_ANSWER_LINE = re.compile(
    rf"(?s:.*)^[ \t>#*_-]*(?:the\s+)?{_LABEL}\b[ \t]*(?:\*\*|__)?[ \t]*(?P<sep>:|：|=|\bis\b)?[ \t]*(?:\*\*|__)?"
    r"(?P<rest>[^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
_LEADING_VALUE = re.compile(
    r"\s*(?P<value>\$[^$\n]{1,200}\$|[-+]?\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?=\s*,\s*(?:since|because|as|which|not|so|and|but)\b|\s+(?:since|because|as|which)\b)"
    r"(?!.*\b(?:option|choice)\s+\(?[A-J]\b)",  # "23, which is option C": the choice is the answer
    re.IGNORECASE,
)
_ASSERTED = re.compile(
    r"(?:\b(?:is|are|equals|was)|=)\s*(?P<value>\$[^$\n]{1,200}\$|[-+]?\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?=\s*,\s*(?:since|because|as|which|not)\b|\s+(?:since|because|as)\b)",
    re.IGNORECASE,
)
# A list of values closing a sentence right after its verb or label: "The solutions are $x = 1$, $x = 2$, and
# $x = 3$", "The roots are 5 and -2". Items are math spans or plain numbers, joined by ",", "and" or ", and";
# bounded items and separators keep the search linear in the (TAIL_CHARS-bounded) sentence.
_LIST_ITEM = r"(?:\$[^$\n]{1,200}\$|[-+]?\d+(?:\.\d+)?(?:/\d+)?)"
_LIST_SEP = r"(?:\s{0,4},\s{1,4}(?:and\s{1,4})?|\s{1,4}and\s{1,4})"
_LIST_AFTER_VERB = re.compile(
    rf"(?:\b(?:are|is|were|was|be)\b|:)\s{{0,8}}(?P<items>{_LIST_ITEM}(?:{_LIST_SEP}{_LIST_ITEM})+)\s*$", re.IGNORECASE
)
_LIST_WHOLE = re.compile(rf"\s*(?P<items>{_LIST_ITEM}(?:{_LIST_SEP}{_LIST_ITEM})+)\s*$")
# Relations joined by "or" / "and" closing a sentence right after its verb: "The solution is $x < 1$ or $x > 2$."
_JOINED_RELATIONS = re.compile(
    r"(?:\b(?:are|is|were|was|be)\b|:)\s{0,8}(?P<first>\$[^$\n]{1,200}\$)\s{1,4}(?P<joint>or|and)\s{1,4}"
    r"(?P<second>\$[^$\n]{1,200}\$)\s*$",
    re.IGNORECASE,
)
_ONE_RELATION = re.compile(r"\s*([a-zA-Z])\s*(?:<|>|\\[lg]eq?(?![a-zA-Z])|\\[lg]t(?![a-zA-Z])|≤|≥)\s*[^<>=$\\]*[^<>=$]*"
                           r"|[^<>=$]*(?:<|>|\\[lg]eq?(?![a-zA-Z])|\\[lg]t(?![a-zA-Z])|≤|≥)\s*([a-zA-Z])\s*")
_LIST_SPLIT = re.compile(_LIST_SEP + r"(?=[-+$\d])")
_LIST_DOUBT = re.compile(
    rf"(?<![\w'])(?:{_HEDGE_WORDS}|{_NEGATION_WORDS}|could|may|should|would|unless|otherwise|either|or|neither|nor)"
    r"(?![\w'])|\?",
    re.IGNORECASE,
)
_NAMED_VALUE = re.compile(r"^\s*(?:(?P<name>[A-Za-z](?:_\{?\w{1,3}\}?)?)\s*=\s*)?(?P<value>[^=<>]+?)\s*$")
_ONE_WORD = re.compile(r"\s*(?:\*\*|__)?\s*([A-Za-z]{2,20})\s*(?:\*\*|__)?\s*")
# Words that answer a question on their own (parity, truth, days, months...), closing a final sentence.
_ANSWER_WORDS = (
    "yes|no|true|false|odd|even|neither|both|none|positive|negative|zero|prime|composite|rational|irrational|"
    "finite|infinite|convergent|divergent|increasing|decreasing|possible|impossible|monday|tuesday|wednesday|"
    "thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|"
    "november|december"
)
_ANSWER_WORD_END = re.compile(rf"\b(?:is|are)\s+(?:\*\*)?({_ANSWER_WORDS})(?:\*\*)?\W*$", re.IGNORECASE)
# A yes/no answer opening the final sentence ("No, since ...") or standing before it as its own sentence ("No.").
_LEADING_WORD = re.compile(r"\W{0,4}(yes|no|true|false)\b\W{0,4}?(?:[.!,:;—–]|\s-\s|$)", re.IGNORECASE)
_LONE_WORD = re.compile(r"\W{0,4}(yes|no|true|false)\W{0,4}", re.IGNORECASE)
_STARTS_WITH_MATH = re.compile(r"\s*(?:\$|\\[(\[]|\\boxed|[-+]?\.?\d|\()")

_MATH_SPAN = re.compile(
    r"^(?:\$\$(?P<a>.+)\$\$|\$(?P<b>(?:\\.|[^$\\])+)\$|\\\((?P<c>.+)\\\)|\\\[(?P<d>.+)\\\])$", re.DOTALL
)
_DOLLAR = re.compile(r"(?<!\\)\$")  # a math delimiter, not an escaped `\$` sign
_UNIT_SUFFIX = re.compile(r"\s*(?P<unit>%|\\%|percent|per\s*cent|pct|[A-Za-z]{1,12}(?:\^?[23²³])?)?\s*$")
_LATEX_WORDS = re.compile(rf"{LATEX_WORD.pattern}|\\[A-Za-z]+")  # the commands that hold words, or any command
_WORD = re.compile(r"[^\W\d_]{2,}")
# Two-letter English words: prose, where a two-letter run in mathematics is a product (`xy`, `ab`).
_SHORT_WORDS = frozenset("is it so be to of in on at an as if by we me my no do go he us am".split())
_MATH_WORDS = frozenset(
    "and sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh log exp lim max min gcd lcm det mod inf infty "
    "sqrt frac pmatrix bmatrix matrix array".split()
)
# Mathematics, or a choice: a lone option letter (`**C**`, `(C)`), "option C", or a clause ending on a letter.
_HAS_MATH = re.compile(
    r"[0-9$]|\\[(\[]|\\[A-Za-z]+|^\W*\(?[A-J]\)?\W*$|(?<![\w'’])\(?[B-HJ]\)?(?![\w'’])|(?<=\s)\(?A\)?(?![\w'’])"
)
_CLOSING_REMARK = re.compile(
    r"(?:i\s+)?hope\s+(?:it|this|that)\s+(?:is\s+(?:correct|right|helpful|clear)|helps)|let\s+me\s+know\b.{0,80}"
    r"|good\s+luck|thanks?(?:\s+you)?(?:\s+for\b.{0,60})?|that'?s\s+(?:it|all)|done|q\.?e\.?d|the\s+end|[∎□■]",
    re.IGNORECASE,
)
_WORDLIKE = re.compile(r"\w")
_FINISHED = frozenset(".!?)]}>\"'”’:;…。！？")
_SENTENCE_END = re.compile(r"(?<=[.!?;])(?!\d)\s+|\n\s*")
_TABLE_ROW = re.compile(r"\|.*\|")
# A sentence that stops on a word that cannot end one, or on an operator: the completion was cut off.
_CUT_OFF = re.compile(
    r"(?:\b(?:the|a|an|of|to|in|on|at|by|for|with|from|into|and|or|but|if|that|which|whether|than|then|so|as|is|are|"
    r"was|were|be|we|he|she|it|they|i|you|this|these|those|its|his|her|their|our|my|your|can|will|would|should|"
    r"must|need|needs|let|us|because|since|when|where|while|not|no|each|every|all|both|get|gives?|equals?)"
    r"|[-+*/=^_(\[{,]|\\(?:frac|cdot|times|sqrt)\s*\{?)\s*$",
    re.IGNORECASE,
)
_DISPLAY_DELIMITER = re.compile(r"\\\[|\\\]|\$\$")

# Words that make a sentence two answers or none: "3 or 4", "maybe 4".
_STRONG_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|possibly|probably|might|guess|unsure|not\s+(?:sure|certain))\b", re.IGNORECASE
)
_ALTERNATIVE = re.compile(r"\b(?:or|either)\b", re.IGNORECASE)
# Where a sentence's last clause starts: after a comma or semicolon followed by a space, or "so"/"thus"/"hence".
_CLAUSE_BREAK = re.compile(r"[,;]\s+|\s(?=(?:so|thus|hence|therefore)\b)", re.IGNORECASE)
_NEGATED_LAST = re.compile(
    r"\b(?:not|isn't|isnt|never|cannot|can't)\s+(?:be\s+|equal\s+(?:to\s+)?|exactly\s+)?\$?\s*[-+]?[\d.,\\{]"
    r"[^\s]*\s*\$?\s*[.!]?\s*$",
    re.IGNORECASE,
)


def boxed_contents(text: str, max_chars: int = 1000) -> list[str] | None:
    """The contents of the `\\boxed{...}` / `\\fbox{...}` / `\\framebox{...}` in `text`, in order; unclosed
    ones are skipped. None when there are more than `MAX_BOXES` boxes: a flood of boxes is no final answer.
    """
    spans = _box_spans(text, max_chars)
    return None if spans is None else [content for content, _, _ in spans]


def _box_spans(text: str, max_chars: int) -> list[tuple[str, int, int]] | None:
    found: list[tuple[str, int, int]] = []
    seen = 0
    resume = 0
    for opener in _BOX_OPENER.finditer(text):
        if opener.start() < resume:
            continue  # a box inside a box already read
        seen += 1
        if seen > MAX_BOXES:
            return None
        brace = opener.end() - 1
        end = group_end(text, brace, max_chars + 2)
        if end is None:
            continue
        # a `$` inside a box is a stray delimiter (`\\boxed{12 $ and $13}`); an escaped `\\$` is a dollar sign
        found.append((_DOLLAR.sub(" ", text[brace + 1 : end - 1]).strip(), opener.start(), end))
        resume = end
    return found


def _join_distinct(answers: list[str]) -> str:
    distinct = list(dict.fromkeys(ungroup_number(" ".join(a.split())) for a in answers))
    if len(distinct) == 1:
        return distinct[0]
    # Several different boxed answers are handed over as boxes side by side, which math-verify reads as a set:
    # `\boxed{3} or \boxed{4}` is wrong against 4, `\boxed{1}, \boxed{2}` is right against {1, 2}.
    return ", ".join(f"\\boxed{{{a}}}" for a in distinct)


_TAG_PATTERNS: dict[tuple[str, ...], tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _reasoning_patterns(reasoning_tags: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    patterns = _TAG_PATTERNS.get(reasoning_tags)
    if patterns is None:
        names = "|".join(re.escape(tag) for tag in dict.fromkeys((*reasoning_tags, *EXTRA_REASONING_TAGS)))
        patterns = (
            re.compile(rf"(?s:.*)</\s{{0,4}}(?:{names})\s{{0,4}}>", re.IGNORECASE),
            re.compile(rf"<\s{{0,4}}(?:{names})(?:\s[^<>]{{0,200}})?>", re.IGNORECASE),
        )
        _TAG_PATTERNS[reasoning_tags] = patterns
    return patterns


def _final_section(text: str, reasoning_tags: tuple[str, ...]) -> str | None:
    """The text after the last closed reasoning block (the configured tags and `EXTRA_REASONING_TAGS`, in any
    case); None when a reasoning block is opened but never closed."""
    close, opener = _reasoning_patterns(reasoning_tags)
    closed = close.match(text)
    if closed is not None:
        return text[closed.end() :]
    if opener.search(text):
        return None  # still reasoning: an answer in there is not a final answer
    return text


def _strip_markdown(text: str) -> str:
    text = text.strip()
    start, end = 0, len(text)
    for _ in range(3):  # `***bold italic***` at most
        if end - start > 4 and text.startswith(("**", "__"), start) and text[end - 2 : end] == text[start : start + 2]:
            start, end = start + 2, end - 2
    return text[start:end].replace("**", "").strip()


def _join_display_math(text: str) -> str:
    """`text` with the newlines inside `\\[...\\]` and `$$...$$` blocks made spaces, so a block is one line."""
    pieces: list[str] = []
    done, opened, opener = 0, -1, ""
    for match in _DISPLAY_DELIMITER.finditer(text):
        token = match.group()
        if opened < 0:
            if token != "\\]":
                opened, opener = match.start(), token
        elif token == ("\\]" if opener == "\\[" else "$$"):
            pieces.append(text[done:opened])
            pieces.append(text[opened : match.end()].replace("\n", " "))
            done, opened = match.end(), -1
    pieces.append(text[done:])
    return "".join(pieces)


def is_bare_answer(text: str) -> bool:
    """True when `text` is mathematics, not prose: no English word outside LaTeX commands and `\\text{}` (math
    words such as `sin`, `and`, `infty` are mathematics; two-letter runs such as `xy` are products).

    >>> is_bare_answer(r"x = \\frac{3}{4}"), is_bare_answer("The result is 5")
    (True, False)
    """
    plain = _LATEX_WORDS.sub(" ", text)
    for word in _WORD.findall(plain):
        word = word.lower()
        if word in _SHORT_WORDS if len(word) == 2 else word not in _MATH_WORDS:
            return False
    return True


def hedge_reason(sentence: str, *, or_is_hedge: bool = True) -> str | None:
    """Why a sentence gives no single answer ("3 or 4", "maybe 4", "not 5"), or None.

    With `or_is_hedge`, "or" and "either" hedge in the sentence's last clause, the one that gives the answer:
    "x = 2 or x = -2, so the positive solution is 2" answers 2. "maybe", "probably", "not sure"... hedge
    anywhere in it.
    """
    plain = _LATEX_WORDS.sub(lambda m: m.group() if is_prose(m) else " ", sentence)
    match = _STRONG_HEDGE.search(plain)
    if match is None and or_is_hedge:
        match = _ALTERNATIVE.search(_CLAUSE_BREAK.split(plain)[-1])
    if match:
        return f"hedge ({' '.join(match.group().split()).lower()!r})"
    if _NEGATED_LAST.search(sentence):
        return "negated answer"
    return None


def _whole(final: str, max_chars: int) -> Extraction | None:
    """The completion read whole, when it is just an answer: `42`, `$42$`, `x = 5`, `\\[ (1, \\infty) \\]`."""
    text = _strip_markdown(final)
    if not text or len(text) > max_chars:
        return None
    text = text.rstrip(".").rstrip()
    span = _MATH_SPAN.match(text)
    if span is None:
        # a span followed by a unit or percent: `$28$ percent`, `$5$ cm`
        for opener, closer in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if text.startswith(opener):
                close = text.find(closer, len(opener))
                if close > 0 and _UNIT_SUFFIX.fullmatch(text, close + len(closer)):
                    unit = _UNIT_SUFFIX.fullmatch(text, close + len(closer)).group("unit") or ""
                    inner = text[len(opener) : close].strip()
                    percent = unit.replace(" ", "").lower() in ("%", "\\%", "percent", "pct")
                    if inner and not _DOLLAR.search(inner):
                        found = _checked(inner + ("\\%" if percent else ""), "whole", "answer")
                        refusal = None if percent or not unit else answer_refusal(f"{inner} \\text{{ {unit}}}")
                        return dataclasses.replace(found, refusal=found.refusal or refusal)
                break
        if "\n" in text or _DOLLAR.search(text) or not is_bare_answer(text):
            return None
        return _checked(text, "whole", "answer")
    inner = next(group for group in span.groups() if group is not None).strip()
    if not inner or _DOLLAR.search(inner):
        return None
    return _checked(inner, "whole", "answer")


def _checked(answer: str, rule: str, mode: Mode) -> Extraction:
    reason = hedge_reason(answer, or_is_hedge=mode == "sentence")
    return Extraction(answer, rule, mode, reason)


def _joined_relations(sentence: str) -> Extraction | None:
    """"The solution is $x < 1$ or $x > 2$": the relations as one answer, `x < 1 \\text{ or } x > 2` (a union;
    "and" an intersection), when each span is one relation of the same variable; refused when the words before
    them hedge, negate or report."""
    found = _JOINED_RELATIONS.search(sentence)
    if found is None:
        return None
    first, second = found.group("first")[1:-1].strip(), found.group("second")[1:-1].strip()
    variables = set()
    for relation in (first, second):
        one = _ONE_RELATION.fullmatch(relation)
        if one is None or relation.count("=") or "," in relation:
            return None
        variables.add(one.group(1) or one.group(2))
    if len(variables) != 1:
        return None
    clause = re.split(r"[,;:]\s", sentence[: found.start("first")])[-1]
    doubt = _LIST_DOUBT.search(clause) or _BEFORE_ANYWHERE.search(clause)
    refusal = hedge_reason(sentence, or_is_hedge=False)
    refusal = refusal or (f"not committed to ({' '.join(doubt.group().split()).lower()!r})" if doubt else None)
    joint = found.group("joint").lower()
    return Extraction(f"{first} \\text{{ {joint} }} {second}", "last_sentence", "answer", refusal)


def _value_list(sentence: str, *, after_verb: bool) -> Extraction | None:
    """The values a sentence closes with, as one list answer ("1, 2, 3" for "The solutions are $x = 1$,
    $x = 2$, and $x = 3$"), or None. The list must follow the sentence's verb (or the label, `after_verb=False`)
    directly, its items be values of one variable (or of none), and there be at least two."""
    found = (_LIST_AFTER_VERB.search if after_verb else _LIST_WHOLE.fullmatch)(sentence)
    if found is None:
        return None
    names, values = set(), []
    for item in _LIST_SPLIT.split(found.group("items").strip()):
        item = item.strip()
        if item.startswith("$"):
            item = item[1:-1]
        named = _NAMED_VALUE.match(item)
        if named is None or not named.group("value").strip():
            return None
        names.add(named.group("name"))
        values.append(named.group("value").strip())
    if len(values) < 2 or len(names) > 1 or any("," in value or not value for value in values):
        return None
    # the words before the list, in its clause: "It could be 1, 2 and 3", "Bob says the roots are 1 and 2"
    clause = re.split(r"[,;:]\s", sentence[: found.start("items")])[-1]
    doubt = _LIST_DOUBT.search(clause) or _BEFORE_ANYWHERE.search(clause)
    refusal = hedge_reason(sentence) or (f"not committed to ({' '.join(doubt.group().split()).lower()!r})" if doubt else None)
    return Extraction(", ".join(values), "last_sentence", "answer", refusal)


def _read_span(text: str, rule: str, max_chars: int) -> Extraction | None:
    """A labelled answer's text (after "the answer is", `Answer:`...): the answer itself when it is bare,
    else the sentence it opens, for the verifier to take its last expression."""
    text = _strip_markdown(text)
    if not text:
        return None
    whole = _whole(text, max_chars)
    if whole is not None:
        return Extraction(whole.answer, rule, whole.mode, whole.refusal)
    listed = _value_list(_first_sentence(text), after_verb=False)
    if listed is not None:
        return dataclasses.replace(listed, rule=rule)
    word = _ONE_WORD.fullmatch(text.rstrip(".!"))
    if word is not None:
        return _checked(word.group(1), rule, "answer")  # a word answer: "The answer is Monday."
    leading = _LEADING_VALUE.match(text)
    if leading is not None:
        # "72, since 72 divides 144", "72, not 70": the value the sentence asserts comes first
        value = leading.group("value").strip().strip("$").strip()
        return _checked(value, rule, "answer")
    sentence = _first_sentence(text)
    if not sentence or not _HAS_MATH.search(sentence):
        return None
    return _checked(sentence[-max_chars:], rule, "sentence")


def _first_sentence(text: str) -> str:
    text = _join_display_math(text[:TAIL_CHARS])
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip().rstrip(".").strip()


def _answer_line(final: str, max_chars: int) -> Extraction | None:
    final = final[-TAIL_CHARS:]
    match = _LAST_ANSWER_LINE.match(final)
    if match is None:
        return None
    rest = match.group("rest").strip()
    for opener, closer in (("$$", "$$"), ("\\[", "\\]")):
        if rest.startswith(opener) and closer not in rest[len(opener) :]:
            # a display block opened on the label's line: `Answer \[` newline `9` newline `\]`
            start = match.start("rest") + final[match.start("rest") :].find(opener)
            close = final.find(closer, start + len(opener), start + max_chars)
            if close > 0:
                rest = final[start : close + len(closer)].replace("\n", " ")
    if not rest.strip("*_:：= \t"):
        # a heading ("### Final Answer", "**Answer**"): the answer is the next block
        block = final[match.end() : match.end() + max_chars + 1].lstrip("\n \t")
        rest = block.split("\n\n", 1)[0]
        if rest.startswith(("$$", "\\[")):
            rest = _join_display_math(rest)
        rest = rest.strip()
    elif match.group("sep") is None and not _STARTS_WITH_MATH.match(rest):
        return None  # "Answer the question", "Result of ...": prose that starts with a label word
    return _read_span(rest, "answer_line", max_chars)


def _leading_word(sentences: list[str], index: int) -> tuple[str, str | None] | None:
    """The yes/no answer that opens the final sentence `sentences[index]` or stands before it alone, with the
    reason it is not committed to (a hedge, a doubt or a question in what follows, a different lone word
    before it), or None."""
    sentence = _strip_markdown(sentences[index])
    before = _strip_markdown(sentences[index - 1]) if index else ""
    opening = _LEADING_WORD.match(sentence)
    lone = _LONE_WORD.fullmatch(before)
    if opening is not None:
        word, rest = opening.group(1), sentence[opening.end() :]
        if lone is not None and lone.group(1).lower() != word.lower():
            return word, "retracted"  # "Yes. No, since ..."
    elif lone is not None:
        word, rest = lone.group(1), sentence
    else:
        return None
    said = _words(rest)
    doubt = hedge_reason(rest, or_is_hedge=False) or ("question" if "?" in rest or "?" in before else None)
    if doubt is None and _DOUBT.search(said):
        doubt = f"hedge ({' '.join(_DOUBT.search(said).group().split()).lower()!r})"
    return word, doubt


def _last_sentence(final: str, max_chars: int) -> Extraction | None:
    """The final sentence, when it holds mathematics. Closing remarks after it ("I hope it is correct.",
    "Hope this helps!") are skipped; any other sentence without mathematics, or one left unfinished (a
    completion cut at its length limit), means no answer: what came before it is reasoning, not an answer.
    A yes/no opening it, or standing alone before it, is kept as `leading` ("No. Since ..., it is not prime.")."""
    tail = _join_display_math(final[-TAIL_CHARS:])
    sentences = [s.strip() for s in _SENTENCE_END.split(tail) if s.strip()]
    for index in range(len(sentences) - 1, -1, -1):
        found = _sentence_reading(sentences, index, max_chars)
        if found is _NEXT:
            continue
        if found is _UNFINISHED:
            return None
        lead = _leading_word(sentences, index)
        if lead is None:
            return found
        if found is None:  # "No. It is not prime.": no mathematics, the word is the answer
            return Extraction(lead[0], "last_sentence", "answer", lead[1], leading=lead)
        return dataclasses.replace(found, leading=lead)
    return None


_NEXT = Extraction(None, "next")  # a closing remark: the sentence before it is the final one
_UNFINISHED = Extraction(None, "unfinished")  # cut off mid-sentence: no answer


def _sentence_reading(sentences: list[str], index: int, max_chars: int) -> Extraction | None:
    """The reading of `sentences[index]` as the final sentence: None for prose without mathematics, `_NEXT` for
    a closing remark to skip, `_UNFINISHED` for a sentence cut off."""
    sentence = sentences[index]
    finished = sentence.rstrip("*_ ")[-1:] in _FINISHED
    sentence = _strip_markdown(sentence).rstrip(".").strip()
    if _HAS_MATH.search(sentence):
        if _TABLE_ROW.match(sentence):
            return Extraction(sentence, "last_sentence", refusal="a table, not an answer")
        if not finished and _CUT_OFF.search(sentence):
            return _UNFINISHED  # cut off mid-sentence ("5 + 7 = 12, then we need to check whether he")
        listed = _value_list(sentence, after_verb=True) or _joined_relations(sentence)
        if listed is not None:
            return listed  # "The solutions are $x = 1$, $x = 2$, and $x = 3$": every value, as a list
        asserted = _ASSERTED.search(sentence)
        if asserted is not None:
            # "The GCD is 12, since 12 divides 36": the value the sentence asserts, not its justification
            return _checked(asserted.group("value").strip().strip("$").strip(), "last_sentence", "answer")
        if is_bare_answer(sentence) and "$" not in sentence:
            before = _strip_markdown(sentences[index - 1]) if index else ""
            if before.endswith(":") or (before and is_bare_answer(before) and _HAS_MATH.search(before)):
                return Extraction(sentence, "last_sentence", refusal="a list of candidates")
            return _checked(sentence[-max_chars:], "last_sentence", "answer")
        return _checked(sentence[-max_chars:], "last_sentence", "sentence")
    said = _ANSWER_WORD_END.search(sentence)
    if said is not None and finished:
        return _checked(said.group(1), "last_sentence", "answer")  # "Therefore the function is odd."
    if not finished:
        return _UNFINISHED
    if not (_CLOSING_REMARK.fullmatch(sentence.rstrip(".!?… ")) or not _WORDLIKE.search(sentence)):
        return None  # the final sentence has no mathematics and closes nothing: no final answer
    return _NEXT


def extract(
    text: str,
    reasoning_tags: tuple[str, ...] = ("think", "reasoning"),
    policy: str = "lenient",
    max_answer_chars: int = 1000,
) -> Extraction:
    """Read the final answer of a completion (see the module docstring for the policy).

    >>> extract("<think>maybe \\\\boxed{3}</think> so \\\\boxed{4}")
    Extraction(answer='4', rule='boxed', mode='answer', refusal=None)
    >>> extract("**Answer:** 5").answer, extract("Therefore x=5.").rule
    ('5', 'last_sentence')
    >>> extract("It is 3 or 4.").refusal
    "hedge ('or')"
    """
    token = _SPECIAL_TOKEN.search(text)
    if token is not None:
        text = text[: token.start()]
    final = _final_section(text, reasoning_tags)
    if final is None:
        return _NONE
    final = strip_code(render(final))  # LaTeX as it renders; code is not an answer
    reading, start, end = _read(final, policy, max_answer_chars)
    if reading.answer is None or reading.refusal is not None:
        return reading
    refusal = _commitment(final, reading, start, end)
    if reading.rule == "answer_is" and refusal and refusal.startswith("reported") and policy != "anchored":
        # "Many think the answer is 72. Careful counting gives 70.": someone else's answer is no anchor
        later = _answer_line(final, max_answer_chars) or _last_sentence(final, max_answer_chars)
        if later is not None and later.answer is not None and later.refusal is None:
            tail = max(0, len(final) - TAIL_CHARS)
            return dataclasses.replace(later, refusal=_commitment(final, later, tail, len(final)))
    return dataclasses.replace(reading, refusal=refusal)


def _commitment(final: str, reading: Extraction, start: int, end: int) -> str | None:
    """Why the answer read at `final[start:end]` is not committed to (see `commitment`), or None."""
    answer = reading.answer or ""
    if "\\boxed{" in answer:
        return None  # several different boxes: compared as a set, which is never one value
    if reading.mode == "answer":
        refusal = answer_refusal(answer)
        if refusal is not None:
            return refusal
    if reading.rule in ("boxed", "answer_tag", "gsm8k"):
        return context_refusal(final, start, end, answer if reading.mode == "answer" else None)
    if reading.rule == "whole":
        return None
    joined = _JOINED_IN_ANSWER.fullmatch(answer) if reading.rule == "last_sentence" else None
    if joined is not None and reading.mode == "answer":
        # relations joined by "or" / "and": the words around both spans, from the first to the last
        opening = final.rfind(joined.group(1), start)
        closing = final.find(joined.group(3), opening) if opening >= 0 else -1
        if opening < 0 or closing < 0:
            return None
        return context_refusal(final, opening, closing + len(joined.group(3)), None)
    # an answer read in prose: the sentence around it (in a sentence, around its last number)
    numbers = NUMBER.findall(answer)
    last = numbers[-1] if numbers else answer.strip()[-12:]
    if reading.mode == "answer" and reading.rule != "last_sentence" and answer.split():
        # a labelled answer follows its label: its first occurrence after it
        opening = final.find(answer.split()[0], start)
        if opening < 0:
            return None
        closing = final.find(last, opening) if last else -1
        return context_refusal(final, opening, closing + len(last) if closing >= 0 else opening, answer)
    position = -1
    if reading.rule != "last_sentence":
        # a labelled sentence follows its label: its last number within its first occurrence after it
        sentence_at = final.find(answer, start)
        if sentence_at >= 0 and last:
            within = answer.rfind(last)
            position = sentence_at + within if within >= 0 else -1
    if position < 0:
        position = final.rfind(last, start) if last else -1
    if position < 0:
        return None
    value = numbers[-1] if numbers and reading.mode == "sentence" else answer
    return context_refusal(final, position, position + len(last), value)


_JOINED_IN_ANSWER = re.compile(r"(.+) \\text\{ (or|and) \} (.+)")
_TAG = re.compile(r"<(/?)answer\s{0,8}>", re.IGNORECASE)


def _answer_tags(final: str) -> list[tuple[int, int, int, int]] | None:
    """`(open start, content start, content end, close end)` of each closed `<answer>...</answer>`, in order;
    None when there are more than `MAX_ANSWER_TAGS`."""
    tags: list[tuple[int, int, int, int]] = []
    opened: re.Match[str] | None = None
    for tag in _TAG.finditer(final):
        if not tag.group(1):
            opened = tag  # the innermost opener before a closer is the one it closes
        elif opened is not None:
            tags.append((opened.start(), opened.end(), tag.start(), tag.end()))
            opened = None
            if len(tags) > MAX_ANSWER_TAGS:
                return None
    return tags


def _read(final: str, policy: str, max_answer_chars: int) -> tuple[Extraction, int, int]:
    """The first rule that finds an answer, and where it is in `final`."""
    if _LAST_ANSWER_CLOSE.match(final) is not None:
        tags = _answer_tags(final)
        if tags is None:
            return Extraction(None, "answer_tag", refusal="too many answer tags"), 0, 0
        if tags:
            contents = [final[a:b].strip() for _, a, b, _ in tags]
            if len({ungroup_number(" ".join(c.split())) for c in contents if c}) > 1:
                return Extraction(contents[-1], "answer_tag", refusal="several answer tags"), 0, 0
            tag_start, content_start, content_end, tag_end = tags[-1]
            content = final[content_start:content_end]
            boxes = boxed_contents(content, max_answer_chars)
            if boxes is None:
                return Extraction(None, "answer_tag", refusal="too many boxes"), 0, 0
            if boxes:
                return Extraction(_join_distinct(boxes), "answer_tag"), tag_start, tag_end
            content = content.strip()
            if not content:
                return _NONE, 0, 0
            if policy == "anchored" or is_bare_answer(content):
                return Extraction(content, "answer_tag"), tag_start, tag_end
            found = _read_span(content, "answer_tag", max_answer_chars) or Extraction(content, "answer_tag")
            if found.mode == "sentence":
                return found, content_start, content_end
            return found, tag_start, tag_end

    spans = _box_spans(final, max_answer_chars)
    if spans is None:
        return Extraction(None, "boxed", refusal="too many boxes"), 0, 0
    if spans:
        joined = _join_distinct([content for content, _, _ in spans])
        _, start, end = spans[-1]
        return (Extraction(joined, "boxed") if joined else _NONE), start, end

    hashes = final.rfind("####")
    if hashes >= 0:
        line = final[hashes + 4 :].strip().split("\n", 1)[0].strip()
        end = final.find(line, hashes) + len(line) if line else hashes + 4
        return (Extraction(line, "gsm8k") if line else _NONE), hashes, end

    answer_is = _LAST_ANSWER_IS.match(final)
    if answer_is is not None:
        found = _read_span(final[answer_is.end() :], "answer_is", max_answer_chars)
        if found is not None:
            return found, answer_is.end(), len(final)

    if policy == "anchored":
        return _NONE, 0, 0
    whole = _whole(final, max_answer_chars)
    if whole is not None:
        return whole, 0, len(final)
    line = _answer_line(final, max_answer_chars)
    if line is not None:
        return line, max(0, len(final) - TAIL_CHARS), len(final)
    sentence = _last_sentence(final, max_answer_chars)
    if sentence is not None:
        return sentence, max(0, len(final) - TAIL_CHARS), len(final)
    return _NONE, 0, 0
