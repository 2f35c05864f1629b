"""Steps many end-to-end tests share: a member of an organisation (in the database, with the
Telegram user that acts for them), the coordinator, and running the timed schedule job now."""

from __future__ import annotations

from storage.models import Role
from tests.conftest import RunningBot
from tests.factories import add_member
from tests.fake_telegram import FakeUser


async def member(
    bot: RunningBot,
    name: str,
    role: Role = Role.PARTNER,
    organisation: str = "awo",
    organisation_name: str = "AWO Kreisverband Neustadt",
    *,
    user_id: int | None = None,
    username: str | None = None,
    language: str = "de",
) -> FakeUser:
    first, _, last = name.partition(" ")
    user = bot.fake.user(
        user_id=user_id,
        first_name=first,
        last_name=last or None,
        username=username,
        language_code=language,
    )
    await add_member(
        bot.sessions,
        user.id,
        name=name,
        role=role,
        organisation=organisation,
        organisation_name=organisation_name,
        language=language,
    )
    return user


async def coordinator(
    bot: RunningBot, name: str = "Clara Koch", role: Role = Role.COORDINATOR
) -> FakeUser:
    return await member(bot, name, role, "koordination", "Koordinierungsstelle Neustadt")


async def run_jobs(bot: RunningBot) -> None:
    jobs = bot.application.job_queue.jobs()  # type: ignore[union-attr]
    (job,) = [j for j in jobs if j.name == "run_schedules"]
    await job.run(bot.application)
