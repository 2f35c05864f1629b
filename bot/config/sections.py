"""The configuration's sections for the features: logging, scheduler, signals, progress, outbox and
privacy (bot/config/__init__.py holds bot and database and reads the file and environment)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.services.privacy_crypto import PrivacyKey
from bot.services.pulse.pulse import MIN_K


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "json": one JSON object per line, for log collectors (journald, Loki, ELK).
    format: Literal["text", "json"] = "text"


class SchedulerSettings(_Section):
    # How often reminders, reporting reminders and escalations are looked at; reminders are
    # minute-precise at most.
    interval_seconds: int = Field(default=30, ge=5, le=3600)


class SignalSettings(_Section):
    # Reports this many days past their due day (and not reported) raise a signal.
    overdue_days: int = Field(default=14, ge=1)
    # No member of an organisation active in chat for this many weeks raises a signal.
    silent_weeks: int = Field(default=4, ge=1)
    # How long "later" (snooze) hides a signal.
    snooze_days: int = Field(default=14, ge=1)
    # On-time rate: over the last so many due periods, fallen by at least this share.
    on_time_periods: int = Field(default=3, ge=2)
    on_time_drop: float = Field(default=0.3, gt=0, le=1)
    # Confirmed broadcasts and answered meeting reminders: windows of so many weeks, the share
    # fallen by at least this much.
    engagement_weeks: int = Field(default=6, ge=1)
    engagement_drop: float = Field(default=0.3, gt=0, le=1)
    # An organisation that logged activities regularly and none for so many weeks.
    activity_quiet_weeks: int = Field(default=4, ge=1)
    # A pulse question's mean (1-5) fallen by at least this much against the survey before.
    pulse_drop: float = Field(default=0.5, gt=0, le=4)
    # Concerns of one category in the last so many days, at least `concern_factor` times
    # those of the days before (and never fewer than three).
    concern_window_days: int = Field(default=28, ge=7)
    concern_factor: float = Field(default=2.0, gt=1)


class ProgressSettings(_Section):
    # The initiative's current figure (/fortschritt, /ziele) stands at the latest period in
    # which at least this share of the organisations expected to report did so.
    min_reported_share: float = Field(default=0.5, gt=0, le=1)


class OutboxSettings(_Section):
    # Messages per second overall, under Telegram's ~30/s, and per private chat.
    rate: float = Field(default=28.0, gt=0, le=1000)
    per_chat_seconds: float = Field(default=1.0, ge=0, le=60)
    in_flight: int = Field(default=16, ge=1, le=256)
    max_attempts: int = Field(default=5, ge=1, le=50)
    # How long a claimed delivery belongs to its process; after a crash it is sent again then.
    lease_seconds: int = Field(default=300, ge=1, le=86_400)
    # How long a process keeps the turn to send without renewing it (processes send in turns
    # to share Telegram's limits); after a crash another one sends from then on.
    turn_seconds: int = Field(default=10, ge=1, le=3600)


class PrivacySettings(_Section):
    key: SecretStr | None = None
    # Pulse results need answers of at least this many people (at least 3).
    pulse_k: int = 5
    # A pulse survey takes answers for this many days.
    pulse_days: int = Field(default=7, ge=1, le=60)
    retention_days: int = Field(default=180, ge=1)
    # Coordinators hear of new concerns and messages once per batch, never at the second.
    concern_batch_minutes: int = Field(default=60, ge=5, le=24 * 60)
    concern_escalate_hours: int = Field(default=24, ge=1)
    concern_daily_limit: int = Field(default=3, ge=1)
    controller: str = ""
    contact: str = ""

    @field_validator("pulse_k")
    @classmethod
    def _enough_people(cls, value: int) -> int:
        if value < MIN_K:
            raise ValueError(
                f"must be at least {MIN_K}: with fewer answers, those who answered could work"
                " out each other's answers from the results"
            )
        return value

    @field_validator("key")
    @classmethod
    def _usable_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                PrivacyKey.from_text(value.get_secret_value())
            except ValueError:
                # Never echo the value: it is a secret even when it is a wrong one.
                raise ValueError(
                    "not a key made by `gwbot privacy init` (44 characters of URL-safe base64)"
                ) from None
        return value

    def privacy_key(self) -> PrivacyKey | None:
        return None if self.key is None else PrivacyKey.from_text(self.key.get_secret_value())
