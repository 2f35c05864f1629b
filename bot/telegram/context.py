"""The callback context every handler receives: who is writing, in which language."""

from __future__ import annotations

from collections.abc import Awaitable, Generator
from contextvars import ContextVar
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.runtime import RUNTIME_KEY, Runtime
from bot.services.errors import DomainError
from bot.services.members import MemberInfo

# Who sent the update being handled, and in which language they read (set by bot.identity).
# PTB builds a fresh context for the error handlers (CallbackContext.from_error), so without
# this a refusal raised as a DomainError would reach an English member in the default language.
# Each update is handled in its own task, which holds its own copy of this variable.
_IDENTITY: ContextVar[tuple[MemberInfo | None, str] | None] = ContextVar(
    "gwbot_identity", default=None
)


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB builds one context per update and hands it to every handler group in turn, so the
    identity group (-1) fills `member` and `language` once for all later handlers."""

    def __init__(
        self, application: BotApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._member: MemberInfo | None = None
        self._language: str = self.runtime.settings.bot.default_language

    # Whoever sets these (identity, joining, /sprache) also tells the error handler.
    @property
    def member(self) -> MemberInfo | None:
        return self._member

    @member.setter
    def member(self, member: MemberInfo | None) -> None:
        self._member = member
        _IDENTITY.set((member, self._language))

    @property
    def language(self) -> str:
        return self._language

    @language.setter
    def language(self, language: str) -> None:
        self._language = language
        _IDENTITY.set((self._member, language))

    @classmethod
    def from_error(
        cls,
        update: object,
        error: Exception,
        application: BotApplication,
        job: Any = None,
        coroutine: Generator[Any, None, Any] | Awaitable[Any] | None = None,
    ) -> BotContext:
        identity = _IDENTITY.get()
        context = super().from_error(update, error, application, job, coroutine)
        if identity is not None and job is None:
            context._member, context._language = identity
        return context

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
