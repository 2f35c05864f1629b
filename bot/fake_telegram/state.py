"""The fake's world: chats, bot and user messages, files and the update queue.

`ServerState` holds everything the Bot API methods and the test-side drivers share, plus the
helpers that change it. Every change calls `changed.notify()` (see server.py for why).
"""

from __future__ import annotations

import itertools
import mimetypes
import struct
import time
from typing import Any

from .driver import BotMessage, FakeGroup, FakeUser, StoredFile
from .faults import ApiError, Faults
from .models import CallbackQuery, Event, Notifier

__all__ = ["ServerState", "image_size"]

# Update types Telegram only sends when listed in allowed_updates explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_FOLDERS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "sticker": ("stickers", ".webp"),
}
_FILE_ID_PREFIX = {"photo": "AgACAgIAAxkB", "document": "BQACAgIAAxkB", "sticker": "CAACAgIAAxkB"}


def image_size(content: bytes) -> tuple[int, int] | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    if content.startswith(b"GIF8") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return width, height
    if content.startswith(b"\xff\xd8") or (content[:4] == b"RIFF" and content[8:12] == b"WEBP"):
        # Real sizes would need a decoder; bots rarely look at them.
        return 800, 600
    return None


class ServerState:
    """State shared by the Bot API methods (mixins) and the test-side API of FakeTelegram."""

    def __init__(self, token: str, bot_username: str, bot_first_name: str) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.changed = Notifier()
        self.events: list[Event] = []
        # Bugs in the fake (not Telegram errors), kept for the test to assert on.
        self.internal_errors: list[Exception] = []
        self.my_commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        # Arming a fault wakes waiters, so the webhook task can act on it at once.
        self.faults = Faults(on_change=self.changed.notify)
        self.files: dict[str, StoredFile] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.webhook_url = ""
        self.allowed_updates: list[str] | None = None
        # Set by FakeTelegram.stop() so long polls and slow faults answer at once.
        self._stopped = False
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._bot_messages: dict[tuple[int, int], BotMessage] = {}
        self._chat_messages: dict[int, list[BotMessage]] = {}
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._history: dict[int, list[str]] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._callback_queries: dict[str, CallbackQuery] = {}
        self._updates: list[dict[str, Any]] = []
        # Every update ever injected, delivered or not: tests look up whose an update was.
        self.update_log: list[dict[str, Any]] = []
        # What faults.redeliver_last_batch() serves again: the last non-empty getUpdates
        # answer or the update last confirmed by a webhook push, whichever came later.
        self._last_batch: list[dict[str, Any]] = []
        self._poll_generation = 0
        self._update_ids = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._callback_ids = itertools.count(4_417_000_000_000_000_001)

    # --- test-side API: feeding the bot, reading what it sent -----------------------------

    def messages_in(self, chat_id: int) -> list[BotMessage]:
        """Live list of the messages the bot sent to that chat, oldest first."""
        return self._chat_messages.setdefault(chat_id, [])

    def known_user(self, user_id: int) -> FakeUser | None:
        """The user of that id, if one was created with user()."""
        return self._users.get(user_id)

    def user_messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        """What users wrote in that chat (Message objects as the bot got them), oldest
        first; messages the bot deleted are gone."""
        found = [m for (chat, _), m in self._user_messages.items() if chat == chat_id]
        return sorted(found, key=lambda message: int(message["message_id"]))

    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue an update (update_id is assigned) and wake long polls; returns update_id."""
        update_id = next(self._update_ids)
        body = {key: value for key, value in update.items() if key != "update_id"}
        self.update_log.append({"update_id": update_id, **body})
        kind = next(iter(body), "")
        # Telegram applies allowed_updates when the update arrives, not when it is fetched.
        allowed = (
            kind in self.allowed_updates if self.allowed_updates else kind not in _OPT_IN_UPDATES
        )
        if allowed:
            self._updates.append({"update_id": update_id, **body})
            self.changed.notify()
        return update_id

    def update_ids_of(self, user_id: int) -> set[int]:
        """The ids of every update a user caused (messages and button presses)."""
        found = set()
        for update in self.update_log:
            body: dict[str, Any] = next((v for k, v in update.items() if k != "update_id"), {})
            sender = body.get("from") or {}
            if sender.get("id") == user_id:
                found.add(update["update_id"])
        return found

    def store_file(
        self,
        content: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Keep a file so getFile and the download URL serve it."""
        number = next(self._file_numbers)
        folder, extension = _FOLDERS.get(kind, ("documents", ""))
        if kind == "document" and file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        if kind == "document" and file_name:
            # Telegram trusts the extension more than the uploader's content type.
            mime_type = mimetypes.guess_type(file_name)[0] or mime_type
        width, height = image_size(content) or (0, 0)
        stored = StoredFile(
            file_id=f"{_FILE_ID_PREFIX.get(kind, 'BQACAgIAAxkB')}{number:010d}",
            file_unique_id=f"AQAD{number:06d}",
            file_path=f"{folder}/file_{number}{extension}",
            content=content,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def inject_message(
        self,
        chat_id: int,
        sender: FakeUser,
        content: dict[str, Any],
        reply_to: BotMessage | None = None,
    ) -> int:
        """A user's message in a known chat, delivered as an update; returns its message_id."""
        if chat_id not in self._chats:
            raise ValueError(f"unknown chat {chat_id}; create it with user() or group()")
        message_id = self._next_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender.to_json(),
            "chat": self._chats[chat_id],
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(chat_id, reply_to.message_id)
        self._user_messages[(chat_id, message_id)] = message
        shown = content.get("text") or content.get("caption") or f"[{next(iter(content))}]"
        self._note(chat_id, f"{sender.first_name} (#{message_id}): {shown}")
        self.inject_update({"message": message})
        return message_id

    def inject_callback_query(self, user: FakeUser, message: BotMessage, data: str) -> str:
        query_id = str(next(self._callback_ids))
        self._callback_queries[query_id] = CallbackQuery(
            user.id, message.chat_id, message.message_id
        )
        embedded = (
            {"chat": message.chat, "message_id": message.message_id, "date": 0}
            if message.deleted
            else message.to_json()
        )
        self._note(message.chat_id, f"{user.first_name} pressed {data!r} on #{message.message_id}")
        self.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_json(),
                    "message": embedded,
                    "chat_instance": str((message.chat_id * 2_654_435_761) % 2**63),
                    "data": data,
                }
            }
        )
        return query_id

    # --- state helpers --------------------------------------------------------------------

    @property
    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _note(self, chat_id: int, line: str) -> None:
        self._history.setdefault(chat_id, []).append(line)

    def _next_message_id(self, chat_id: int) -> int:
        # Users and the bot share one counter per chat, as in Telegram.
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _event(
        self,
        kind: str,
        method: str,
        chat_id: int,
        params: dict[str, Any],
        message: BotMessage | None = None,
        text: str | None = None,
        user_id: int | None = None,
    ) -> None:
        if text is None and message is not None:
            text = message.text
        event = Event(kind, method, chat_id, time.monotonic(), message, text, params, user_id)
        self.events.append(event)
        number = f" #{message.message_id}" if message else ""
        self._note(chat_id, f"bot {kind}{number}: {text if text is not None else ''}")
        self.changed.notify()

    def _chat_for(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        user = self._users.get(chat_id)
        if user is not None and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        group = self._groups.get(chat_id)
        if group is not None and group.kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _message_json(self, chat_id: int, message_id: Any) -> dict[str, Any] | None:
        bot_message = self._bot_messages.get((chat_id, message_id))
        if bot_message is not None and not bot_message.deleted:
            found = bot_message.to_json()
        elif (chat_id, message_id) in self._user_messages:
            found = dict(self._user_messages[(chat_id, message_id)])
        else:
            return None
        # Telegram does not nest replies more than one level deep.
        found.pop("reply_to_message", None)
        return found
