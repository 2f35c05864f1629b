"""Receiving updates by webhook: a small tornado server in place of PTB's.

PTB's webhook server reads a request's whole body (tornado allows 100 MB) before it looks at
the secret token, so anyone who finds the URL can make the bot read and hold that much per
request. This one decides on the headers alone: a missing or wrong secret gets 403 and a body
announced bigger than MAX_UPDATE_BYTES gets 413, both without reading the body; tornado stops
reading a body without a length (chunked) at that size too. The secret is compared in constant
time, and nothing of a request (its headers carry the secret) is logged.

Polling is unchanged and stays PTB's Updater; this only replaces `Updater.start_webhook`: it
listens, then registers the URL and the secret with setWebhook, and puts each update into the
Application's update queue like PTB does.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from telegram import Bot, Update
from telegram.ext import ExtBot
from tornado.http1connection import HTTP1Connection
from tornado.httpserver import HTTPServer

from bot.config import BotSettings
from bot.telegram.context import BotApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes: a message carries at most 4096 characters of text
# (files come as ids, not content), with entities and the replied-to message a few times that.
# 1 MiB leaves ample room and still bounds what a request can make the bot read.
MAX_UPDATE_BYTES = 2**20


@tornado.web.stream_request_body
class _UpdateReceiver(tornado.web.RequestHandler):
    """One POST from Telegram: checked on its headers, then read, parsed and queued."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Bot, queue: asyncio.Queue[object], secret: str) -> None:
        self.bot, self.queue, self.secret = bot, queue, secret
        self.body = bytearray()

    def prepare(self) -> None:
        # Runs before any of the body is read (stream_request_body).
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_UPDATE_BYTES:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        if isinstance(self.request.connection, HTTP1Connection):
            self.request.connection.set_max_body_size(MAX_UPDATE_BYTES)

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk

    async def post(self) -> None:
        try:
            update = Update.de_json(json.loads(self.body), self.bot)
        except Exception:  # whatever the JSON holds, it is not an update
            log.warning("the webhook received something that is not an update; refused")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)
        await self.queue.put(update)

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # tornado's own logging quotes the request with its headers, the secret among them.
        if isinstance(value, tornado.web.HTTPError):
            log.info("webhook request refused with %d", value.status_code)
        else:
            log.error("webhook request failed", exc_info=(typ, value, tb))  # type: ignore[arg-type]


class WebhookReceiver:
    """Listens for Telegram's POSTs at the path of `[bot] webhook_url` and registers the URL."""

    def __init__(self, application: BotApplication, settings: BotSettings) -> None:
        assert settings.webhook_url
        self.application, self.settings = application, settings
        configured = settings.webhook_secret
        # A random secret per start is enough: setWebhook hands it to Telegram each time.
        self.secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
        self.server: HTTPServer | None = None

    async def start(self) -> None:
        settings = self.settings
        assert settings.webhook_url
        path = urlsplit(settings.webhook_url).path or "/"
        handler_args: dict[str, Any] = {
            "bot": self.application.bot,
            "queue": self.application.update_queue,
            "secret": self.secret,
        }
        app = tornado.web.Application(
            [(rf"{path.rstrip('/')}/?", _UpdateReceiver, handler_args)],
            log_function=lambda handler: None,  # no access log: it would name every update
        )
        self.server = HTTPServer(app, max_body_size=MAX_UPDATE_BYTES)
        self.server.listen(settings.webhook_port, address=settings.webhook_listen)
        await self.application.bot.set_webhook(
            url=settings.webhook_url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES
        )
        log.info(
            "receiving updates by webhook on %s:%d", settings.webhook_listen, settings.webhook_port
        )

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
            self.server = None
