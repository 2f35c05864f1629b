"""The playground (`gwbot playground`, and `make run` without a bot token): the real bot on demo
data against the built-in fake Telegram, played from a web page. See bot.playground.server."""


class PortBusy(Exception):
    """The page's port is taken."""
