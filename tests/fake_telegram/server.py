"""A fake Telegram Bot API server over real HTTP, running in the caller's event loop.

Everything runs on one asyncio loop and state changes happen between awaits, so no locks
are needed. Every state change calls `changed.notify()`; anything waiting (long polls,
drivers, wait_idle) re-checks its own condition then, so nothing polls with sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import mimetypes
import re
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from .driver import BotMessage, FakeGroup, FakeUser, MessageVersion, StoredFile
from .faults import ApiError, Faults
from .html_entities import format_text

__all__ = ["ApiCall", "Event", "FakeTelegram", "Notifier", "UploadedFile"]

T = TypeVar("T")
Handler = Callable[[dict[str, Any]], Any | Awaitable[Any]]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# PTB sends these as JSON strings inside form fields; everything else stays a string
# unless it is a numeric id/counter or a boolean flag.
_JSON_FIELDS = _words(
    "reply_markup entities caption_entities commands scope allowed_updates"
    " link_preview_options reply_parameters"
)
_INT_FIELDS = _words(
    "chat_id message_id offset limit timeout user_id cache_time from_chat_id"
    " message_thread_id max_connections reply_to_message_id"
)
_BOOL_FIELDS = _words(
    "show_alert drop_pending_updates disable_notification protect_content has_spoiler"
    " allow_sending_without_reply disable_web_page_preview disable_content_type_detection"
)
# Update types Telegram only sends when listed in allowed_updates explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = _words(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document"
    " choose_sticker find_location record_video_note upload_video_note"
)
_BUTTON_ACTIONS = _words(
    "callback_data url login_url web_app switch_inline_query switch_inline_query_current_chat"
    " switch_inline_query_chosen_chat copy_text callback_game pay"
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})
_SCOPES = _CHAT_SCOPES | {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_FOLDERS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "sticker": ("stickers", ".webp"),
}
_FILE_ID_PREFIX = {"photo": "AgACAgIAAxkB", "document": "BQACAgIAAxkB", "sticker": "CAACAgIAAxkB"}
_MAX_DOWNLOAD = 20 * 2**20


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float
    response: dict[str, Any] | None = None


@dataclass
class Event:
    """Something the bot did that a user could see; `text` is the message text at that time."""

    kind: str  # "message" | "edit" | "delete" | "callback_answer" | "chat_action"
    method: str
    chat_id: int
    at: float
    message: BotMessage | None = None
    text: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None


@dataclass
class UploadedFile:
    field_name: str
    file_name: str | None
    content_type: str | None
    content: bytes = field(repr=False)


@dataclass
class _CallbackQuery:
    user_id: int
    chat_id: int
    message_id: int


class Notifier:
    """Wakes all waiters on any change; each waiter re-checks its own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float) -> T | None:
        """The first non-None result of `probe`, or None once `timeout` seconds passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (result := probe()) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)
        return result


def _image_size(content: bytes) -> tuple[int, int] | None:
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


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class FakeTelegram:
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "gwbot_test_bot",
        bot_first_name: str = "Gemeinsam-Wirken-Bot",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.host = host
        self.port = port
        self.calls: list[ApiCall] = []
        self.events: list[Event] = []
        self.my_commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.faults = Faults()
        self.files: dict[str, StoredFile] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.internal_errors: list[Exception] = []
        self.webhook_url = ""
        self.allowed_updates: list[str] | None = None
        self.changed = Notifier()
        self._runner: web.AppRunner | None = None
        self._stopped = False
        self._methods: dict[str, tuple[str, Handler]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._bot_messages: dict[tuple[int, int], BotMessage] = {}
        self._chat_messages: dict[int, list[BotMessage]] = {}
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._history: dict[int, list[str]] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._updates: list[dict[str, Any]] = []
        self._last_batch: list[dict[str, Any]] = []
        self._poll_generation = 0
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._callback_ids = itertools.count(4_417_000_000_000_000_001)
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": lambda params: True,
            "close": lambda params: True,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": lambda params: self._send_media(params, "photo", "sendPhoto"),
            "sendDocument": lambda params: self._send_media(params, "document", "sendDocument"),
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getFile": self._get_file,
        }
        for name, handler in handlers.items():
            self.add_method(name, handler)

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already running")
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Handlers finish promptly once stop() wakes them, so a short grace period suffices.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._stopped = False

    async def stop(self) -> None:
        """Stop serving; pending long polls and slow faults answer at once. Idempotent."""
        if self._runner is None:
            return
        self._stopped = True
        self.changed.notify()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def add_method(self, name: str, handler: Handler) -> None:
        """Serve (or override) a Bot API method; `handler(params)` returns the result value."""
        self._methods[name.lower()] = (name, handler)

    # --- test-side API --------------------------------------------------------------------

    def user(
        self,
        user_id: int | None = None,
        first_name: str = "Anna",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "de",
    ) -> FakeUser:
        if user_id is None:
            user_id = next(i for i in self._user_ids if i not in self._chats)
        if user_id in self._chats:
            raise ValueError(f"chat {user_id} already exists")
        user = FakeUser(self, user_id, first_name, last_name, username, language_code)
        self._users[user_id] = user
        chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        chat.update({k: v for k, v in (("last_name", last_name), ("username", username)) if v})
        self._chats[user_id] = chat
        return user

    def group(self, title: str = "Steuerungsgruppe", chat_type: str = "group") -> FakeGroup:
        if chat_type not in ("group", "supergroup"):
            raise ValueError(f"chat_type must be 'group' or 'supergroup', not {chat_type!r}")
        number = next(self._group_ids)
        # Shaped like real ids: basic groups -4xxxxxxxxx, supergroups -100xxxxxxxxxx.
        chat_id = (
            -(1_000_000_000_000 + number)
            if chat_type == "supergroup"
            else -(4_000_000_000 + number)
        )
        group = FakeGroup(self, int(chat_id), title, chat_type)
        self._groups[group.id] = group
        self._chats[group.id] = group.to_json()
        return group

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 10) -> ApiCall:
        """Wait until `method` was received `count` times; returns that call."""

        def probe() -> ApiCall | None:
            calls = self.calls_to(method)
            return calls[count - 1] if len(calls) >= count else None

        call = await self.changed.wait_for(probe, timeout)
        if call is None:
            raise AssertionError(f"{method} not called {count} time(s) within {timeout}s")
        return call

    def messages_in(self, chat_id: int) -> list[BotMessage]:
        """Live list of the messages the bot sent to that chat, oldest first."""
        return self._chat_messages.setdefault(chat_id, [])

    def describe_chat(self, chat_id: int, last: int = 15) -> str:
        lines = self._history.get(chat_id, [])[-last:]
        return "\n".join(f"  {line}" for line in lines) or "  (nothing happened in this chat)"

    def commands_for(
        self, scope_type: str = "default", language_code: str = "", chat_id: int | None = None
    ) -> list[tuple[str, str]]:
        """Commands stored for exactly this scope and language (no fallback)."""
        scope: dict[str, Any] = {"type": scope_type}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        stored = self.my_commands.get((_canonical(scope), language_code), [])
        return [(c["command"], c["description"]) for c in stored]

    def effective_commands(self, chat_id: int, language_code: str = "") -> list[tuple[str, str]]:
        """The menu a (non-admin) user sees in that chat, resolved the way Telegram does."""
        chat_type = self._chats[chat_id]["type"]
        wide = "all_private_chats" if chat_type == "private" else "all_group_chats"
        chat_scope = _canonical({"chat_id": chat_id, "type": "chat"})
        for scope in (chat_scope, _canonical({"type": wide}), _canonical({"type": "default"})):
            for language in dict.fromkeys((language_code, "")):
                if (scope, language) in self.my_commands:
                    stored = self.my_commands[(scope, language)]
                    return [(c["command"], c["description"]) for c in stored]
        return []

    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue an update (update_id is assigned) and wake long polls; returns update_id."""
        update_id = next(self._update_ids)
        body = {key: value for key, value in update.items() if key != "update_id"}
        kind = next(iter(body), "")
        # Telegram applies allowed_updates when the update arrives, not when it is fetched.
        allowed = (
            kind in self.allowed_updates if self.allowed_updates else kind not in _OPT_IN_UPDATES
        )
        if allowed:
            self._updates.append({"update_id": update_id, **body})
            self.changed.notify()
        return update_id

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_idle(self, timeout: float = 10) -> None:
        """Wait until every queued update was confirmed by a getUpdates offset.

        The bot has then *fetched* everything; PTB confirms before its handlers finish.
        """
        if await self.changed.wait_for(lambda: True if not self._updates else None, timeout):
            return
        ids = [update["update_id"] for update in self._updates]
        raise AssertionError(f"updates {ids} still unconfirmed after {timeout}s")

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
        width, height = _image_size(content) or (0, 0)
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
        self._callback_queries[query_id] = _CallbackQuery(
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

    # --- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        if tail.startswith("file/bot"):
            return self._download(tail.removeprefix("file/bot"))
        match = re.fullmatch(r"bot([^/]*)/(\w+)", tail)
        if match is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        token, name = match.groups()
        method, handler = self._methods.get(name.lower(), (name, None))
        call = ApiCall(method, {}, time.monotonic())
        try:
            try:
                call.params = await self._read_params(request)
            finally:
                self.calls.append(call)
                self.changed.notify()
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            call.params = self._normalize(call.params)
            if delay := self.faults.delay_for(method):
                await self.changed.wait_for(lambda: True if self._stopped else None, delay)
            if (fault := self.faults.check(method, call.params)) is not None:
                raise fault
            result = handler(call.params)
            if inspect.isawaitable(result):
                result = await result
            payload: dict[str, Any] = {"ok": True, "result": result}
        except ApiError as error:
            payload = error.to_json()
            if isinstance(chat_id := call.params.get("chat_id"), int):
                self._note(chat_id, f"bot {method} FAILED {error.status}: {error.description}")
        except Exception as error:
            # A bug in the fake must not look like a Telegram answer; keep it for the test.
            self.internal_errors.append(error)
            payload = ApiError(500, f"Internal Server Error: fake crashed: {error!r}").to_json()
        call.response = payload
        self.changed.notify()
        return web.json_response(payload, status=payload.get("error_code", 200))

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object in request body")
            params.update(body)
            return params
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                params[key] = UploadedFile(key, value.filename, value.content_type, content)
            else:
                params[key] = value
        return params

    @staticmethod
    def _normalize(raw: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str):
                if value.startswith("attach://") and value[9:] in raw:
                    value = raw[value[9:]]
                elif key in _JSON_FIELDS:
                    try:
                        value = json.loads(value)
                    except ValueError:
                        raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
                elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
                    value = int(value)
                elif key in _BOOL_FIELDS:
                    value = value.lower() in ("true", "1")
            params[key] = value
        return params

    def _download(self, tail: str) -> web.StreamResponse:
        token, _, path = tail.partition("/")
        if token != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        stored = self._files_by_path.get(path)
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.content, content_type=content_type)

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

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"]}
        if not isinstance(reply, dict):
            return None
        found = self._message_json(chat_id, reply.get("message_id"))
        lenient = reply.get("allow_sending_without_reply") or params.get(
            "allow_sending_without_reply"
        )
        if found is None and not lenient:
            raise ApiError(400, "Bad Request: message to be replied not found")
        return found

    @staticmethod
    def _markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, "Bad Request: can't parse inline keyboard markup JSON object")
        for button in (button for row in rows for button in row):
            prefix = "Bad Request: can't parse inline keyboard button: "
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, prefix + 'Field "text" must be of type String')
            if not _BUTTON_ACTIONS & button.keys():
                raise ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if "callback_data" in button and not (
                isinstance(data, str) and 1 <= len(data.encode()) <= 64
            ):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if "url" in button and not re.match(r"(https?|tg)://\S", str(url)):
                raise ApiError(
                    400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong URL"
                )
        # An empty inline keyboard is no keyboard, also for "message is not modified".
        return markup if any(rows) else None

    def _new_message(
        self,
        method: str,
        params: dict[str, Any],
        chat: dict[str, Any],
        kind: str,
        file: StoredFile | None,
        *,
        text_field: str,
        entities_field: str,
    ) -> dict[str, Any]:
        text, html, entities = format_text(
            params.get(text_field),
            params.get("parse_mode"),
            params.get(entities_field),
            caption=kind != "text",
        )
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat["id"], params)
        message = BotMessage(
            message_id=self._next_message_id(chat["id"]),
            chat_id=chat["id"],
            kind=kind,
            text=text,
            html=html,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
            sender=self._bot_user,
            chat=chat,
            file=file,
            reply_to=reply_to,
        )
        self._bot_messages[(chat["id"], message.message_id)] = message
        self.messages_in(chat["id"]).append(message)
        self._event("message", method, chat["id"], params, message)
        return message.to_json()

    def _input_file(self, value: Any, kind: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            if kind == "photo" and _image_size(value.content) is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            if kind != "document":
                # Telegram keeps no name or type for photos; it re-encodes them.
                return self.store_file(value.content, kind)
            return self.store_file(value.content, kind, value.file_name, value.content_type)
        if isinstance(value, str) and value in self.files:
            stored = self.files[value]
            if stored.kind != kind:
                raise ApiError(
                    400,
                    f"Bad Request: can't use file of type {stored.kind.title()} as {kind.title()}",
                )
            return stored
        if not value:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _editable(self, params: dict[str, Any]) -> BotMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._chat_for(params)
        key = (chat["id"], params.get("message_id"))
        message = self._bot_messages.get(key)  # type: ignore[arg-type]
        if message is not None and not message.deleted:
            return message
        if key in self._user_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        raise ApiError(400, "Bad Request: message to edit not found")

    def _apply_edit(
        self,
        method: str,
        params: dict[str, Any],
        message: BotMessage,
        version: MessageVersion,
        parse_mode: str | None,
    ) -> dict[str, Any]:
        if version == message.snapshot():
            raise ApiError(400, _NOT_MODIFIED)
        message.edits.append(message.snapshot())
        message.text, message.html = version.text, version.html
        message.entities, message.reply_markup = version.entities, version.reply_markup
        message.parse_mode = parse_mode
        message.edit_date = int(time.time())
        self._event("edit", method, message.chat_id, params, message)
        return message.to_json()

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if scope["type"] in _CHAT_SCOPES and scope.get("chat_id") not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise ApiError(400, "Bad Request: LANG_CODE_INVALID")
        return _canonical(scope), str(language)

    # --- Bot API methods ------------------------------------------------------------------

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and offset != 0:
            # A negative offset keeps only the last -offset updates.
            before = len(self._updates)
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if len(self._updates) != before:
                self.changed.notify()
        limit = params.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        try:
            timeout = max(float(params.get("timeout", 0)), 0.0)
        except (TypeError, ValueError):
            timeout = 0.0
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or []) or None
        # Like Telegram, a newer getUpdates ends an older one that is still waiting (409).
        self._poll_generation += 1
        generation = self._poll_generation
        self.changed.notify()
        replay = list(self._last_batch) if self.faults.take_redelivery() else []

        def answerable() -> bool | None:
            superseded = generation != self._poll_generation
            return True if self._updates or self._stopped or superseded else None

        if not replay:
            await self.changed.wait_for(answerable, timeout)
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        replayed = {update["update_id"] for update in replay}
        fresh = [u for u in self._updates if u["update_id"] not in replayed]
        batch = sorted(replay + fresh, key=lambda update: int(update["update_id"]))[:limit]
        if batch:
            self._last_batch = batch
        return batch

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self.changed.notify()
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return self._delete_webhook({**params, "url": None}) if not self.webhook_url else True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        return info

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for(params)
        return self._new_message(
            "sendMessage", params, chat, "text", None, text_field="text", entities_field="entities"
        )

    def _send_media(self, params: dict[str, Any], kind: str, method: str) -> dict[str, Any]:
        chat = self._chat_for(params)
        stored = self._input_file(params.get(kind), kind)
        return self._new_message(
            method,
            params,
            chat,
            kind,
            stored,
            text_field="caption",
            entities_field="caption_entities",
        )

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, html, entities = format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        version = MessageVersion(text, html, entities, self._markup(params.get("reply_markup")))
        return self._apply_edit(
            "editMessageText", params, message, version, params.get("parse_mode")
        )

    def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        text, html, entities = format_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        version = MessageVersion(text, html, entities, self._markup(params.get("reply_markup")))
        return self._apply_edit(
            "editMessageCaption", params, message, version, params.get("parse_mode")
        )

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        version = message.snapshot()
        version.reply_markup = self._markup(params.get("reply_markup"))
        return self._apply_edit(
            "editMessageReplyMarkup", params, message, version, message.parse_mode
        )

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for(params)
        key = (chat["id"], params.get("message_id"))
        message = self._bot_messages.get(key)  # type: ignore[arg-type]
        if message is not None and not message.deleted:
            message.deleted = True
            self._event("delete", "deleteMessage", chat["id"], params, message)
        elif self._user_messages.pop(key, None) is not None:  # type: ignore[arg-type]
            self._event("delete", "deleteMessage", chat["id"], params, text="(user message)")
        else:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        query = self._callback_queries.get(query_id)
        if query is None or query_id in self.callback_answers:
            raise ApiError(400, _QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        self._event(
            "callback_answer",
            "answerCallbackQuery",
            query.chat_id,
            params,
            text=str(text or ""),
            user_id=query.user_id,
        )
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._event("chat_action", "sendChatAction", chat["id"], params, text=str(action))
        return True

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params)
        if commands:
            self.my_commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.my_commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return list(self.my_commands.get(self._scope_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.my_commands.pop(self._scope_key(params), None)
        return True

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > _MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {**stored.base_json(), "file_path": stored.file_path}
