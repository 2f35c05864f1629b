"""How a logged activity reads: the summary before saving and the "also active here" hints."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from bot.i18n import Html
from bot.i18n.formatting import format_date
from bot.presentation.message_fit import fit_list
from bot.services.activity.activities import Choices, Hint, NewActivity
from handlers.activity.format import reach_text

Translate = Callable[..., str]
# What the partners' names may fill of the summary, beside a description of 1,000 characters.
PARTNERS_LIMIT = 1500


def summary_text(t: Translate, new: NewActivity, choices: Choices, language: str) -> str:
    goals = {code: (en if language == "en" else de) for code, de, en in choices.goals}
    partners = dict(choices.partners)
    none = t("activity.none")
    named = fit_list(
        [html.escape(partners.get(c, c), quote=False) for c in new.partner_codes],
        lambda count: t("activity.more_partners", count=count),
        separator=", ",
        limit=PARTNERS_LIMIT,
    )
    return t(
        "activity.summary",
        title=new.title,
        day=format_date(new.activity_date, language),
        goal=goals.get(new.goal_code, new.goal_code),
        group=new.target_group or none,
        district=new.district or none,
        reach=reach_text(new.reach, language) or none,
        partners=Html(named) if named else none,
        description=new.description or none,
    )


def hints_text(t: Translate, hints: Sequence[Hint]) -> str:
    lines = []
    for hint in hints:
        where = [
            t(key)
            for flag, key in (
                (hint.goal, "activity.hint.goal"),
                (hint.target_group, "activity.hint.group"),
                (hint.district, "activity.hint.district"),
            )
            if flag
        ]
        lines.append(
            t("activity.hint.line", organisation=hint.organisation, where=", ".join(where))
        )
    return t("activity.hints") + "\n" + "\n".join(lines)
