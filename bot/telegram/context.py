"""The callback context every handler receives: who is writing, in which language."""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.runtime import RUNTIME_KEY, Runtime
from bot.services.errors import DomainError
from bot.services.members import MemberInfo


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB builds one context per update and hands it to every handler group in turn, so the
    identity group (-1) fills `member` and `language` once for all later handlers."""

    def __init__(
        self, application: BotApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.member: MemberInfo | None = None
        self.language: str = self.runtime.settings.bot.default_language

    @property
    def runtime(self) -> Runtime:
        runtime = self.bot_data[RUNTIME_KEY]
        assert isinstance(runtime, Runtime)
        return runtime

    @property
    def known_member(self) -> MemberInfo:
        """The member behind this update, where the registration table admits members only
        (their roles are checked there). Someone who left in the meantime is told so."""
        if self.member is None:
            raise DomainError("error.not_a_member")
        return self.member

    def t(self, key: str, /, **values: Any) -> str:
        return self.runtime.translator.t(self.language, key, **values)


BotApplication: TypeAlias = Application[
    ExtBot[Any],
    BotContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    # PTB's builder does not carry the context type into its JobQueue parameter.
    JobQueue[Any],
]
