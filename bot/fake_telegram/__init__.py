"""A fake Telegram Bot API server plus user/group drivers: for end-to-end bot tests, and for the
playground (`gwbot playground`), where a web page plays the users.

Typical use (the bot is the production PTB Application, pointed at the fake)::

    async with FakeTelegram() as server:
        app = (
            ApplicationBuilder().token(server.token)
            .base_url(server.base_url).base_file_url(server.base_file_url).build()
        )
        ...  # initialize, updater.start_polling(poll_interval=0, timeout=1), start
        anna = server.user(first_name="Anna")
        await anna.send("/start")
        reply = await anna.next_message()
        await anna.press(reply, "Mitmachen")

Things to know:
- Drivers read server.events in the order the server answered the bot's requests. A bot
  that handles updates one at a time therefore produces a deterministic order.
- next_message and next_event keep separate cursors per driver; BotMessage objects are live
  (edits change them), Event.text keeps the text as of that event.
- "No reply" has no natural end, so expect_no_message() asks after a barrier: it awaits
  `server.settle`, then fails on any message here the driver has not returned yet. By
  default `settle` is server.wait_idle(), which only means the bot fetched and confirmed
  every update (PTB confirms before its handlers finish); set a barrier that knows the bot
  (tests/conftest.py: every update handled, the outbox idle), or send a second update whose
  reply you await (a sequential bot has then finished the first).
- Webhook mode: once the bot calls setWebhook (e.g. PTB's updater.start_webhook), the server
  POSTs each pending update to that URL, one at a time in update_id order, and retries
  after webhook_retry_delay until the receiver answers 2xx. server.webhook_deliveries
  records every attempt; see webhook.py for the details.
"""

from __future__ import annotations

from .driver import TINY_PNG, BotMessage, FakeGroup, FakeUser, MessageVersion, StoredFile
from .faults import SENDING_METHODS, ApiError, Faults
from .html_entities import EntityParseError, parse_html, utf16_len
from .in_process import InProcessRequest
from .models import ApiCall, Event, UploadedFile
from .server import FakeTelegram
from .webhook import SECRET_HEADER, WebhookDelivery

__all__ = [
    "SECRET_HEADER",
    "SENDING_METHODS",
    "TINY_PNG",
    "ApiCall",
    "ApiError",
    "BotMessage",
    "EntityParseError",
    "Event",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "Faults",
    "InProcessRequest",
    "MessageVersion",
    "StoredFile",
    "UploadedFile",
    "WebhookDelivery",
    "parse_html",
    "utf16_len",
]
