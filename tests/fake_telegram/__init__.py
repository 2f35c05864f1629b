"""The fake Bot API server the tests act through; it lives in bot.fake_telegram since the
playground (`gwbot playground`) runs on it too. Re-exported here so tests keep importing it
from tests.fake_telegram."""

from bot.fake_telegram import *  # noqa: F403
from bot.fake_telegram import __all__ as __all__
