"""What broadcasts look like to recipients and to their author, in every language."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES, Html, Translator
from bot.i18n.formatting import format_date
from bot.services.broadcast.broadcasts import Render, Status, queue_reports
from bot.services.outbox import TAG, Button, OutgoingMessage
from handlers.broadcast.callbacks import Acknowledge, ShowStatus, ShowUnconfirmed

EXCERPT_LENGTH = 60


def ack_data(broadcast_id: int) -> str:
    return Acknowledge(broadcast_id).pack()


def unconfirmed_data(broadcast_id: int) -> str:
    return ShowUnconfirmed(broadcast_id).pack()


def status_data(broadcast_id: int) -> str:
    return ShowStatus(broadcast_id).pack()


def body(translator: Translator, language: str, organisation: str, text: str, ask_ack: bool) -> str:
    """The broadcast as a recipient reads it: who sends it, the text as written, the hint."""
    parts = [translator.t(language, "broadcast.header", organisation=organisation), text]
    if ask_ack:
        parts.append(translator.t(language, "broadcast.ack_hint"))
    return "\n\n".join(parts)


def recipient_messages(
    translator: Translator, organisation: str, text: str, ask_ack: bool
) -> Render:
    def render(broadcast_id: int) -> dict[str, OutgoingMessage]:
        messages = {}
        for language in LANGUAGES:
            buttons = []
            if ask_ack:
                label = translator.t(language, "broadcast.button.ack")
                buttons = [[Button(text=label, data=ack_data(broadcast_id))]]
            messages[language] = OutgoingMessage(
                text=body(translator, language, organisation, text, ask_ack), buttons=buttons
            )
        return messages

    return render


def excerpt(text: str) -> str:
    """The start of a broadcast as plain text (HTML-escaped again), to recognise it by."""
    plain = " ".join(html.unescape(TAG.sub("", text)).split())
    short = plain if len(plain) <= EXCERPT_LENGTH else plain[: EXCERPT_LENGTH - 1] + "…"
    return html.escape(short, quote=False)


def status_text(translator: Translator, language: str, status: Status, key: str) -> str:
    lines = [
        translator.t(
            language,
            key,
            date=format_date(status.created_on, language),
            excerpt=Html(excerpt(status.text)),
            sent=status.sent,
            blocked=status.blocked,
            failed=status.failed,
            recipients=status.recipients,
        )
    ]
    if status.pending:
        lines.append(translator.t(language, "broadcast.pending", count=status.pending))
    if status.ask_ack:
        lines.append(
            translator.t(
                language, "broadcast.acknowledged_count", count=status.acknowledged, of=status.sent
            )
        )
    return "\n".join(lines)


def report_messages(translator: Translator, status: Status) -> dict[str, OutgoingMessage]:
    messages = {}
    for language in LANGUAGES:
        buttons = []
        if status.ask_ack:
            label = translator.t(language, "broadcast.button.unconfirmed")
            buttons = [[Button(text=label, data=unconfirmed_data(status.id))]]
        text = status_text(translator, language, status, "broadcast.report")
        messages[language] = OutgoingMessage(text=text, buttons=buttons)
    return messages


class DeliveryReports:
    """A dispatcher round hook: tells authors when their broadcast is done."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    async def __call__(self, session: AsyncSession, now: datetime) -> int:
        return await queue_reports(session, now, self._render)

    def _render(self, status: Status) -> Mapping[str, OutgoingMessage]:
        return report_messages(self.translator, status)
