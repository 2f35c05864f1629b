"""The playground in a real browser (issue 25): headless Chromium on the page of a running
playground, as a person would use it. One playground and one browser for the module; the
steps build on each other (the outsider joins before others meet them), so they are one test,
each step a function of its own that names what it checks. The screenshots of the user guide
are taken here, so they never go stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.playground_browser import IMAGES, WAIT, chromium, running_playground

pytestmark = pytest.mark.timeout(300)


class Page:
    """The playground page in the browser, in the words of what a person does."""

    def __init__(self, driver: Any, address: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.by = driver, By
        self.wait = WebDriverWait(driver, WAIT)
        driver.get(address)
        self.until(lambda: len(self.all(".person")) == 6, "the six demo people")

    def all(self, selector: str) -> list[Any]:
        return list(self.driver.find_elements(self.by.CSS_SELECTOR, selector))

    def until(self, condition: Callable[[], Any], what: str) -> Any:
        try:
            return self.wait.until(lambda _driver: condition())
        except Exception as error:
            shown = "\n---\n".join(m.text for m in self.all(".msg")[-4:])
            raise AssertionError(f"waited in vain for {what}; last messages:\n{shown}") from error

    def be(self, name: str) -> None:
        """Switch to the demo person whose button shows `name`."""
        from selenium.common.exceptions import StaleElementReferenceException

        def chosen() -> bool:
            try:  # the buttons are drawn anew with each change (unread counts)
                button = next(b for b in self.all(".person") if name in b.text)
                if button.get_attribute("aria-pressed") == "true":
                    return True
                button.click()
            except StaleElementReferenceException:
                pass
            return False

        self.until(chosen, f"{name} chosen")
        self.until(lambda: self.all("#messages .msg") or self.shown("#invite, #empty"), "chat")

    def shown(self, selector: str) -> bool:
        return any(e.is_displayed() for e in self.all(selector))

    def messages(self) -> list[Any]:
        return self.all("#messages .msg")

    def count(self) -> int:
        return len(self.messages())

    def say(self, text: str) -> None:
        box = self.driver.find_element(self.by.ID, "text")
        box.send_keys(text)
        self.driver.find_element(self.by.ID, "send").click()

    def reply_after(self, before: int, containing: str = "", *, kind: str = "bot") -> Any:
        """The first message after the first `before` from the bot that contains the text."""

        def found() -> Any:
            for message in self.messages()[before:]:
                if kind in message.get_attribute("class") and containing in message.text:
                    return message
            return None

        return self.until(found, f"a message with {containing!r}")

    def last_with(self, containing: str) -> Any:
        return self.until(
            lambda: next((m for m in reversed(self.messages()) if containing in m.text), None),
            f"a message with {containing!r}",
        )

    def press(self, message: Any, label: str, *, starting: bool = False) -> None:
        """Press the inline button `label` (or the first starting with it) under a message."""
        from selenium.common.exceptions import StaleElementReferenceException

        def pressed() -> bool:
            try:
                for b in message.find_elements(self.by.CSS_SELECTOR, ".keyboard button"):
                    if b.text == label or (starting and b.text.startswith(label)):
                        b.click()
                        return True
            except StaleElementReferenceException:  # edited while we looked: look again
                pass
            return False

        self.until(pressed, f"a button {label!r}")

    def text_of(self, message_id: str) -> str:
        element = self.driver.find_element(self.by.CSS_SELECTOR, f'.msg[data-id="{message_id}"]')
        return str(element.text)

    def step(self, which: str) -> None:
        """Move the clock on, and wait until the page says the move is done."""
        body = self.driver.find_element(self.by.TAG_NAME, "body")
        moves = body.get_attribute("data-moves") or "0"
        self.driver.find_element(self.by.CSS_SELECTOR, f'.step[data-step="{which}"]').click()
        self.until(lambda: (body.get_attribute("data-moves") or "0") != moves, "the clock moved")

    def shot(self, name: str) -> None:
        IMAGES.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(IMAGES / f"{name}.png"))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    directory = tmp_path_factory.mktemp("playground")
    with chromium() as driver, running_playground(directory) as running:
        yield Page(driver, running.address)


def the_page_shows_the_demo_people_and_the_clock(page: Page) -> None:
    names = [b.text for b in page.all(".person")]
    assert any("Partner*in" in n for n in names) and any("Beobachter*in" in n for n in names)
    assert any("Neu, mit Einladungslink" in n for n in names)
    assert "16.03.2026" in page.driver.find_element(page.by.ID, "clock").text
    page.be("Katarzyna Becker")
    page.until(page.messages, "what the bot sent her in the last days")
    page.shot("01-spielwiese")


def the_outsider_joins_with_the_invite(page: Page) -> None:
    page.be("Lea Neumann")
    assert page.shown("#invite")
    page.shot("02-einladung")
    page.driver.find_element(page.by.ID, "invite-open").click()
    notice = page.reply_after(0, "Willkommen")
    page.press(notice, "✅ Einverstanden")
    page.until(lambda: "Sprache" in notice.text, "the language question")
    page.press(notice, "Deutsch")
    page.press(notice, "„Lea Neumann“ übernehmen")
    done = page.last_with("Fertig, Lea Neumann")
    assert "/melden" in done.text
    page.until(lambda: not page.shown("#invite"), "the invite banner gone")
    page.shot("03-beigetreten")


def a_partner_reports_a_value_and_sees_the_chart(page: Page) -> None:
    page.be("Katarzyna Becker")
    before = page.count()
    page.say("/melden")
    listing = page.reply_after(before, "Was möchten Sie melden?")
    page.shot("04-melden")
    first = listing.find_elements(page.by.CSS_SELECTOR, ".keyboard button")[0]
    first.click()
    question = page.reply_after(before, "Ihr Wert?")
    before = page.count()
    page.say("23")
    asked = page.reply_after(before, "")
    if "Anmerkung" in asked.text:
        page.press(asked, "Ohne Anmerkung")
    page.until(lambda: "Bitte prüfen" in asked.text or "✅" in asked.text, "the summary")
    page.press(asked, "✅", starting=True)
    page.until(lambda: "Gespeichert" in asked.text, "saved")
    assert "23" in asked.text and question is not None
    page.shot("05-gespeichert")
    before = page.count()
    page.say("/fortschritt")
    menu = page.reply_after(before, "")
    page.press(menu, "Teilnahmen", starting=True)
    chart = page.until(
        lambda: next(
            (m for m in page.messages()[before:] if m.find_elements(page.by.TAG_NAME, "img")), None
        ),
        "the progress chart",
    )
    image = chart.find_element(page.by.TAG_NAME, "img")
    page.until(lambda: image.get_property("naturalWidth") == 1200, "the chart loaded")
    page.driver.execute_script("arguments[0].scrollIntoView()", image)
    page.shot("06-fortschritt")


BROADCAST = "Die Steuerungsrunde trifft sich am Donnerstag im Familienzentrum."


def a_coordinator_broadcasts_and_a_partner_receives_it(page: Page) -> None:
    page.be("Katarzyna Vogel")
    before = page.count()
    page.say("/rundruf")
    question = page.reply_after(before, "An wen soll der Rundruf gehen?")
    page.press(question, "Alle Mitglieder")
    page.until(lambda: "Schreiben Sie jetzt den Text" in question.text, "the text question")
    before = page.count()
    page.say(BROADCAST)
    ack = page.reply_after(before, "")
    page.press(ack, "Nein")
    confirm = page.last_with("Jetzt senden?")
    page.shot("07-rundruf")
    page.press(confirm, "✅ Senden")
    page.until(lambda: "geht jetzt an" in confirm.text, "sent")
    page.be("Mira Çelik")
    received = page.last_with(BROADCAST)
    assert "Rundruf" in received.text
    page.shot("08-rundruf-empfangen")


CONCERN = "Die Raumplanung für die Elterncafés wird ohne uns gemacht."
ANSWER = "Danke für den Hinweis. Wir laden Sie zur nächsten Raumplanung ein."


def an_anonymous_concern_is_answered_by_the_coordinator(page: Page) -> None:
    page.be("Mira Çelik")
    before = page.count()
    page.say("/anliegen")
    intro = page.reply_after(before, "Hier können Sie ein Anliegen")
    page.shot("09-anliegen")
    page.press(intro, "Anonym schreiben")
    page.press(intro, "Kommunikation")
    page.press(intro, "Kann warten")
    page.until(lambda: "Klient*innen" in intro.text, "the text question")
    before = page.count()
    page.say(CONCERN)
    summary = page.reply_after(before, "Bitte prüfen")
    page.press(summary, "✅ Absenden")
    page.until(lambda: "Ihr Code" in summary.text, "the receipt")
    page.press(summary, "Ja, hier benachrichtigen")
    page.shot("10-anliegen-code")
    ticket = summary.text.split("#", 1)[1].split()[0].strip(".,:;)")
    page.step("hour")  # the concern's batch ends; the office hears of it
    page.be("Katarzyna Vogel")
    page.last_with("Neues bei den Anliegen")
    before = page.count()
    page.say("/anliegenliste")
    listing = page.reply_after(before, "")
    button = page.until(
        lambda: next(
            (
                b
                for b in listing.find_elements(page.by.CSS_SELECTOR, ".keyboard button")
                if ticket in b.text
            ),
            None,
        ),
        f"the button of #{ticket}",
    )
    button.click()
    page.until(lambda: CONCERN in listing.text, "the concern's thread")
    assert "Mira" not in listing.text  # anonymous: no name, no organisation
    page.shot("11-anliegen-koordination")
    page.press(listing, "↩️ Antworten")
    page.last_with("Ihre Antwort zu #")
    before = page.count()
    page.say(ANSWER)
    preview = page.reply_after(before, "So geht Ihre Antwort")
    page.press(preview, "✅ Senden")
    page.be("Mira Çelik")
    page.last_with(ANSWER)
    page.shot("12-anliegen-antwort")


def moving_the_clock_brings_a_reminder(page: Page) -> None:
    page.be("Katarzyna Becker")
    before = page.count()
    page.step("week")  # to Monday, 23 March, 11:30
    page.step("day")  # Tuesday, 24 March: the fortnightly steering meeting
    reminder = page.reply_after(before, "Heute um 10 Uhr ist Steuerungsrunde")
    page.press(reminder, "✅ Ich komme")
    page.shot("13-erinnerung")


STEPS = (
    the_page_shows_the_demo_people_and_the_clock,
    the_outsider_joins_with_the_invite,
    a_partner_reports_a_value_and_sees_the_chart,
    a_coordinator_broadcasts_and_a_partner_receives_it,
    an_anonymous_concern_is_answered_by_the_coordinator,
    moving_the_clock_brings_a_reminder,
)


def test_the_playground_in_a_browser(page: Page) -> None:
    """Each step as a person does it; a failing step is named with what it waited for."""
    for step in STEPS:
        try:
            step(page)
        except AssertionError as error:
            raise AssertionError(f"{step.__name__.replace('_', ' ')}: {error}") from error
