"""Every message fits Telegram: at most 4,096 visible characters (counted after HTML parsing, in
UTF-16 code units, as Telegram counts) and at most 100 inline buttons.

Lists are fitted here, at item boundaries, never inside an item:
- `fit_list` shortens a list to what fits in one message and ends it with a "… and N more"
  line that says where to see all of it (outbox texts, overviews that have a place for the rest);
- `split_list` and `split_message` spread a text over several messages where every line matters
  (a concern thread, the agenda); only an item longer than a whole message is cut, between
  lines or words, with its open HTML tags closed before the cut and opened again after it;
- `fit_keyboard` keeps as many item buttons as fit beside the fixed ones and says how many
  were left out, for the text to name.
Builders fit their texts before `OutgoingMessage` sees them: its length check is a last guard
that no builder reaches.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.i18n import Html
from bot.services.outbox import MESSAGE_LIMIT, RAW_LIMIT, TAG, visible_length

__all__ = [
    "BUTTON_LIMIT",
    "MESSAGE_LIMIT",
    "and_more",
    "fit_keyboard",
    "fit_list",
    "fits",
    "split_list",
    "split_message",
]

# Telegram refuses an inline keyboard with more buttons.
BUTTON_LIMIT = 100

# What the joined items become in the whole message (e.g. a catalog text with `{items}`).
Render = Callable[[Html], str]
# The line that stands for `count` items left out, e.g. "… und 12 weitere – alle unter /melden".
More = Callable[[int], str]
ButtonT = TypeVar("ButtonT")

# A tag, an entity or one character: a message is never cut inside one of them.
TOKEN = re.compile(r"<[^>]*>|&#?\w+;|.", re.S)
# Where a message may end, best first: between paragraphs, lines, list entries ("a, b"), words.
PARAGRAPH, LINE, ENTRY, WORD = 4, 3, 2, 1


def fits(text: str, limit: int = MESSAGE_LIMIT) -> bool:
    """Telegram takes the text as one message (and the outbox can store it)."""
    return visible_length(text) <= limit and len(text) <= RAW_LIMIT * limit // MESSAGE_LIMIT


def _as_is(joined: Html) -> str:
    return joined


def fit_list(
    items: Sequence[str],
    more: More,
    render: Render = _as_is,
    *,
    separator: str = "\n",
    limit: int = MESSAGE_LIMIT,
    most: int | None = None,
) -> str:
    """`render` of as many whole `items` as fit in one message of `limit` (and at most `most`),
    followed by `more` of how many were left out (only when some were). Items must be whole
    HTML."""
    whole = render(Html(separator.join(items)))
    if (most is None or len(items) <= most) and fits(whole, limit):
        return whole
    # Each item shown adds itself and a separator to the frame: count how many fit, then make
    # sure (the real "more" line is no longer than this one, which counts them all).
    frame = render(Html(more(len(items))))
    room = limit - visible_length(frame)
    raw_room = RAW_LIMIT * limit // MESSAGE_LIMIT - len(frame)
    shown = used = raw = 0
    for item in items[:most]:
        used += visible_length(item) + visible_length(separator)
        raw += len(item) + len(separator)
        if used > room or raw > raw_room:
            break
        shown += 1
    while shown >= 0:
        text = render(Html(separator.join([*items[:shown], more(len(items) - shown)])))
        if fits(text, limit):
            return text
        shown -= 1
    # Only a frame longer than a message gets here (none of ours is): its start, cut cleanly.
    return split_message(frame, limit)[0]


def split_list(
    items: Sequence[str], *, separator: str = "\n", limit: int = MESSAGE_LIMIT
) -> list[str]:
    """The items in as few messages as hold them whole, in order; an item longer than a
    message on its own is spread over several (`split_message`)."""
    pieces = [part for item in items for part in split_message(item, limit)]
    step = visible_length(separator)
    messages: list[str] = []
    current: list[str] = []
    used = 0
    for piece in pieces:
        length = visible_length(piece)
        if current and used + step + length > limit:
            messages.append(separator.join(current))
            current, used = [], 0
        used += (step if current else 0) + length
        current.append(piece)
    if current:
        messages.append(separator.join(current))
    return [message for message in messages if _shows_something(message)]


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The text in messages of at most `limit` visible characters each: cut between
    paragraphs where possible, else between lines, list entries or words, else anywhere but
    inside a tag or an entity; tags open at a cut are closed and opened again after it."""
    if visible_length(text) <= limit:
        return [text] if _shows_something(text) else []
    tokens = TOKEN.findall(text)
    messages: list[str] = []
    start, opened = 0, list[str]()
    while start < len(tokens):
        end, resume, still_open = _cut(tokens, start, opened, limit)
        closing = "".join(f"</{_tag_name(tag)}>" for tag in reversed(still_open))
        message = "".join(opened) + "".join(tokens[start:end]) + closing
        if _shows_something(message):
            messages.append(message)
        start, opened = resume, still_open
    return messages


def _cut(
    tokens: list[str], start: int, opened: list[str], limit: int
) -> tuple[int, int, list[str]]:
    """Where the message that begins at token `start` ends, where the next one begins, and
    the tags open at its end: the best cut point within `limit`, else a hard cut there."""
    stack = list(opened)
    used = 0
    best: tuple[int, int, int, list[str]] | None = None  # rank, end, next start, open tags
    index = start
    while index < len(tokens):
        token = tokens[index]
        if _is_tag(token):
            _track(stack, token)
            index += 1
            continue
        cost = _units(token)
        if used + cost > limit and index > start:
            break
        used += cost
        if token in ("\n", " "):
            rank, end = (LINE, index) if token == "\n" else (WORD, index)
            if index > start and tokens[index - 1] == "\n" and token == "\n":
                rank, end = PARAGRAPH, index - 1
            elif index > start and tokens[index - 1] == "," and token == " ":
                rank = ENTRY
            if end > start and (best is None or rank >= best[0]):
                best = (rank, end, index + 1, list(stack))
        index += 1
    if index >= len(tokens) or best is None:
        return index, index, stack
    return best[1], best[2], best[3]


def _units(token: str) -> int:
    """What one character or entity counts: UTF-16 code units, as Telegram counts."""
    if len(token) == 1:
        return 2 if ord(token) > 0xFFFF else 1
    return visible_length(token)


def _is_tag(token: str) -> bool:
    return len(token) > 1 and token.startswith("<")


def _track(stack: list[str], tag: str) -> None:
    """Keep the open tags (their opening text, to open them again) up to date with `tag`."""
    if tag.startswith("</"):
        name = _tag_name(tag)
        for position in range(len(stack) - 1, -1, -1):
            if _tag_name(stack[position]) == name:
                del stack[position]
                return
    elif not tag.endswith("/>"):
        stack.append(tag)


def _tag_name(tag: str) -> str:
    inside = tag.strip("</>").split()
    return inside[0].lower() if inside else ""


def _shows_something(text: str) -> bool:
    """Telegram refuses a message that is empty once trimmed."""
    return bool(html.unescape(TAG.sub("", text)).strip())


def and_more(text: str, left_out: int, more: More) -> str:
    """`text` and, when buttons were left out, the line that says so."""
    return f"{text}\n{more(left_out)}" if left_out else text


def fit_keyboard(
    buttons: Sequence[ButtonT],
    *,
    width: int = 1,
    reserved: int = 0,
    limit: int = BUTTON_LIMIT,
) -> tuple[list[list[ButtonT]], int]:
    """The item buttons in rows of `width`, as many as fit beside `reserved` other buttons
    (cancel, done, back), and how many were left out, for the text to say so."""
    shown = list(buttons[: max(limit - reserved, 0)])
    rows = [shown[i : i + width] for i in range(0, len(shown), width)]
    return rows, len(buttons) - len(shown)
