"""How the weekly activity digest reads, and the `digest` schedule hook that sends it."""

from __future__ import annotations

import html

from bot.i18n import LANGUAGES, Html, Translator
from bot.i18n.formatting import format_date
from bot.presentation.message_fit import fit_list, fits
from bot.services import schedules
from bot.services.activity.digest import GoalWeek, Week, digest_hook
from bot.services.outbox import Messages, OutgoingMessage
from handlers.activity.format import reach_text

# Fewer titles per goal, then fewer goals, until the digest fits one Telegram message.
TITLE_STEPS = (5, 3, 1, 0)
# What the names of a goal's organisations may fill, so that other goals still show.
ORGANISATIONS_LIMIT = 400


def goal_block(translator: Translator, language: str, goal: GoalWeek, titles: int) -> str:
    t = translator.t
    organisations = fit_list(
        [html.escape(name, quote=False) for name in goal.organisations],
        lambda count: t(language, "digest.more", count=count),
        separator=", ",
        limit=ORGANISATIONS_LIMIT,
    )
    line = t(
        language,
        "digest.summary",
        count=t(language, "digest.count", count=goal.count),
        organisations=Html(organisations),
    )
    reach = reach_text(goal.reach, language)
    if reach is not None:
        line = f"{line} · {t(language, 'digest.reach', reach=reach)}"
    lines = [t(language, "digest.goal", goal=goal.title(language)), line]
    shown = goal.entries[:titles]
    lines += [
        t(
            language,
            "digest.entry",
            title=entry.title,
            organisation=entry.organisation,
            day=format_date(entry.day, language),
        )
        for entry in shown
    ]
    if shown and goal.count > len(shown):
        lines.append(t(language, "digest.more", count=goal.count - len(shown)))
    return "\n".join(lines)


def digest_text(translator: Translator, language: str, week: Week) -> str:
    t = translator.t
    header = t(
        language,
        "digest.header",
        first=format_date(week.first, language),
        last=format_date(week.last, language),
    )
    footer = t(language, "digest.footer")
    for titles in TITLE_STEPS:
        blocks = [goal_block(translator, language, goal, titles) for goal in week.goals]
        text = "\n\n".join([header, *blocks, footer])
        if fits(text):
            return text
    # Still too long without titles: as many goals as fit, and how many more there were.
    return fit_list(
        [goal_block(translator, language, goal, 0) for goal in week.goals],
        lambda count: t(language, "digest.more_goals", count=count),
        lambda joined: "\n\n".join([header, joined, footer]),
        separator="\n\n",
    )


def digest_messages(translator: Translator, week: Week) -> Messages:
    return {
        language: OutgoingMessage(text=digest_text(translator, language, week))
        for language in LANGUAGES
    }


def digest_hooks(translator: Translator) -> dict[str, schedules.Hook]:
    """`digest` schedules send the week's activities per goal to members who want them."""
    return {"digest": digest_hook(lambda week: digest_messages(translator, week))}
