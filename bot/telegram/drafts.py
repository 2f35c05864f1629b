"""Drafts of multi-step conversations: one small pydantic model per flow, kept in user_data.

user_data is persisted as JSON (bot.telegram.persistence) and so survives a restart; a draft
is stored there as its model's JSON dump under the model's key, which is the conversation's
name, so the conversation guards drop it when the conversation ends
(bot.telegram.conversations). What is read back is validated: a draft from an older version
or a forged row that does not fit its model raises StaleDraft, which the conversation answers
like an expired one, and a step outside a conversation like a stale button.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from bot.services.errors import DomainError
from bot.telegram.context import BotContext


class Draft(BaseModel):
    """The base of every flow's draft: fields typed and defaulted, so a missing draft reads
    as the flow's start."""

    key: ClassVar[str]


D = TypeVar("D", bound=Draft)


class StaleDraft(DomainError):
    """A stored draft that does not validate: treated like none, never as our fault."""

    def __init__(self) -> None:
        super().__init__("error.stale_button")


def read_draft(context: BotContext, model: type[D]) -> D:
    """The stored draft of `model`, or its defaults if there is none."""
    assert context.user_data is not None
    stored = context.user_data.get(model.key)
    if stored is None:
        return model()
    try:
        return model.model_validate(stored)
    except ValidationError:
        raise StaleDraft from None


def write_draft(context: BotContext, draft: Draft) -> None:
    assert context.user_data is not None
    context.user_data[draft.key] = draft.model_dump(mode="json")


def drop_draft(context: BotContext, model: type[Draft]) -> None:
    if context.user_data is not None:
        context.user_data.pop(model.key, None)
