"""The one list of schedule hooks: per schedule kind, the feature that sends its messages.

`gwbot run`, `gwbot worker` and the tests collect them here and hand them to the timed steps
(bot.scheduling.jobs.TimedWork); nothing registers itself at import or start-up.
"""

from __future__ import annotations

from bot.config.sections import PrivacySettings, SignalSettings
from bot.i18n import Translator
from bot.services.schedules import Hook
from handlers.activity.digest_texts import digest_hooks
from handlers.pulse.texts import pulse_hooks
from handlers.reminders.texts import reminder_hooks
from handlers.signals.texts import signals_hooks


def schedule_hooks(
    translator: Translator, privacy: PrivacySettings, signals: SignalSettings
) -> dict[str, Hook]:
    """Every kind's hook; a kind claimed by two features is a programming error."""
    hooks: dict[str, Hook] = {}
    for part in (
        reminder_hooks(translator),
        pulse_hooks(translator, privacy),
        signals_hooks(translator, signals),
        digest_hooks(translator),
    ):
        if twice := hooks.keys() & part.keys():
            raise ValueError(f"schedule kinds with two hooks: {sorted(twice)}")
        hooks |= part
    return hooks
