"""Settings: `config.toml` (optional) overridden by `GWBOT_<SECTION>__<KEY>` variables.

Every problem becomes one `ConfigError` naming the file or variable and the key; the CLI turns
it into a message and exit code 2, never a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config.sections import (
    LoggingSettings,
    OutboxSettings,
    PrivacySettings,
    ProgressSettings,
    SchedulerSettings,
    SignalSettings,
    _Section,
)
from storage.engine import SqliteSynchronous, make_engine

ENV_PREFIX = "GWBOT_"
# Left to the test suite (e.g. GWBOT_TEST_DATABASE_URL); never read as settings.
TEST_ENV_PREFIX = "GWBOT_TEST_"
DEFAULT_CONFIG_FILE = Path("config.toml")

Language = Literal["de", "en"]
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
URL_EXAMPLES = "sqlite+aiosqlite:///gwbot.db, postgresql+asyncpg://user:password@host:5432/db"


class ConfigError(Exception):
    """A configuration problem, worded for the person who has to fix it."""


class BotSettings(_Section):
    token: SecretStr | None = None
    username: str | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str | None = None
    default_language: Language = "de"
    # A small pool was faster than PTB's default of 256 under bursts (DESIGN section 8).
    connection_pool_size: int = Field(default=16, ge=1, le=512)
    polling_timeout: int = Field(default=10, ge=0, le=60)
    # Seconds to wait for an answer of the Bot API before retrying.
    request_timeout: float = Field(default=10.0, gt=0, le=120)
    # Updates handled at once (each user's own updates always one after the other).
    max_concurrent_updates: int = Field(default=16, ge=1, le=1024)
    # A conversation nobody answered for this long ends; the user is told on their next message.
    conversation_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Webhook mode instead of polling when webhook_url is set (the public HTTPS address
    # Telegram posts to); the bot listens on webhook_listen:webhook_port.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Telegram sends it with every update; requests without it are refused. A random one is
    # made at each start when empty.
    webhook_secret: SecretStr | None = Field(default=None)

    @model_validator(mode="after")
    def _derive_file_url(self) -> BotSettings:
        if self.api_file_url is None:
            base = self.api_base_url.rstrip("/")
            if not base.endswith("/bot"):
                raise ValueError(
                    "api_file_url must be set too when api_base_url does not end in '/bot'"
                )
            self.api_file_url = base[: -len("/bot")] + "/file/bot"
        return self

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("use 1-256 characters A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def token_value(self) -> str | None:
        if self.token is None or not self.token.get_secret_value().strip():
            return None
        return self.token.get_secret_value().strip()


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///gwbot.db"
    # Several initiatives can share one PostgreSQL database, each in its own schema.
    schema_name: str | None = Field(default=None, alias="schema", pattern=r"^[a-z_][a-z0-9_]*$")
    # SQLite's PRAGMA synchronous. FULL: a confirmed value survives a power loss. NORMAL flushes
    # to disk less often, and in WAL mode may lose the last commits on a power loss (not on a
    # crash of the process).
    sqlite_synchronous: SqliteSynchronous = "FULL"

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("sqlite_synchronous", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"not a database URL; examples: {URL_EXAMPLES}") from None
        backend = url.get_backend_name()
        if backend not in ASYNC_DRIVERS:
            raise ValueError(f"only SQLite and PostgreSQL are supported; examples: {URL_EXAMPLES}")
        # "postgresql://..." names no driver: use the async one we ship rather than fail.
        if "+" not in url.drivername:
            url = url.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}")
        elif url.get_driver_name() != ASYNC_DRIVERS[backend]:
            raise ValueError(f"use the driver {backend}+{ASYNC_DRIVERS[backend]}")
        return url.render_as_string(hide_password=False)

    @model_validator(mode="after")
    def _schema_needs_postgres(self) -> DatabaseSettings:
        if self.schema_name and not self.is_postgresql:
            raise ValueError("schema can only be used with a PostgreSQL url")
        return self

    def engine(self) -> AsyncEngine:
        """An engine for this database, with the settings above."""
        return make_engine(
            self.url, schema=self.schema_name, sqlite_synchronous=self.sqlite_synchronous
        )

    @property
    def is_postgresql(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def safe_url(self) -> str:
        """The URL for messages: the password masked."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def password(self) -> str | None:
        return make_url(self.url).password


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="forbid",
    )

    bot: BotSettings = BotSettings()
    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    outbox: OutboxSettings = OutboxSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    privacy: PrivacySettings = PrivacySettings()
    signals: SignalSettings = SignalSettings()
    progress: ProgressSettings = ProgressSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's content arrives as init arguments; the environment must win over it.
        return (env_settings, init_settings)


def load_settings(config_file: Path | None = None) -> Settings:
    """Read the optional TOML file and the environment; raise ConfigError on any problem."""
    environ = os.environ
    path, data = _read_file(config_file)
    _check_environment(environ)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, environ)) from None


def _read_file(config_file: Path | None) -> tuple[Path | None, dict[str, Any]]:
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"{config_file}: the configuration file does not exist")
    path = config_file or (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None)
    if path is None:
        return None, {}
    try:
        with path.open("rb") as fh:
            return path, tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None


def known_variables() -> list[str]:
    names = []
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type)
        assert issubclass(model, BaseModel)
        for key, sub in model.model_fields.items():
            names.append(f"{ENV_PREFIX}{section}__{sub.alias or key}".upper())
    return names


def _check_environment(environ: Mapping[str, str]) -> None:
    # pydantic-settings silently ignores variables it does not know; a misspelt override
    # would then be lost without a word.
    known = known_variables()
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.startswith(TEST_ENV_PREFIX):
            continue
        if upper not in known:
            hint = difflib.get_close_matches(upper, known, n=1)
            suggestion = f"; did you mean {hint[0]}?" if hint else ""
            raise ConfigError(
                f"environment variable {name}: unknown setting{suggestion} "
                f"(known: {', '.join(known)})"
            )


def _describe(exc: ValidationError, path: Path | None, environ: Mapping[str, str]) -> str:
    lines = []
    env_upper = {name.upper() for name in environ}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        section, key = [*loc, "", ""][:2]
        variable = f"{ENV_PREFIX}{section}__{key}".upper()
        where: str
        if key and variable in env_upper:
            where = f"environment variable {variable}"
        elif key:
            where = f"{path or 'configuration'}: [{section}] {key}"
        else:
            # A rule across several keys of the section: name the variables that took part.
            prefix = f"{ENV_PREFIX}{section}__".upper()
            involved = sorted(name for name in env_upper if name.startswith(prefix))
            where = f"{path or 'configuration'}: [{section}]"
            if involved:
                where += f" (with {', '.join(involved)} from the environment)"
        if error["type"] == "extra_forbidden":
            message = ("unknown key" if key else "unknown section") + _suggest(section, key)
        else:
            message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "\n".join(lines)


def _suggest(section: str, key: str) -> str:
    if not key:
        options = list(Settings.model_fields)
        hint = difflib.get_close_matches(section, options, n=1)
    else:
        field = Settings.model_fields.get(section)
        model = field.annotation if field else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
        options = [sub.alias or name for name, sub in model.model_fields.items()]
        hint = difflib.get_close_matches(key, options, n=1)
    return f"; did you mean '{hint[0]}'?" if hint else ""
