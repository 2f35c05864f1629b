"""How a logged activity reads: the summary before saving and the "also active here" hints."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.activity_format import reach_text
from bot.formatting import format_date
from bot.services.activities import Choices, Hint, NewActivity

Translate = Callable[..., str]


def summary_text(t: Translate, new: NewActivity, choices: Choices, language: str) -> str:
    goals = {code: (en if language == "en" else de) for code, de, en in choices.goals}
    partners = dict(choices.partners)
    none = t("activity.none")
    return t(
        "activity.summary",
        title=new.title,
        day=format_date(new.activity_date, language),
        goal=goals.get(new.goal_code, new.goal_code),
        group=new.target_group or none,
        district=new.district or none,
        reach=reach_text(new.reach, language) or none,
        partners=", ".join(partners.get(c, c) for c in new.partner_codes) or none,
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
