"""How the bot names the organisations nobody could be reached in, and why (nudges,
check-ins, broadcasts to those who owe, /members)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.i18n import Html
from bot.services.roster import Unreachable

Translate = Callable[..., str]


def reason(t: Translate, code: str) -> str:
    """`no_members`, `observers_only`, `blocked` (roster.Unreached) or `no_contact`."""
    return t(f"reach.{code}")


def lines(t: Translate, unreached: Sequence[Unreachable]) -> Html:
    return Html(
        "\n".join(
            t("reach.line", organisation=u.name, reason=Html(reason(t, u.reason.value)))
            for u in unreached
        )
    )


def unreached_note(t: Translate, unreached: Sequence[Unreachable]) -> str:
    """ "⚠️ Nicht erreicht (2): ..." with a pointer to where to invite; empty when all were."""
    if not unreached:
        return ""
    return t("reach.unreached", count=len(unreached), lines=lines(t, unreached))
