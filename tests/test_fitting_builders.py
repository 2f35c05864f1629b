"""Every text and keyboard builder with the inputs of a real initiative, and worse: hundreds of
organisations, dozens of overdue periods, names of 200-300 characters full of HTML's special
characters and emoji. Whatever comes in, what goes out is what Telegram takes (at most 4,096
visible characters, balanced HTML, at most 100 buttons with at most 64 bytes of data), items are
never cut in the middle, and "… und N weitere" counts exactly what was left out."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.i18n.formatting import format_date
from bot.services.activity.activities import Choices, NewActivity
from bot.services.activity.digest import Entry, GoalWeek, Week
from bot.services.broadcast.broadcasts import MAX_TEXT_LENGTH, Status
from bot.services.concern.concerns import TEXT_LIMIT, Thread, ThreadMessage
from bot.services.concern.desk import DeskView, Summary
from bot.services.concern.jobs import Batch
from bot.services.imports import Problem
from bot.services.initiative_file import CODE_LENGTH
from bot.services.missing.completeness import Completeness
from bot.services.missing.completeness import Item as CompletenessItem
from bot.services.outbox import OutgoingMessage, visible_length
from bot.services.report.reminders import Item
from bot.services.report.value_files import OrganisationCount, Preview
from bot.services.roster import OrganisationChoice, RosterEntry
from bot.services.signals.signals import OpenSignal
from handlers.activity import keyboards as activity_keyboards
from handlers.activity.digest_texts import digest_messages
from handlers.activity.texts import summary_text as activity_summary
from handlers.broadcast import keyboards as broadcast_keyboards
from handlers.broadcast.texts import recipient_messages, report_messages
from handlers.concern.texts import concern_texts, desk_thread, reporter_notice, reporter_thread
from handlers.members import keyboards
from handlers.missing import keyboards as missing_keyboards
from handlers.missing.texts import nudge_messages, overview
from handlers.report import keyboards as report_keyboards
from handlers.report import value_file_texts
from handlers.report.reminder_texts import ReportingTexts
from handlers.report.texts import period_label
from handlers.signals.texts import SUMMARY_LINES, summary_text
from tests.fake_telegram import parse_html
from tests.test_signals import SAMPLES

TRANSLATOR = Translator("de")
LIMIT = 4096
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# What people type into names: umlauts, HTML's special characters, emoji (two UTF-16 units).
ALPHABET = "aeiouäöüßAZ <>&\"'-·😀"


def names(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALPHABET, min_size=1, max_size=max_size).map(str.strip).filter(bool)


PERIODS = [f"2026-W{week:02d}" for week in range(1, 53)] + [f"2026-{m:02d}" for m in range(1, 13)]
DUE = date(2026, 3, 2)


def shown(text: str) -> list[str]:
    """The lines Telegram shows; fails where Telegram would refuse the message."""
    assert visible_length(text) <= LIMIT, visible_length(text)
    OutgoingMessage(text=text)
    plain = parse_html(text)[0]
    assert plain.strip()
    return plain.split("\n")


def counted(lines: list[str], expected: Sequence[str], more: str) -> None:
    """Whole expected lines, in order from the first, then "… N more" with the exact rest;
    no line is a piece of an item."""
    pattern = re.compile(more)
    items = [line for line in lines if line in set(expected)]
    assert items == list(expected[: len(items)])
    rest = [int(m.group(1)) for line in lines if (m := pattern.fullmatch(line))]
    if len(items) < len(expected):
        assert rest == [len(expected) - len(items)], (rest, len(items), len(expected))
    else:
        assert rest == []
    whole = set(expected)
    cut = [
        line
        for line in lines
        if line not in whole
        and any(e.startswith(line) and e != line for e in expected)
        and len(line) > 3
    ]
    assert not cut, cut


def buttons_fit(markup: InlineKeyboardMarkup) -> int:
    pressed = [button for row in markup.inline_keyboard for button in row]
    assert len(pressed) <= 100
    for button in pressed:
        assert button.callback_data is not None
        assert 1 <= len(str(button.callback_data).encode()) <= 64
    return len(pressed)


@st.composite
def open_items(draw: st.DrawFn, organisations: int) -> list[Item]:
    # Two organisations of one name get a line each; the test tells lines apart by name.
    orgs = draw(st.lists(names(200), min_size=1, max_size=organisations, unique=True))
    indicators = draw(st.lists(names(300), min_size=1, max_size=4))
    periods = draw(st.integers(min_value=1, max_value=60))
    return [
        Item(len(orgs) * p + o, o, org, name, name, PERIODS[p], DUE + timedelta(days=p), 0)
        for p in range(periods)
        for o, org in enumerate(orgs)
        for name in indicators
    ]


@SETTINGS
@given(open_items(organisations=1))
def test_a_partners_reminder_fits_with_every_item_it_shows_whole(items: list[Item]) -> None:
    message = ReportingTexts(TRANSLATOR).items(items)["de"]
    expected = [
        f"• {i.name_de} · {period_label(i.period, 'de')} · fällig {format_date(i.due_day, 'de')}"
        for i in items
    ]
    lines = shown(message.text)
    assert lines[0] == f"⏰ Erinnerung: Für {items[0].organisation_name} ist noch offen:"
    counted(lines, expected, r"… und (\d+) weitere – alle unter /melden")
    assert len(message.buttons) <= 5


@SETTINGS
@given(open_items(organisations=300))
def test_the_overdue_summary_fits_with_every_organisation_counted(items: list[Item]) -> None:
    text = ReportingTexts(TRANSLATOR).escalation(items, 7)["de"].text
    lines = shown(text)
    organisations = list(dict.fromkeys(i.organisation_name for i in items))
    listed = [line for line in lines if any(line.startswith(f"{o}: ") for o in organisations)]
    more = [
        m for line in lines if (m := re.fullmatch(r"… und (\d+) weitere Organisation(?:en)?", line))
    ]
    assert len(listed) + (int(more[0].group(1)) if more else 0) == len(organisations)
    for line in listed:
        organisation = next(o for o in organisations if line.startswith(f"{o}: "))
        entries = [
            f"{i.name_de} ({period_label(i.period, 'de')})"
            for i in items
            if i.organisation_name == organisation
        ]
        named = line.removeprefix(f"{organisation}: ")
        rest = re.search(r", … und (\d+) weitere$", named) or re.fullmatch(
            r"… und (\d+) weitere", named
        )
        if rest is None:
            assert named == ", ".join(entries)
        else:  # the entries shown are the first ones, whole; the count is the rest
            shown_entries = entries[: len(entries) - int(rest.group(1))]
            assert named[: rest.start()] == ", ".join(shown_entries)


def completeness_items(items: list[Item]) -> list[CompletenessItem]:
    due = datetime(2026, 3, 2, tzinfo=UTC)
    return [
        CompletenessItem(
            i.obligation_id,
            i.organisation_id,
            i.organisation_name,
            "x",
            i.name_de,
            i.name_en,
            due,
            False,
            None,
        )
        for i in items
    ]


@SETTINGS
@given(open_items(organisations=1))
def test_a_nudge_fits(items: list[Item]) -> None:
    owed = completeness_items(items)
    message = nudge_messages(TRANSLATOR, "2026-W05")(owed)["de"]
    counted(
        shown(message.text),
        [f"• {i.name_de}" for i in owed],
        r"… und (\d+) weitere – alle unter /melden",
    )


@SETTINGS
@given(open_items(organisations=300), st.booleans())
def test_the_missing_overview_fits_with_every_organisation_counted(
    items: list[Item], closed: bool
) -> None:
    found = Completeness("2026-W05", completeness_items(items), closed)
    lines = shown(overview(partial(TRANSLATOR.t, "de"), found, "de"))
    owing = list(found.missing_by_organisation)
    listed = [line for line in lines if any(line.startswith(f"• {o}: ") for o in owing)]
    more = re.compile(r"… und (\d+) weitere Organisation(?:en)? – alle mit „📄 Als Datei“")
    rest = [int(m.group(1)) for line in lines if (m := more.fullmatch(line))]
    assert len(listed) + sum(rest) == len(owing)


@st.composite
def open_signals(draw: st.DrawFn) -> list[OpenSignal]:
    count = draw(st.integers(min_value=1, max_value=300))
    organisation = draw(names(200))
    return [
        OpenSignal(n, "any", reason, organisation if org else None, date(2026, 11, 1), v, b, d)
        for n in range(count)
        for reason, org, v, b, d in [SAMPLES[n % len(SAMPLES)]]
    ]


@SETTINGS
@given(open_signals())
def test_the_signals_summary_fits(found: list[OpenSignal]) -> None:
    lines = shown(summary_text(partial(TRANSLATOR.t, "de"), found, "de"))
    many = f"{len(found):,} offene Frühwarnsignale".replace(",", ".")
    head = "1 offenes Frühwarnsignal" if len(found) == 1 else many
    assert lines[0] == f"🔔 Wochenüberblick: {head}"
    listed = [line for line in lines if line.startswith("• ")]
    rest = [
        int(m.group(1))
        for line in lines
        if (m := re.fullmatch(r"… und (\d+) weitere – alle unter /signale", line))
    ]
    assert len(listed) <= SUMMARY_LINES
    assert len(listed) + sum(rest) == len(found)


TICKETS = st.text(alphabet="ABCDEFGHJKMNPQRSTVWXYZ0123456789", min_size=8, max_size=8)


@st.composite
def summaries(draw: st.DrawFn) -> list[Summary]:
    tickets = draw(st.lists(TICKETS, min_size=1, max_size=500, unique=True))
    return [
        Summary(ticket, "communication", "high", "new", date(2026, 3, 1), True)
        for ticket in tickets
    ]


@SETTINGS
@given(summaries(), st.dictionaries(TICKETS, st.integers(min_value=1, max_value=99), max_size=300))
def test_concern_batches_and_escalations_fit(
    found: list[Summary], messages: dict[str, int]
) -> None:
    texts = concern_texts(TRANSLATOR)
    expected = [f"🔴 Neues Anliegen #{s.ticket} · Kommunikation · Dringend" for s in found]
    expected += [f"✉️ {n} neue Nachricht{'en' * (n != 1)} zu #{t}" for t, n in messages.items()]
    more = r"… und (\d+) weitere – alle unter /anliegenliste"
    counted(shown(texts.batch(Batch(found, messages))["de"].text), expected, more)
    counted(shown(texts.escalation(found, 48)["de"].text), expected[: len(found)], more)


@st.composite
def threads(draw: st.DrawFn) -> Thread:
    texts = draw(
        st.lists(
            st.text(alphabet=ALPHABET + "\n", min_size=1, max_size=TEXT_LIMIT).filter(str.strip),
            min_size=1,
            max_size=12,
        )
    )
    return Thread(
        "K7QM2XRD",
        "roles",
        "high",
        "new",
        draw(st.booleans()),
        date(2026, 3, 1),
        [
            ThreadMessage("reporter" if n % 2 == 0 else "coordination", text, date(2026, 3, 1))
            for n, text in enumerate(texts)
        ],
    )


@SETTINGS
@given(threads(), names(128), names(200))
def test_a_concern_thread_is_split_and_every_message_kept_whole(
    thread: Thread, name: str, organisation: str
) -> None:
    t = partial(TRANSLATOR.t, "de")
    view = DeskView(thread, name, organisation, reachable=False)
    for parts, heading in (
        (reporter_thread(t, thread, "de"), "🔒 Anliegen #K7QM2XRD"),
        (desk_thread(t, view, "de"), "#K7QM2XRD"),
    ):
        plain = [parse_html(part)[0] for part in parts if shown(part)]
        assert plain[0].startswith(heading)
        # Every message, in order, each whole in one part (none is longer than a message).
        position = 0
        joined = "\n\n".join(plain)
        for message in thread.messages:
            assert any(message.text in part for part in plain)
            position = joined.index(message.text, position) + len(message.text)
    notice = reporter_notice(
        TRANSLATOR, "concern.notice.reply", "K7QM2XRD", text=thread.messages[-1].text
    )
    shown(notice.messages["de"].text)


@st.composite
def weeks(draw: st.DrawFn) -> Week:
    organisations = tuple(draw(st.lists(names(200), min_size=1, max_size=300)))
    goals = draw(st.integers(min_value=1, max_value=100))
    title = draw(names(300))
    return Week(
        date(2026, 3, 2),
        date(2026, 3, 8),
        tuple(
            GoalWeek(
                n,
                f"{n} {title}",
                f"{n} {title}",
                50,
                organisations,
                1000,
                tuple(Entry(title[:120], organisations[0], date(2026, 3, 3)) for _ in range(5)),
            )
            for n in range(goals)
        ),
    )


@SETTINGS
@given(weeks())
def test_the_digest_fits(week: Week) -> None:
    lines = shown(digest_messages(TRANSLATOR, week)["de"].text)
    goals = [line for line in lines if any(line == g.title_de for g in week.goals)]
    rest = [
        int(m.group(1))
        for line in lines
        if (m := re.fullmatch(r"… und (\d+) weitere(?:s Ziel| Ziele)", line))
    ]
    assert len(goals) + sum(rest) == len(week.goals)
    assert lines[-1] == "Sie möchten den Wochenrückblick nicht mehr? /einstellungen"


@SETTINGS
@given(names(200), st.text(alphabet=ALPHABET + "\n", min_size=1, max_size=MAX_TEXT_LENGTH))
def test_a_broadcast_and_its_report_fit(organisation: str, text: str) -> None:
    escaped = html.escape(text, quote=False)
    if visible_length(escaped) > MAX_TEXT_LENGTH or not text.strip():
        return  # refused when it is written
    shown(recipient_messages(TRANSLATOR, organisation, escaped, True)(1)["de"].text)
    status = Status(
        id=1,
        created_on=date(2026, 3, 1),
        text=escaped,
        ask_ack=True,
        author_id=1,
        recipients=500,
        sent=480,
        failed=10,
        blocked=10,
        pending=0,
        acknowledged=300,
    )
    shown(report_messages(TRANSLATOR, status)["de"].text)


@SETTINGS
@given(
    st.lists(
        st.tuples(names(64).map(lambda n: re.sub(r"[^a-z0-9-]", "", n.lower()) or "x"), names(200)),
        min_size=1,
        max_size=300,
    )
)
def test_an_activity_summary_with_many_partners_fits(partners: list[tuple[str, str]]) -> None:
    choices = Choices(
        goals=[("ziel", "Ziel" * 75, "Goal")], target_groups=[], districts=[], partners=partners
    )
    new = NewActivity(
        title="T" * 120,
        activity_date=date(2026, 3, 1),
        goal_code="ziel",
        target_group="G" * 100,
        district="D" * 100,
        reach=1000,
        partner_codes=tuple(code for code, _ in partners),
        description="&" * 1000,
    )
    shown(activity_summary(partial(TRANSLATOR.t, "de"), new, choices, "de"))


def code(number: int) -> str:
    """The longest code an initiative file may give: it still fits in button data."""
    return f"{number}-".ljust(CODE_LENGTH, "x")


@SETTINGS
@given(st.lists(names(200), min_size=1, max_size=400))
def test_keyboards_of_organisations_and_members_keep_under_a_hundred_buttons(
    labels: list[str],
) -> None:
    t = partial(TRANSLATOR.t, "de")
    choices = [
        OrganisationChoice(id=n + 2_000_000_000 - 400, code="x", name=label)
        for n, label in enumerate(labels)
    ]
    entries = [
        RosterEntry(
            id=2_000_000_000 - n,
            telegram_id=n,
            name=label,
            organisation_code="org-" + "x" * 50,
            organisation_name=label,
            role="partner",
            reporting_contact=False,
            language="de",
        )
        for n, label in enumerate(labels)
    ]
    built: list[tuple[InlineKeyboardMarkup, int, int]] = [
        (*keyboards.organisations(choices), 0),
        (*keyboards.roster(entries), 0),
        (*broadcast_keyboards.organisations(t, choices, {choices[0].id}), 2),
        (*report_keyboards.organisations(t, choices), 1),
        (
            *activity_keyboards.goals(
                t, [(code(n), label, label) for n, label in enumerate(labels)], "de"
            ),
            1,
        ),
        (
            *activity_keyboards.partners(
                t, [(code(n), label) for n, label in enumerate(labels)], [code(0)]
            ),
            2,
        ),
        (
            *missing_keyboards.extension_organisations("2026-W05", {c.id: c.name for c in choices}),
            0,
        ),
    ]
    for markup, left_out, fixed in built:
        assert buttons_fit(markup) - fixed + left_out == len(labels)


@SETTINGS
@given(
    st.lists(names(200), min_size=0, max_size=400, unique=True),
    st.lists(names(300), min_size=0, max_size=300),
    names(255),
)
def test_a_file_of_values_is_summed_up_in_one_message(
    organisations: list[str], details: list[str], file_name: str
) -> None:
    """Hundreds of organisations, thousands of periods, problems with long cell texts."""
    t = partial(TRANSLATOR.t, "de")
    counts = [OrganisationCount(name, 5000 - n, n) for n, name in enumerate(organisations)]
    periods = sorted(
        {f"{year}-{m:02d}" for year in range(1990, 2026) for m in range(1, 13)}
        | {f"{year}-W{w:02d}" for year in range(2000, 2026) for w in range(1, 53)}
    )
    preview = Preview("0" * 64, 5000, 4000, 1000, counts, periods)
    lines = shown(value_file_texts.summary(t, preview, file_name, "de"))
    expected = [shown(value_file_texts.organisation_line(t, c, "de"))[0] for c in counts]
    counted(lines, expected, r"… und (\d+) weitere Organisation(?:en)?")
    problems = [
        Problem(n + 2, "value", "bad_value", "", detail, "above_max", (0, 500))
        if n % 2
        else Problem(n + 2, "indicator", "unknown_indicator", detail)
        for n, detail in enumerate(details * 20)
    ]
    with_problems = Preview("0" * 64, 5000, 0, 0, problems=problems)
    lines = shown(value_file_texts.problems(t, with_problems, file_name, "de"))
    expected = [shown(value_file_texts.problem(t, p, "de"))[0] for p in problems]
    counted(lines, expected, r"… und (\d+) weitere(?:s Problem| Probleme)\. .*")
