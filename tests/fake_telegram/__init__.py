"""The fake Bot API server the tests act through; it lives in bot.fake_telegram since the
playground (`gwbot playground`) runs on it too. Re-exported here so tests keep importing it
from tests.fake_telegram."""

from bot.fake_telegram import (
    SECRET_HEADER,
    SENDING_METHODS,
    TINY_PNG,
    ApiCall,
    ApiError,
    BotMessage,
    EntityParseError,
    Event,
    FakeGroup,
    FakeTelegram,
    FakeUser,
    Faults,
    InProcessRequest,
    MessageVersion,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
    parse_html,
    utf16_len,
)

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
