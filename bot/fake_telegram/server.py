"""A fake Telegram Bot API server over real HTTP, running in the caller's event loop.

Everything runs on one asyncio loop and state changes happen between awaits, so no locks
are needed. Every state change calls `changed.notify()`; anything waiting (long polls,
drivers, wait_idle) re-checks its own condition then, so nothing polls with sleeps.

FakeTelegram (here: lifecycle, HTTP dispatch, test-side helpers) combines the shared state
in state.py with the Bot API methods in message_methods.py, bot_methods.py and webhook.py
(which also pushes updates in webhook mode); params.py parses request parameters and the
records it keeps (ApiCall, Event, ...) live in models.py.
"""

from __future__ import annotations

import inspect
import itertools
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .bot_methods import BotMethods
from .driver import FakeGroup, FakeUser
from .faults import ApiError
from .message_methods import MessageMethods
from .models import ApiCall, Event, Notifier, UploadedFile
from .params import normalize, read_params
from .webhook import WebhookDelivery, WebhookMethods

__all__ = ["ApiCall", "Event", "FakeTelegram", "Notifier", "UploadedFile", "WebhookDelivery"]

Handler = Callable[[dict[str, Any]], Any | Awaitable[Any]]


class FakeTelegram(MessageMethods, BotMethods, WebhookMethods):
    """The server: HTTP dispatch and the test-side API; Bot API methods come from the mixins.

    `webhook_retry_delay` and `webhook_timeout` (seconds) steer webhook pushes; they are
    plain attributes too, so a test may change them on a running server.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "gwbot_test_bot",
        bot_first_name: str = "Gemeinsam-Wirken-Bot",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_retry_delay: float = 0.05,
        webhook_timeout: float = 10.0,
    ) -> None:
        super().__init__(token, bot_username, bot_first_name)
        self.host = host
        self.port = port
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.calls: list[ApiCall] = []
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {}
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        # The barrier `expect_no_message` waits for: what proves the bot has done all it is
        # going to do for now. Here, that it received every update; whoever runs a bot against
        # this server may set a stronger one (tests/conftest.py: every update handled, the
        # outbox idle). Called with the timeout that bounds the wait; raises past it.
        self.settle: Callable[[float], Awaitable[None]] = self.wait_idle
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
        # Always running: it idles until a webhook is set and updates are pending.
        self._start_webhook_delivery()

    async def stop(self) -> None:
        """Stop serving; long polls, slow faults and webhook pushes end at once. Idempotent."""
        if self._runner is None:
            return
        self._stopped = True
        self.changed.notify()
        await self._stop_webhook_delivery()
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

    def describe_chat(self, chat_id: int, last: int = 15) -> str:
        lines = self._history.get(chat_id, [])[-last:]
        return "\n".join(f"  {line}" for line in lines) or "  (nothing happened in this chat)"

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_idle(self, timeout: float = 10) -> None:
        """Wait until every queued update was confirmed and no webhook push is in flight.

        Confirmed means by a getUpdates offset or by a 2xx answer to its webhook push. The
        bot has then *received* everything; PTB confirms before its handlers finish (in
        webhook mode it answers 200 once the update is queued for its handlers).
        """
        idle = await self.changed.wait_for(
            lambda: True if not self._updates and not self._pushing else None, timeout
        )
        if idle:
            return
        ids = [update["update_id"] for update in self._updates]
        webhook = (
            f" (webhook {self.webhook_url}, last error: {self.webhook_last_error})"
            if self.webhook_url
            else ""
        )
        raise AssertionError(f"updates {ids} still unconfirmed after {timeout}s{webhook}")

    # --- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        if tail.startswith("file/bot"):
            return self._download(tail.removeprefix("file/bot"))
        match = re.fullmatch(r"bot([^/]*)/(\w+)", tail)
        if match is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        token, name = match.groups()
        payload = await self.answer(token, name, read_params(request))
        return web.json_response(payload, status=payload.get("error_code", 200))

    async def answer(self, token: str, name: str, raw: Awaitable[dict[str, Any]]) -> dict[str, Any]:
        """A Bot API call as Telegram answers it (`{"ok": ...}`), recorded in `calls`: the
        HTTP route's core, also used without HTTP by `InProcessRequest`."""
        method, handler = self._methods.get(name.lower(), (name, None))
        call = ApiCall(method, {}, time.monotonic())
        try:
            try:
                call.params = await raw
            finally:
                self.calls.append(call)
                self.changed.notify()
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            call.params = normalize(call.params)
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
        return payload

    def _download(self, tail: str) -> web.StreamResponse:
        token, _, path = tail.partition("/")
        if token != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        stored = self._files_by_path.get(path)
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.content, content_type=content_type)
