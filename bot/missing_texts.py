"""How /missing and the nudges it sends read."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.formatting import format_number
from bot.i18n import LANGUAGES, Translator
from bot.report_texts import open_report_button, period_label
from bot.services.completeness import Completeness, Item
from bot.services.outbox import OutgoingMessage

Translate = Callable[..., str]
# A nudge offers at most this many items as buttons; the rest are named in the text.
NUDGE_BUTTONS = 5


def overview(t: Translate, found: Completeness, language: str) -> str:
    expected = len(found.items)
    percent = found.percent
    lines = [
        t(
            "missing.summary",
            period=period_label(found.period, language),
            reported=found.reported,
            expected=expected,
            percent=format_number(percent, language),
            on_time=found.on_time,
        )
    ]
    if found.closed:
        lines.append(t("missing.closed_note"))
    groups = found.missing_by_organisation
    if not groups:
        lines.append(t("missing.complete"))
        return "\n".join(lines)
    lines.append(t("missing.lacking"))
    for organisation, items in groups.items():
        names = ", ".join(item.name(language) for item in items)
        lines.append(t("missing.line", organisation=organisation, items=names))
    return "\n".join(lines)


def nudge_messages(
    translator: Translator, period: str
) -> Callable[[Sequence[Item]], dict[str, OutgoingMessage]]:
    def render(items: Sequence[Item]) -> dict[str, OutgoingMessage]:
        messages = {}
        for language in LANGUAGES:
            lines = "\n".join(
                translator.t(language, "nudge.item", name=item.name(language)) for item in items
            )
            text = translator.t(
                language,
                "nudge.text",
                period=period_label(period, language),
                organisation=items[0].organisation_name,
                items=lines,
            )
            buttons = [
                [open_report_button(item.name(language), item.obligation_id)]
                for item in items[:NUDGE_BUTTONS]
            ]
            messages[language] = OutgoingMessage(text=text, buttons=buttons)
        return messages

    return render
