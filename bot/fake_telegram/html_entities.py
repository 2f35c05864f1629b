"""Telegram's message text rules: HTML parse mode (markup in, plain text plus MessageEntity
dicts out), trimming and length limits.

Error texts follow Telegram's (they end up after "Bad Request: can't parse entities: "),
because bots sometimes branch on them and tests should see the same wording.
Offsets and lengths are UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from .faults import ApiError

__all__ = ["EntityParseError", "format_text", "parse_html", "strip_text", "utf16_len"]

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
}


class EntityParseError(ValueError):
    """Markup Telegram would refuse; str(error) is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    entity: dict[str, Any] | None
    start: int
    order: int


class _Parser(HTMLParser):
    def __init__(self, source: str) -> None:
        # Our own entity handling is needed to tell "&amp;" from "&amp" and to keep
        # unknown named entities literally, as Telegram does.
        super().__init__(convert_charrefs=False)
        self.source = source
        self.parts: list[str] = []
        self.position = 0
        self.stack: list[_OpenTag] = []
        self.opened = 0
        self.entities: list[tuple[int, dict[str, Any]]] = []
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)

    def _index(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _byte_offset(self, index: int | None = None) -> int:
        return len(self.source[: self._index() if index is None else index].encode())

    def _fail(self, message: str) -> None:
        raise EntityParseError(message)

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        self.position += utf16_len(text)

    def handle_data(self, data: str) -> None:
        if "<" not in data:
            self._emit(data)
            return
        # html.parser passes a "<" that starts no valid tag through as data; Telegram
        # instead tries to read a tag there and fails.
        index = self._index() + data.index("<")
        rest = self.source[index + 1 :]
        closing = rest.startswith("/")
        name = ""
        for char in rest[1:] if closing else rest:
            if char.isspace() or char == ">":
                break
            name += char
        else:
            kind = "end" if closing else "start"
            self._fail(f"Unclosed {kind} tag at byte offset {self._byte_offset(index)}")
        if closing:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset(index)}")
        self._fail(f'Unsupported start tag "{name}" at byte offset {self._byte_offset(index)}')

    def _reference(self, name: str, decoded: str | None) -> None:
        index = self._index()
        terminated = self.source[index + 1 + len(name) : index + 2 + len(name)] == ";"
        if decoded is None or not terminated:
            self._emit("&" + name + (";" if terminated else ""))
        else:
            self._emit(decoded)

    def handle_entityref(self, name: str) -> None:
        self._reference(name, _NAMED_ENTITIES.get(name))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            decoded: str | None = chr(code) if 0 < code < 0x110000 else None
        except ValueError:
            decoded = None
        self._reference("#" + name, decoded)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        entity: dict[str, Any] | None = None
        offset = self._byte_offset()
        if tag in _SIMPLE_TAGS:
            entity = {"type": _SIMPLE_TAGS[tag]}
            language = attributes.get("class", "")
            parent = self.stack[-1] if self.stack else None
            # <pre><code class="language-x"> is one pre entity with a language.
            in_pre = parent is not None and parent.entity and parent.entity["type"] == "pre"
            if tag == "code" and in_pre and language.startswith("language-"):
                assert parent is not None and parent.entity is not None
                parent.entity["language"] = language.removeprefix("language-")
                entity = None
        elif tag == "span":
            if attributes.get("class") != "tg-spoiler":
                self._fail('Tag "span" must have class "tg-spoiler"')
            entity = {"type": "spoiler"}
        elif tag == "a":
            href = attributes.get("href", "")
            entity = {"type": "text_link", "url": href} if href else None
        elif tag == "blockquote":
            expandable = "expandable" in attributes
            entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
        elif tag == "tg-emoji":
            emoji_id = attributes.get("emoji-id", "")
            if not emoji_id.isdigit():
                self._fail('Custom emoji entity must have a valid "emoji-id" attribute')
            entity = {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        else:
            self._fail(f'Unsupported start tag "{tag}" at byte offset {offset}')
        self.opened += 1
        self.stack.append(_OpenTag(tag, entity, self.position, self.opened))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        offset = self._byte_offset()
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {offset}")
        top = self.stack.pop()
        if top.name != tag:
            self._fail(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
                f'found "</{tag}>"'
            )
        length = self.position - top.start
        if top.entity is not None and length > 0:
            self.entities.append((top.order, {**top.entity, "offset": top.start, "length": length}))

    def handle_comment(self, data: str) -> None:
        self._fail(f'Unsupported start tag "!--" at byte offset {self._byte_offset()}')

    def handle_decl(self, decl: str) -> None:
        self._fail(f'Unsupported start tag "!" at byte offset {self._byte_offset()}')

    def unknown_decl(self, data: str) -> None:
        self.handle_decl(data)

    def handle_pi(self, data: str) -> None:
        self._fail(f'Unsupported start tag "?" at byte offset {self._byte_offset()}')


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-HTML; raise EntityParseError where Telegram answers 400."""
    parser = _Parser(source)
    parser.feed(source)
    parser.close()
    if parser.stack:
        name = parser.stack[-1].name
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
    # Telegram orders by offset, outer (longer, opened earlier) entities first.
    ordered = sorted(
        parser.entities, key=lambda item: (item[1]["offset"], -item[1]["length"], item[0])
    )
    return "".join(parser.parts), [entity for _, entity in ordered]


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram and clip entities to what is left."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    clipped = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return stripped, clipped


def format_text(
    text: Any, parse_mode: Any, entities: Any, *, caption: bool
) -> tuple[str, str | None, list[dict[str, Any]]]:
    """Plain text, raw HTML (if any) and entities of a message text or caption.

    Raises ApiError with Telegram's description where Telegram refuses the text.
    """
    text = "" if text is None else str(text)
    html: str | None = None
    mode = str(parse_mode or "").lower()
    if mode == "html":
        html = text
        try:
            text, entities = parse_html(text)
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    elif mode in ("markdown", "markdownv2"):
        entities = []  # deliberately not parsed; the raw text is kept
    elif mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    entities = [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []
    text, entities = strip_text(text, entities)
    if caption:
        if len(text) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
    elif not text:
        raise ApiError(400, "Bad Request: message text is empty")
    elif len(text) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    return text, html, entities
