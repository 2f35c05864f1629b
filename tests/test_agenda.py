"""/agenda (/ziele) end to end: goals and indicators by level, glossary and look-up, long
agendas split under Telegram's limit, German and English."""

from __future__ import annotations

from pathlib import Path

from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from tests.conftest import RunningBot
from tests.factories import add_member
from tests.fake_telegram import FakeUser

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "initiative.example.toml"


async def set_up(bot: RunningBot, path: Path = EXAMPLE) -> None:
    async with bot.sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(path))


async def member(bot: RunningBot, language: str = "de") -> FakeUser:
    user = bot.fake.user(language_code=language)
    await add_member(bot.sessions, user.id, language=language)
    return user


async def everything_sent(user: FakeUser, command: str) -> list[str]:
    """All messages answering `command`, up to the answer to a /cancel sent after it."""
    await user.send(command)
    await user.send("/abbrechen" if user.language_code == "de" else "/cancel")
    texts = []
    while True:
        text = (await user.next_message()).text
        if "abbrechen könnten" in text or "nothing to cancel" in text:
            return texts
        texts.append(text)


async def test_the_agenda_in_german(bot: RunningBot) -> None:
    await set_up(bot)
    text = "\n\n".join(await everything_sent(await member(bot), "/ziele"))
    assert text.startswith("Bündnis Frühe Chancen Neustadt – unsere gemeinsame Agenda")
    assert "Jedes Kind in Neustadt" in text
    assert "Ziel: Frühe Bildung stärken" in text
    assert "Leistungen (Output) – was wir tun" in text
    assert "Wirkungen bei den Zielgruppen (Outcome):" in text
    assert "Wirkungen in Stadtteil und Gesellschaft (Impact):" in text
    assert (
        "• Neue Kita-Plätze: monatlich gemeldet; Ausgangswert 0 Plätze; "
        "Ziel 500 Plätze insgesamt bis 31.12.2027"
    ) in text
    assert "Glossar – unsere gemeinsame Sprache" in text
    assert "Frühe Hilfen: " in text
    # Outputs come before outcomes within a goal.
    goal = text[text.index("Ziel: Frühe Bildung") :]
    assert goal.index("(Output)") < goal.index("(Outcome)")


async def test_the_agenda_in_english(bot: RunningBot) -> None:
    await set_up(bot)
    text = "\n\n".join(await everything_sent(await member(bot, "en"), "/agenda"))
    assert "Goal: Strengthen early education" in text
    assert "• New daycare places: reported monthly; baseline 0 Plätze; " in text
    assert "target 500 Plätze in total by 31 Dec 2027" in text
    assert "Glossary – our shared language" in text
    assert "Look a term up: /agenda term" in text


async def test_a_term_is_found_whatever_the_spelling(bot: RunningBot) -> None:
    await set_up(bot)
    user = await member(bot)
    await user.send("/ziele uebergang kita-schule")
    assert (await user.next_message()).text.startswith("Übergang Kita–Schule: ")
    await user.send("/ziele WIRKUNG")
    only = (await user.next_message()).text
    assert only.startswith("Wirkung: ")
    assert "Wirkungslogik" not in only
    await user.send("/ziele fruehe hilfen")
    assert (await user.next_message()).text.startswith("Frühe Hilfen: ")


async def test_an_unknown_term_lists_the_known_ones(bot: RunningBot) -> None:
    await set_up(bot)
    user = await member(bot)
    await user.send("/ziele Quartiersmanagement")
    text = (await user.next_message()).text
    assert "„Quartiersmanagement“ finde ich nicht im Glossar" in text
    assert "Wirkung, Wirkungslogik, Kennzahl" in text


async def test_a_long_agenda_is_split_under_the_limit(bot: RunningBot, tmp_path: Path) -> None:
    terms = "".join(
        f'\n[[glossary]]\nterm = "Begriff {i:02d}"\ndefinition = {{ de = "{"Erklärung " * 30}" }}\n'
        for i in range(40)
    )
    path = tmp_path / "long.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + terms, encoding="utf-8")
    await set_up(bot, path)
    texts = await everything_sent(await member(bot), "/ziele")
    assert len(texts) >= 3
    assert all(len(text) <= 4096 for text in texts)  # the fake refuses longer ones anyway
    joined = "\n\n".join(texts)
    assert all(f"Begriff {i:02d}: " in joined for i in range(40))


async def test_before_the_initiative_is_set_up(bot: RunningBot) -> None:
    user = await member(bot)
    await user.send("/ziele")
    assert "noch nicht eingerichtet" in (await user.next_message()).text


async def test_strangers_do_not_see_the_agenda(bot: RunningBot) -> None:
    await set_up(bot)
    user = bot.fake.user(language_code="de")
    await user.send("/ziele")
    assert "Einladungslink" in (await user.next_message()).text


async def test_the_initiative_language_is_the_default_for_unknown_languages(
    bot: RunningBot, tmp_path: Path
) -> None:
    english = EXAMPLE.read_text(encoding="utf-8").replace(
        'default_language = "de"', 'default_language = "en"', 1
    )
    path = tmp_path / "english.toml"
    path.write_text(english, encoding="utf-8")
    await set_up(bot, path)
    user = bot.fake.user(language_code="fr")
    await user.send("/start")
    assert "invite link" in (await user.next_message()).text
