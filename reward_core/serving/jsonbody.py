"""A request body read as JSON within bounds, so one body cannot take the server's memory or its event loop.

Python's `json` turns 3 bytes of `{},` into a 64-byte dict, so a 64 MB body can become gigabytes. Before
anything is built, the body's JSON values are counted (`max_values`): a count of `,` `:` `[` `{` and quotes
is an upper bound found at C speed; only a body over that bound is tokenised exactly (strings skipped),
which stops at the first value over the limit. Within the bound, the parsed body costs at most a few
hundred bytes a value on top of its strings. Nesting deeper than `json` recurses (about 1,000 levels) is a
400.

`parse` runs in a worker thread for a large body (`Reader.read`): its top-level containers are walked in
Python and each row is decoded by its own `json` call, so the event loop gets the GIL back between rows
and keeps answering `/healthz`. `NaN`/`Infinity` are refused (they are not JSON, and no answer could carry
them back).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from typing import Any

from .errors import BadRequestError, PayloadTooLargeError

__all__ = ["parse", "count_values", "Reader", "DEFAULT_MAX_VALUES"]

#: JSON values (strings, numbers, containers, keys) one body may hold (`--max-json-values`).
DEFAULT_MAX_VALUES = 1 << 20
#: Bodies up to this size are parsed on the event loop (less than a millisecond); larger ones in a thread.
INLINE_BYTES = 256 * 1024
#: Containers shallower than this are walked in Python; deeper values (a row, a message) are one `json` call.
_SPLIT_DEPTH = 3

_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[,:\[{]')
_WS = re.compile(r"[ \t\n\r]*")


def _not_json(constant: str) -> Any:
    raise BadRequestError(f"the body is not valid JSON: {constant} is not a JSON number (send null)")


_DECODER = json.JSONDecoder(parse_constant=_not_json)


def count_values(body: bytes | bytearray, max_values: int = DEFAULT_MAX_VALUES) -> None:
    """Raise `PayloadTooLargeError` when `body` holds more than `max_values` JSON values; nothing is built."""
    bound = sum(body.count(c) for c in (b",", b":", b"[", b"{")) + body.count(b'"') // 2 + 1
    if bound <= max_values:
        return
    for values, _ in enumerate(_TOKEN.finditer(body), 1):
        if values > max_values:
            raise PayloadTooLargeError(
                f"the body holds more than {max_values:,} JSON values (--max-json-values); split the batch")


def parse(body: bytes | bytearray, max_values: int = DEFAULT_MAX_VALUES) -> Any:
    """The JSON value of `body`, after `count_values`; `BadRequestError` (400) when it is not JSON."""
    count_values(body, max_values)
    try:
        text = body.decode("utf-8")
        if len(body) <= INLINE_BYTES:
            return _DECODER.decode(text)
        value, end = _value(text, _WS.match(text, 0).end(), 0)
        end = _WS.match(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        return value
    except RecursionError:
        raise BadRequestError("the body nests arrays/objects deeper than this server parses") from None
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"the body is not UTF-8: {exc}") from None
    except ValueError as exc:
        if isinstance(exc, BadRequestError):
            raise
        raise BadRequestError(f"the body is not valid JSON: {exc}") from None


def _value(text: str, i: int, depth: int) -> tuple[Any, int]:
    """The value starting at `text[i]` (no leading whitespace) and the index after it."""
    opener = text[i:i + 1]
    if depth >= _SPLIT_DEPTH or opener not in ("[", "{") or not opener:
        return _DECODER.raw_decode(text, i)
    i = _WS.match(text, i + 1).end()
    if opener == "[":
        items: list[Any] = []
        if text[i:i + 1] == "]":
            return items, i + 1
        while True:
            item, i = _value(text, i, depth + 1)
            items.append(item)
            i = _WS.match(text, i).end()
            sep = text[i:i + 1]
            if sep == "]":
                return items, i + 1
            if sep != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
            i = _WS.match(text, i + 1).end()
    members: dict[str, Any] = {}
    if text[i:i + 1] == "}":
        return members, i + 1
    while True:
        if text[i:i + 1] != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
        key, i = _DECODER.raw_decode(text, i)
        i = _WS.match(text, i).end()
        if text[i:i + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
        members[key], i = _value(text, _WS.match(text, i + 1).end(), depth + 1)
        i = _WS.match(text, i).end()
        sep = text[i:i + 1]
        if sep == "}":
            return members, i + 1
        if sep != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _WS.match(text, i + 1).end()


class Reader:
    """Reads request bodies for the endpoints: size, structure, then the value (and its digest when asked)."""

    def __init__(self, max_body: int, max_values: int = DEFAULT_MAX_VALUES) -> None:
        self.max_body = max_body
        self.max_values = max_values

    def _parse(self, body: bytearray, digest: bool) -> tuple[Any, bytes | None]:
        value = parse(body, self.max_values)
        return value, hashlib.blake2b(body, digest_size=16).digest() if digest else None

    async def read(self, chunks: Any, digest: bool = False) -> tuple[Any, bytes | None]:
        """`(value, digest)` of the body streamed by `chunks`; over `max_body` bytes: 413 as soon as it is."""
        body = bytearray()
        async for chunk in chunks:
            body += chunk
            if len(body) > self.max_body:
                raise PayloadTooLargeError(f"body over {self.max_body} bytes; split the batch")
        if len(body) <= INLINE_BYTES:
            return self._parse(body, digest)
        return await asyncio.to_thread(self._parse, body, digest)
