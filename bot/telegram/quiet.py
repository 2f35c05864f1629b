"""The anonymity switch (DESIGN section 6): set while an update of an anonymous flow (concerns,
pulse answers) is handled. The update processor sets it; the log filter (bot.config.logs) drops
every record, identity (bot.telegram.identity) skips the "last active" and unblocking writes, and
the commit (bot.telegram.commit) writes the update's "processed" mark alone. Infrastructure, not a
feature: the features only say which updates are theirs (bot.app `_quiet`)."""

from __future__ import annotations

from contextvars import ContextVar

QUIET: ContextVar[bool] = ContextVar("gwbot_quiet_update", default=False)
