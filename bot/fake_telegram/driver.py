"""Test-side actors: users and groups that talk to the bot, and the messages the bot sent."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .html_entities import utf16_len

if TYPE_CHECKING:
    from .models import Event
    from .server import FakeTelegram

__all__ = ["TINY_PNG", "BotMessage", "FakeGroup", "FakeUser", "MessageVersion", "StoredFile"]


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


TINY_PNG = _png(2, 2)
# Not a real WebP; only Telegram's JSON about the sticker matters to bots.
_STICKER_BYTES = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-sticker"
_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
_DEFAULT_EVENT_KINDS = frozenset({"message", "edit", "delete", "callback_answer"})


@dataclass(eq=False)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    kind: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def base_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }

    def media_json(self) -> Any:
        """The value of the message field named after `kind` (a PhotoSize list for photos)."""
        data = self.base_json()
        if self.kind == "photo":
            return [{**data, "width": self.width, "height": self.height}]
        if self.kind == "sticker":
            return {
                **data,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass
class MessageVersion:
    text: str
    html: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None


@dataclass(eq=False)
class BotMessage:
    """A message the bot sent. Live: edits change this object and push the old text to .edits.

    `text` is the plain text after entity parsing (the caption for media messages).
    """

    message_id: int
    chat_id: int
    kind: str
    text: str
    html: str | None
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    date: int
    sender: dict[str, Any] = field(repr=False)
    chat: dict[str, Any] = field(repr=False)
    file: StoredFile | None = field(default=None, repr=False)
    reply_to: dict[str, Any] | None = field(default=None, repr=False)
    edit_date: int | None = None
    edits: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False

    @property
    def content(self) -> bytes | None:
        return self.file.content if self.file else None

    @property
    def file_name(self) -> str | None:
        return self.file.file_name if self.file else None

    @property
    def _inline_rows(self) -> list[list[dict[str, Any]]]:
        markup = self.reply_markup or {}
        return list(markup.get("inline_keyboard") or [])

    @property
    def buttons(self) -> list[list[str]]:
        return [[button["text"] for button in row] for row in self._inline_rows]

    def button(self, text: str) -> dict[str, Any] | None:
        return next((b for row in self._inline_rows for b in row if b["text"] == text), None)

    def button_data(self, text: str) -> str | None:
        button = self.button(text)
        return button.get("callback_data") if button else None

    def has_button(self, text: str) -> bool:
        return self.button(text) is not None

    def snapshot(self) -> MessageVersion:
        return MessageVersion(self.text, self.html, list(self.entities), self.reply_markup)

    def to_json(self) -> dict[str, Any]:
        """The Message object as Telegram returns it (and embeds it in callback queries)."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None:
            data["reply_to_message"] = self.reply_to
        if self.kind == "text":
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        else:
            assert self.file is not None
            data[self.kind] = self.file.media_json()
            if self.text:
                data["caption"] = self.text
            if self.entities:
                data["caption_entities"] = self.entities
        # Telegram echoes only inline keyboards; reply keyboards stay client-side.
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities Telegram would attach to a user's text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _COMMAND.finditer(text)
    ]


class _ChatDriver:
    """Reading side shared by private chats and groups: what the bot sent to one chat."""

    def __init__(self, server: FakeTelegram, chat_id: int) -> None:
        self._server = server
        self.chat_id = chat_id
        # Separate read positions in server.events for next_message and next_event.
        self._cursors = {"message": 0, "event": 0}

    @property
    def messages(self) -> list[BotMessage]:
        return self._server.messages_in(self.chat_id)

    def _sees(self, event: Event) -> bool:
        return event.chat_id == self.chat_id and event.kind != "callback_answer"

    async def _next(
        self, stream: str, accept: Callable[[Event], bool], timeout: float, what: str
    ) -> Event:
        def find() -> Event | None:
            events = self._server.events
            for index in range(self._cursors[stream], len(events)):
                if self._sees(events[index]) and accept(events[index]):
                    self._cursors[stream] = index + 1
                    return events[index]
            # Everything scanned was not wanted; skip it for good.
            self._cursors[stream] = len(events)
            return None

        event = await self._server.changed.wait_for(find, timeout)
        if event is None:
            raise AssertionError(
                f"No {what} for chat {self.chat_id} within {timeout}s. Recent history:\n"
                + self._server.describe_chat(self.chat_id)
            )
        return event

    async def next_message(self, timeout: float = 10) -> BotMessage:
        """The next message the bot sent here that this driver has not returned yet."""
        event = await self._next(
            "message", lambda e: e.kind == "message", timeout, "new bot message"
        )
        assert event.message is not None
        return event.message

    async def next_event(
        self, timeout: float = 10, kinds: Collection[str] = _DEFAULT_EVENT_KINDS
    ) -> Event:
        """Like next_message, but also edits, deletions and callback answers (own cursor).

        Pass kinds including "chat_action" to see typing indicators too; events of other
        kinds are skipped for good.
        """
        return await self._next("event", lambda e: e.kind in kinds, timeout, "bot event")

    async def expect_no_message(self, timeout: float = 10) -> None:
        """Fail if the bot sent a message here that this driver has not returned yet.

        Asked once the bot has settled - the server's `settle` barrier, by default that every
        update was confirmed; tests/conftest.py makes it "every update handled and the outbox
        idle" - so nothing is left that could still send. `timeout` only bounds the wait for
        the barrier (reaching it is the success path, not a quiet spell). Moves no cursor.
        """
        await self._server.settle(timeout)
        events = self._server.events[self._cursors["message"] :]
        unread = [e.text for e in events if self._sees(e) and e.kind == "message"]
        if unread:
            raise AssertionError(f"Unexpected bot message in chat {self.chat_id}: {unread!r}")


class FakeUser(_ChatDriver):
    """A Telegram user; its private chat with the bot has the user's id as chat id."""

    def __init__(
        self,
        server: FakeTelegram,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        super().__init__(server, user_id)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data

    def _sees(self, event: Event) -> bool:
        if event.kind == "callback_answer":
            return event.user_id == self.id
        return super()._sees(event)

    async def send(
        self,
        text: str,
        reply_to: BotMessage | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """Send a text message to the bot; returns its message_id. `entities` are the
        formatting the app would attach (bold, links; offsets in UTF-16 code units)."""
        content: dict[str, Any] = {"text": text}
        if found := [*command_entities(text), *(entities or [])]:
            content["entities"] = found
        return self._server.inject_message(self.chat_id, self, content, reply_to)

    async def send_document(
        self,
        file_name: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> int:
        stored = self._server.store_file(content, "document", file_name, mime_type)
        return self._send_media(stored, caption)

    async def send_photo(self, content: bytes = TINY_PNG, caption: str | None = None) -> int:
        return self._send_media(self._server.store_file(content, "photo"), caption)

    async def send_sticker(self) -> int:
        stored = self._server.store_file(_STICKER_BYTES, "sticker", None, "image/webp")
        return self._send_media(stored, None)

    def _send_media(self, stored: StoredFile, caption: str | None) -> int:
        content: dict[str, Any] = {stored.kind: stored.media_json()}
        if caption:
            content["caption"] = caption
        return self._server.inject_message(self.chat_id, self, content, None)

    async def press(self, message: BotMessage, button_text: str) -> str:
        """Press an inline button by its exact text; returns the callback query id."""
        button = message.button(button_text)
        if message.deleted or button is None:
            state = "was deleted" if message.deleted else f"has buttons {message.buttons}"
            raise AssertionError(
                f"No inline button {button_text!r} in message {message.message_id} "
                f"({message.text!r}); it {state}"
            )
        if "callback_data" not in button:
            raise AssertionError(f"Button {button_text!r} sends no callback query: {button}")
        return self._server.inject_callback_query(self, message, button["callback_data"])

    async def press_and_read(
        self, message: BotMessage, button_text: str, timeout: float = 10
    ) -> str:
        """Press a button and return the message's text after the bot edited it."""
        await self.press(message, button_text)
        event = await self.next_event(timeout, kinds=("edit",))
        assert event.text is not None
        return event.text

    async def press_data(self, message: BotMessage, data: str) -> str:
        """Inject a callback query with arbitrary (forged or stale) data for `message`."""
        return self._server.inject_callback_query(self, message, data)

    async def callback_answer(self, callback_query_id: str, timeout: float = 10) -> dict[str, Any]:
        """Wait for answerCallbackQuery on that query; returns the parameters the bot sent."""
        answers = self._server.callback_answers
        answer = await self._server.changed.wait_for(
            lambda: answers.get(callback_query_id), timeout
        )
        if answer is None:
            raise AssertionError(
                f"Callback query {callback_query_id} not answered within {timeout}s. "
                "Recent history:\n" + self._server.describe_chat(self.chat_id)
            )
        return answer


class FakeGroup(_ChatDriver):
    def __init__(self, server: FakeTelegram, chat_id: int, title: str, chat_type: str) -> None:
        super().__init__(server, chat_id)
        self.id = chat_id
        self.title = title
        self.type = chat_type
        # True makes sending here answer 403 like a bot removed from the group.
        self.kicked = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "title": self.title}

    async def send(self, user: FakeUser, text: str, reply_to: BotMessage | None = None) -> int:
        """`user` writes `text` in this group; returns the message_id."""
        content: dict[str, Any] = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        return self._server.inject_message(self.id, user, content, reply_to)
