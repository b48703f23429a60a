"""One reading of a completion, in every shape TRL's `GRPOTrainer` passes to rewards.

A completion is a plain string (non-conversational datasets) or a list of messages:

- one assistant message, `{"role": "assistant", "content": ...}`, whose content is a string, `None` or a list
  of `{"type": "text", "text": ...}` / image parts;
- with a response parser (TRL sets one whenever `tools` are given), the reasoning apart from the answer:
  `{"role": "assistant", "reasoning_content": "...", "content": "..."}` (`thinking` in some families,
  `reasoning` in OpenAI-compatible servers), and the tool calls in `tool_calls`;
- with tools, a trajectory: assistant (with `tool_calls`) → tool results → ... → assistant. A tool result is
  `{"role": "tool", "name": ..., "content": ...}`, whose content is the tool's return value as text, a list of
  content blocks, or `str({"error": "..."})` when the tool failed or does not exist.

`read_completion` turns any of these into a `Completion`: the assistant's turns (content, parsed reasoning,
tool calls), the tool results, and the answer. `completion_text` is the one string most rewards want: the
model's own words. Both are linear in the completion's size; tool results are never copied into the model's
text, so text that a tool returned can never pass for something the model wrote.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import MalformedCompletionError

__all__ = [
    "Completion",
    "ToolCall",
    "ToolResult",
    "Turn",
    "completion_text",
    "prompt_text",
    "read_completion",
    "split_reasoning",
    "REASONING_FIELDS",
    "TOOL_ROLES",
]

#: Message keys that hold parsed reasoning, in the order they are read (the first non-empty one wins).
REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")
#: Roles whose messages are tool results (`ipython` is Llama 3's, `function` the legacy OpenAI one).
TOOL_ROLES = frozenset({"tool", "ipython", "function"})
_MODEL_ROLES = frozenset({"assistant", None})
# A failed call's content, as TRL writes it: `str({"error": ...})` (a Python repr) or the same as JSON.
_ERROR_PREFIX = re.compile(r"\{\s*['\"]error['\"]\s*:")
_LITERAL_LIMIT = 20_000  # longer error reprs are not evaluated: the message is the text itself


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call the model made.

    `arguments` is the arguments as a dict: given as a dict, or parsed from a JSON string; `None` when they are
    not a JSON object (unparsable, a list, a number). `raw_arguments` is what the message held. `turn` is the
    index of the assistant turn that made the call.
    """

    name: str
    arguments: dict[str, Any] | None
    raw_arguments: Any
    id: str | None
    turn: int


@dataclass(frozen=True, slots=True)
class ToolResult:
    """One tool result appended to the completion (by TRL, or an environment).

    `text` is the content as text (text parts joined for a list of content blocks); `error` is the error
    message when the tool failed (TRL's `{"error": ...}` result), else `None`. `call` is the call this result
    answers (results pair with the calls of the turn before them, in order), or `None`.
    """

    name: str | None
    text: str
    error: str | None
    content: Any
    call: ToolCall | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Turn:
    """One assistant message: its `content` as text, its parsed `reasoning` ("" when none), its tool calls."""

    content: str
    reasoning: str
    tool_calls: tuple[ToolCall, ...]


@dataclass(frozen=True, slots=True)
class Completion:
    """A completion read once: the assistant's turns, the tool results, and what counts as the answer.

    >>> c = read_completion([
    ...     {"role": "assistant", "content": "", "tool_calls": [
    ...         {"type": "function", "function": {"name": "calc", "arguments": {"expr": "6*7"}}}]},
    ...     {"role": "tool", "name": "calc", "content": "42"},
    ...     {"role": "assistant", "reasoning_content": "The tool says 42.", "content": "\\\\boxed{42}"},
    ... ])
    >>> c.final, c.reasoning(), len(c.turns), c.tool_calls[0].arguments, c.tool_results[0].text
    ('\\\\boxed{42}', 'The tool says 42.', 2, {'expr': '6*7'}, '42')
    >>> c.text()
    '<think>The tool says 42.</think>\\\\boxed{42}'
    """

    turns: tuple[Turn, ...]
    tool_results: tuple[ToolResult, ...]
    #: True when the completion ends with an assistant message that calls no tool: that message answers.
    answered: bool

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """Every tool call, in order."""
        return tuple(call for turn in self.turns for call in turn.tool_calls)

    @property
    def final(self) -> str:
        """The content of the answering message, as written (inline reasoning tags included); "" when the
        completion does not end with an assistant message that calls no tool (it stopped on a tool call or a
        tool result: the model never answered)."""
        return self.turns[-1].content if self.answered else ""

    def answer(self, tag: str = "think") -> str:
        """`final` without its inline reasoning (`<tag>...</tag>` blocks, see `split_reasoning`)."""
        return split_reasoning(self.final, tag)[1]

    def reasoning(self, tag: str = "think") -> str:
        """All the model's reasoning: each turn's parsed reasoning and inline `<tag>` blocks, joined by newlines."""
        parts = []
        for turn in self.turns:
            if turn.reasoning:
                parts.append(turn.reasoning)
            inline = split_reasoning(turn.content, tag)[0]
            if inline:
                parts.append(inline)
        return "\n".join(parts)

    def text(self, reasoning_tag: str = "think") -> str:
        """The model's own words as one string: see `completion_text`."""
        reasoning = "\n".join(turn.reasoning for turn in self.turns if turn.reasoning)
        content = "\n".join(turn.content for turn in self.turns if turn.content)
        if reasoning:
            return f"<{reasoning_tag}>{reasoning}</{reasoning_tag}>{content}"
        return content


def completion_text(completion: Any, reasoning_tag: str = "think") -> str:
    """The model's own words in one completion, as one string, in any of TRL's shapes.

    - a plain string: returned as is;
    - one assistant message: its content (text parts joined); when a response parser moved the reasoning into
      `reasoning_content` (or `thinking`, `reasoning`), it is put back in front, as the model wrote it:
      `<think>{reasoning}</think>{content}` (`reasoning_tag` names the tag), so a reward sees the same text
      whether the reasoning was parsed or not;
    - a trajectory of several messages: the parsed reasoning of every assistant turn in one block, then the
      content of every assistant turn, joined by newlines. Tool calls and tool results are left out: text a
      tool returned is never the model's.

    Raises `MalformedCompletionError` for anything else; the guard adds the reward name and the row.

    >>> completion_text([{"role": "assistant", "content": "<answer>4</answer>"}])
    '<answer>4</answer>'
    >>> completion_text([{"role": "assistant", "reasoning_content": "2+2", "content": "<answer>4</answer>"}])
    '<think>2+2</think><answer>4</answer>'
    >>> completion_text("<answer>4</answer>")
    '<answer>4</answer>'
    """
    if type(completion) is str:
        return completion
    if type(completion) is list:
        text = _model_text(completion, reasoning_tag)
        if text is not None:
            return text
    return read_completion(completion).text(reasoning_tag)


def _model_text_py(messages: list, tag: str) -> str | None:
    # `completion_text` for the shapes TRL produces, in one loop without building a `Completion`; None sends
    # anything unusual (content parts, a role that is not a plain string, a malformed message) to
    # `read_completion`, which reads or rejects it. `_reading.c` is this function in C, decision for decision.
    if len(messages) == 1:  # the commonest shape, one message of role and content, without the loop
        message = messages[0]
        if type(message) is dict and len(message) == 2:
            role, content = message.get("role"), message.get("content")
            if type(role) is str and role == "assistant" and type(content) is str:
                return content
    elif not messages:
        return None
    contents: list[str] = []
    reasoning: list[str] = []
    for message in messages:
        if type(message) is not dict:
            return None
        role = message.get("role")
        if type(role) is not str:
            return None
        content = message.get("content")
        if role != "assistant":
            if content is not None and type(content) is not str:
                return None
            continue
        if type(content) is str:
            if content:
                contents.append(content)
            if len(message) == 2:  # role and content only
                continue
        elif content is not None or "tool_calls" not in message:
            return None
        calls = message.get("tool_calls")
        if calls is not None and not _named_calls(calls):
            return None
        for field in REASONING_FIELDS:
            value = message.get(field)
            if value is None:
                continue
            if type(value) is not str:
                return None
            if value:
                reasoning.append(value)
                break
    text = "\n".join(contents)
    if reasoning:
        return f"<{tag}>{chr(10).join(reasoning)}</{tag}>{text}"
    return text


def _named_calls(calls: Any) -> bool:
    # Every call names its tool (validated, not read: completion_text never shows tool calls).
    if type(calls) is not list:
        return False
    for call in calls:
        if type(call) is not dict:
            return False
        spec = call.get("function")
        if type(spec) is not dict:
            if isinstance(spec, dict):  # a dict subclass may answer `get` its own way: read_completion judges
                return False
            spec = call
        if type(spec.get("name")) is not str:
            return False
    return True


try:  # the same function in C, when the build had a compiler (setup.py): the walk is most of a trajectory's cost
    from ._reading import model_text as _model_text
except ImportError:  # pragma: no cover - a build without a C compiler
    _model_text = _model_text_py


def read_completion(completion: Any) -> Completion:
    """The parts of one completion (see the module docstring for the shapes), in one linear pass.

    Raises `MalformedCompletionError` for a shape TRL never produces: not a string or a list of message dicts,
    an empty list, a message without content, reasoning or tool calls, content that is not text or content
    parts, a tool call without a name.

    >>> read_completion("<think>2+2</think>4").answer()
    '4'
    """
    if isinstance(completion, str):
        return Completion((Turn(str(completion), "", ()),), (), True)
    if not isinstance(completion, list):
        raise MalformedCompletionError(
            f"a completion must be a string or a list of message dicts, got {type(completion).__name__} "
            f"{_preview(completion)}; pass the dataset's completions unchanged"
        )
    if not completion:
        raise MalformedCompletionError("a conversational completion must hold at least one message, got []")
    turns: list[Turn] = []
    results: list[ToolResult] = []
    pending: list[ToolCall] = []  # calls of the last assistant turn not yet answered by a result
    answered = False
    for index, message in enumerate(completion):
        if not isinstance(message, dict):
            raise MalformedCompletionError(
                f"message {index} of a completion must be a dict with 'role' and 'content', got {_preview(message)}"
            )
        role = message.get("role")
        if role is not None and not isinstance(role, str):
            raise MalformedCompletionError(f"message {index} has a role that is not a string: {_preview(role)}")
        if role in _MODEL_ROLES:
            turn = _turn(message, index, len(turns))
            turns.append(turn)
            pending = list(turn.tool_calls)
            answered = not turn.tool_calls
        elif role in TOOL_ROLES:
            content = message.get("content")
            text = _content_text(content, index)
            call = pending.pop(0) if pending else None
            name = message.get("name")
            results.append(ToolResult(
                name if isinstance(name, str) else (call.name if call else None), text, _tool_error(content, text),
                content, call,
            ))
            answered = False
        else:  # user or system turns (an environment's feedback): not the model's words, not a tool's
            _content_text(message.get("content"), index)
            answered = False
    return Completion(tuple(turns), tuple(results), answered)


def prompt_text(prompt: Any) -> str:
    """The text of a prompt: a plain string, or the content of the last user message of a conversation.

    >>> prompt_text([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}])
    '2+2?'
    """
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list) and prompt and all(isinstance(m, dict) for m in prompt):
        users = [m for m in prompt if m.get("role") == "user"] or prompt
        return _content_text(users[-1].get("content"), "a prompt message")
    raise MalformedCompletionError(
        f"a prompt must be a string or a list of chat messages ({{'role': ..., 'content': ...}}), got "
        f"{_preview(prompt)}"
    )


def split_reasoning(text: str, tag: str = "think") -> tuple[str, str]:
    """`(reasoning, rest)`: the inline `<tag>...</tag>` blocks of `text`, and the text outside them.

    Tags match in any case. An unclosed block runs to the end (the model never finished thinking, so nothing
    after it is an answer). A closing tag before any opening one closes a block the chat template opened in the
    prompt (DeepSeek-R1 and Qwen3 templates do): the text before it is reasoning. Linear in `len(text)`.

    >>> split_reasoning("<think>2+2</think>4")
    ('2+2', '4')
    >>> split_reasoning("2+2</think>4")
    ('2+2', '4')
    >>> split_reasoning("<think>still thinking")
    ('still thinking', '')
    """
    if "<" not in text:
        return "", text
    opening, closing = _tag_patterns(tag)
    reasoning: list[str] = []
    rest: list[str] = []
    pos = 0
    first_open = opening.search(text)
    first_close = closing.search(text)
    if first_close and (first_open is None or first_close.start() < first_open.start()):
        reasoning.append(text[: first_close.start()])
        pos = first_close.end()
    while True:
        found = opening.search(text, pos)
        if found is None:
            rest.append(text[pos:])
            break
        rest.append(text[pos : found.start()])
        end = closing.search(text, found.end())
        if end is None:
            reasoning.append(text[found.end() :])
            break
        reasoning.append(text[found.end() : end.start()])
        pos = end.end()
    return "\n".join(part for part in reasoning if part), "".join(rest)


_TAG_CACHE: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _tag_patterns(tag: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    patterns = _TAG_CACHE.get(tag)
    if patterns is None:
        name = re.escape(tag)
        patterns = _TAG_CACHE[tag] = (re.compile(f"<{name}>", re.I), re.compile(f"</{name}>", re.I))
    return patterns


def _turn(message: Mapping[str, Any], index: int, turn: int) -> Turn:
    if "content" not in message and "tool_calls" not in message and not any(f in message for f in REASONING_FIELDS):
        raise MalformedCompletionError(
            f"message {index} of a completion has no 'content' (nor reasoning or tool calls): {_preview(message)}"
        )
    content = _content_text(message.get("content"), index)
    reasoning = ""
    for field in REASONING_FIELDS:
        value = message.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise MalformedCompletionError(
                f"message {index}: {field!r} must be a string, got {type(value).__name__} {_preview(value)}"
            )
        if value:
            reasoning = value
            break
    calls = message.get("tool_calls")
    if calls is None:
        return Turn(content, reasoning, ())
    if not isinstance(calls, list):
        raise MalformedCompletionError(
            f"message {index}: 'tool_calls' must be a list of calls, got {type(calls).__name__} {_preview(calls)}"
        )
    return Turn(content, reasoning, tuple(_tool_call(call, index, turn) for call in calls))


def _tool_call(call: Any, index: int, turn: int) -> ToolCall:
    # TRL (transformers' parse_response) and OpenAI: {"type": "function", "function": {"name", "arguments"}};
    # some parsers put name and arguments at the top level.
    function = call.get("function") if isinstance(call, dict) else None
    spec = function if isinstance(function, dict) else call
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(name, str):
        raise MalformedCompletionError(
            f"message {index}: a tool call must be {{'type': 'function', 'function': {{'name': ..., 'arguments': "
            f"...}}}}, got {_preview(call)}"
        )
    raw = spec.get("arguments")
    call_id = call.get("id")
    return ToolCall(name, _arguments(raw), raw, call_id if isinstance(call_id, str) else None, turn)


def _arguments(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def _content_text(content: Any, where: int | str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return str(content)
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") for p in content):
        return "".join(p.get("text") or "" for p in content if p.get("type") == "text")
    where = f"message {where}" if isinstance(where, int) else where
    raise MalformedCompletionError(
        f"the content of {where} must be a string or a list of {{'type': 'text', 'text': ...}} parts, "
        f"got {type(content).__name__} {_preview(content)}"
    )


def _tool_error(content: Any, text: str) -> str | None:
    if isinstance(content, dict):
        return str(content["error"]) if "error" in content else None
    if not _ERROR_PREFIX.match(text.lstrip()[:64]):
        return None
    stripped = text.strip()
    value: Any = None
    if len(stripped) <= _LITERAL_LIMIT:
        for parse in (json.loads, ast.literal_eval):
            try:
                value = parse(stripped)
                break
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
    if isinstance(value, dict) and "error" in value:
        return str(value["error"])
    return stripped


def _preview(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
