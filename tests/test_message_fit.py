"""The one mechanism that makes every message fit Telegram (bot/presentation/message_fit.py): lists
shortened at item boundaries with an exact "… and N more", texts split where every line matters,
buttons kept under Telegram's 100, HTML balanced in every piece, as Telegram parses it."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import Html
from bot.presentation.message_fit import fit_keyboard, fit_list, split_list, split_message
from bot.services.outbox import OutgoingMessage, visible_length
from tests.fake_telegram import parse_html

LIMIT = 4096
MORE = re.compile(r"… und (\d+) weitere – alle unter /melden$")

# Names as people type them: letters, umlauts, HTML's special characters, emoji (two UTF-16
# code units each), up to 200 characters.
names = st.text(alphabet=st.sampled_from("abcxyzäöüß <>&\"'😀 -"), min_size=1, max_size=200)


def telegram_text(text: str) -> str:
    """What Telegram shows of `text`; raises where it refuses its HTML."""
    return parse_html(text)[0]


def more(count: int) -> str:
    return f"… und {count} weitere – alle unter /melden"


def item(number: int, name: str) -> str:
    return f"• <b>{number}</b> {html.escape(name, quote=False)} <i>fällig</i>"


@settings(max_examples=60, deadline=None)
@given(st.lists(names, max_size=400), st.text(alphabet="ab<&", max_size=300))
def test_a_long_list_is_shortened_at_an_item_with_the_right_count(
    raw: list[str], title: str
) -> None:
    items = [item(number, name) for number, name in enumerate(raw)]

    def render(joined: Html) -> str:
        return f"⏰ <b>{html.escape(title, quote=False)}</b>\n{joined}\nAlles unter /melden"

    text = fit_list(items, more, render)
    assert visible_length(text) <= LIMIT
    OutgoingMessage(text=text)  # the outbox's last guard lets it through
    shown_text = telegram_text(text)
    body = text.split("\n", 1)[1].rsplit("\n", 1)[0]
    lines = body.split("\n") if body else []
    if lines and MORE.match(lines[-1]):
        left_out = int(MORE.match(lines[-1]).group(1))  # type: ignore[union-attr]
        lines = lines[:-1]
    else:
        left_out = 0
    # Whole items, in order, from the first; the count says exactly how many are missing.
    assert lines == items[: len(lines)]
    assert left_out == len(items) - len(lines)
    assert shown_text.startswith("⏰")
    if left_out:  # as many as fit: one more would not have
        one_more = items[: len(lines) + 1]
        rest = [more(left_out - 1)] if left_out > 1 else []
        assert visible_length(render(Html("\n".join([*one_more, *rest])))) > LIMIT


def test_a_list_that_fits_is_left_as_it_is() -> None:
    assert fit_list(["a", "b"], more, lambda joined: f"X\n{joined}") == "X\na\nb"


def test_the_limit_counts_what_telegram_shows() -> None:
    # "&amp;" is one character on the screen; an emoji is two UTF-16 code units.
    amps = ["&amp;" * 100] * 40
    assert fit_list(amps, more) == "\n".join(amps)  # 4,039 on the screen
    emoji = ["😀" * 100] * 40
    shortened = fit_list(emoji, more).split("\n")
    assert shortened == [*emoji[:20], more(20)]  # 20 x 201 + 37 of 4,096


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "<b>", "<i>", '<a href="https://x.org/?a=1&amp;b=2">']), names
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(min_value=30, max_value=600),
)
def test_split_messages_stay_whole_balanced_and_under_the_limit(
    parts: list[tuple[str, str]], limit: int
) -> None:
    # Tags may span lines and paragraphs, as in a broadcast written with formatting.
    text = ""
    for number, (tag, name) in enumerate(parts):
        body = html.escape(name, quote=False)
        closing = f"</{tag[1:].split()[0].rstrip('>')}>" if tag else ""
        separator = "\n\n" if number % 3 == 0 else "\n"
        text += f"{tag}{body}{separator}{body}{closing}{separator}"
    pieces = split_message(text, limit)
    for piece in pieces:
        assert visible_length(piece) <= limit
        telegram_text(piece)  # balanced: Telegram parses it
    shown = "".join(telegram_text(piece) for piece in pieces)
    # Nothing is lost but the white space the message was cut at.
    assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", telegram_text(text))


def test_paragraphs_stay_whole_when_they_fit() -> None:
    text = "\n\n".join(["a" * 60, "b" * 60, "c" * 60])
    assert split_message(text, 130) == ["a" * 60 + "\n\n" + "b" * 60, "c" * 60]


def test_a_long_line_is_cut_between_words_and_its_tags_reopened() -> None:
    text = "<b>" + " ".join(["wort"] * 30) + "</b>"
    pieces = split_message(text, 50)
    assert pieces[0] == "<b>" + " ".join(["wort"] * 10) + "</b>"
    assert pieces[1].startswith("<b>wort") and all(p.endswith("</b>") for p in pieces)
    assert all(visible_length(p) <= 50 for p in pieces)


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=1, max_size=200), st.integers(min_value=100, max_value=4096))
def test_split_lists_keep_every_item_whole_and_in_order(raw: list[str], limit: int) -> None:
    items = [item(number, name) for number, name in enumerate(raw)]
    messages = split_list(items, limit=limit)
    assert all(visible_length(m) <= limit for m in messages)
    for message in messages:
        telegram_text(message)
    # Every item that fits a message on its own is on one line of one message, whole, in order.
    lines = iter(line for m in messages for line in m.split("\n"))
    assert all(i in lines for i in items if visible_length(i) <= limit)
    if all(visible_length(i) <= limit for i in items):
        assert [line for m in messages for line in m.split("\n")] == items


@given(st.integers(min_value=0, max_value=300), st.integers(min_value=1, max_value=4))
def test_keyboards_keep_under_a_hundred_buttons(count: int, width: int) -> None:
    rows, left_out = fit_keyboard(list(range(count)), width=width, reserved=2)
    shown = [b for row in rows for b in row]
    assert len(shown) + 2 <= 100
    assert shown == list(range(len(shown))) and left_out == count - len(shown)
    assert all(len(row) <= width for row in rows)
