"""Configuration: file, environment overrides, and one clear message for every problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli.main import main
from bot.config import ConfigError, load_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return str(info.value)


def test_no_file_gives_the_documented_defaults() -> None:
    settings = load_settings()
    assert settings.bot.token_value is None
    assert settings.bot.api_base_url == "https://api.telegram.org/bot"
    assert settings.bot.api_file_url == "https://api.telegram.org/file/bot"
    assert settings.bot.default_language == "de"
    assert settings.database.url == "sqlite+aiosqlite:///gwbot.db"


def test_config_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", '[bot]\ntoken = "1:abc"\ndefault_language = "en"\n')
    settings = load_settings()
    assert settings.bot.token_value == "1:abc"
    assert settings.bot.default_language == "en"


def test_environment_overrides_the_file_key_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "my.toml", '[bot]\ntoken = "1:file"\ndefault_language = "en"\n')
    monkeypatch.setenv("GWBOT_BOT__TOKEN", "2:env")
    monkeypatch.setenv("GWBOT_DATABASE__URL", "sqlite+aiosqlite:///other.db")
    settings = load_settings(path)
    assert settings.bot.token_value == "2:env"
    assert settings.bot.default_language == "en"
    assert settings.database.url == "sqlite+aiosqlite:///other.db"


def test_file_url_is_derived_from_a_self_hosted_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWBOT_BOT__API_BASE_URL", "http://127.0.0.1:8081/bot")
    assert load_settings().bot.api_file_url == "http://127.0.0.1:8081/file/bot"


def test_base_url_without_bot_suffix_needs_a_file_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWBOT_BOT__API_BASE_URL", "http://127.0.0.1:8081/")
    assert config_error() == (
        "configuration: [bot] (with GWBOT_BOT__API_BASE_URL from the environment):"
        " api_file_url must be set too when api_base_url does not end in '/bot'"
    )


def test_the_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWBOT_BOT__TOKEN", "1:very-secret")
    settings = load_settings()
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())


def test_a_named_file_must_exist(tmp_path: Path) -> None:
    message = config_error(tmp_path / "missing.toml")
    assert "missing.toml" in message
    assert "does not exist" in message


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.toml", '[bot]\ntoken = "1:abc"\ndefault_language = de\n')
    message = config_error(path)
    assert "broken.toml" in message
    assert "line 3" in message


def test_unknown_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[bot]\ntokn = "1:abc"\n')
    assert config_error(path) == f"{path}: [bot] tokn: unknown key; did you mean 'token'?"


def test_unknown_section_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[databse]\nurl = "x"\n')
    assert config_error(path) == f"{path}: [databse]: unknown section; did you mean 'database'?"


def test_wrong_type_in_the_file_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[bot]\npolling_timeout = "soon"\n')
    message = config_error(path)
    assert message.startswith(f"{path}: [bot] polling_timeout: ")
    assert "integer" in message


def test_a_pulse_k_below_3_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[privacy]\npulse_k = 2\n")
    assert config_error(path) == (
        f"{path}: [privacy] pulse_k: must be at least 3: with fewer answers, those who"
        " answered could work out each other's answers from the results"
    )
    assert (
        load_settings(write(tmp_path / "ok.toml", "[privacy]\npulse_k = 3\n")).privacy.pulse_k == 3
    )


def test_wrong_value_from_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "c.toml", '[bot]\ndefault_language = "en"\n')
    monkeypatch.setenv("GWBOT_BOT__DEFAULT_LANGUAGE", "fr")
    message = config_error(path)
    assert message.startswith("environment variable GWBOT_BOT__DEFAULT_LANGUAGE: ")


def test_misspelt_variable_is_refused_with_a_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWBOT_BOT__TOKN", "1:abc")
    message = config_error()
    assert message.startswith("environment variable GWBOT_BOT__TOKN: unknown setting")
    assert "did you mean GWBOT_BOT__TOKEN?" in message


def test_test_variables_are_left_to_the_test_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWBOT_TEST_DATABASE_URL", "postgresql://x")
    settings = load_settings()
    assert settings.database.url.startswith("sqlite")


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite:///data/gwbot.db", "sqlite+aiosqlite:///data/gwbot.db"),
        ("postgresql://gw:pw@db:5432/gw", "postgresql+asyncpg://gw:pw@db:5432/gw"),
        ("postgresql+asyncpg://gw@db/gw", "postgresql+asyncpg://gw@db/gw"),
    ],
)
def test_database_urls_get_the_async_driver(
    given: str, used: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GWBOT_DATABASE__URL", given)
    assert load_settings().database.url == used


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("mysql://db/gw", "only SQLite and PostgreSQL are supported"),
        ("postgresql+psycopg2://db/gw", "use the driver postgresql+asyncpg"),
        ("gwbot.db", "not a database URL"),
    ],
)
def test_unusable_database_urls_are_refused(
    given: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GWBOT_DATABASE__URL", given)
    message = config_error()
    assert message.startswith("environment variable GWBOT_DATABASE__URL: ")
    assert problem in message


def test_schema_is_only_for_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWBOT_DATABASE__SCHEMA", "initiative_a")
    message = config_error()
    assert "schema can only be used with a PostgreSQL url" in message


def test_sqlite_synchronous_is_full_unless_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().database.sqlite_synchronous == "FULL"
    path = write(tmp_path / "c.toml", '[database]\nsqlite_synchronous = "NORMAL"\n')
    assert load_settings(path).database.sqlite_synchronous == "NORMAL"
    monkeypatch.setenv("GWBOT_DATABASE__SQLITE_SYNCHRONOUS", "extra")
    assert load_settings(path).database.sqlite_synchronous == "EXTRA"


def test_an_unknown_sqlite_synchronous_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[database]\nsqlite_synchronous = "fast"\n')
    message = config_error(path)
    assert message.startswith(f"{path}: [database] sqlite_synchronous: ")
    assert "'OFF', 'NORMAL', 'FULL' or 'EXTRA'" in message


@given(
    suffix=st.text(
        alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="_"),
        max_size=30,
    ),
    value=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
)
def test_any_gwbot_variable_loads_or_gives_a_config_error(suffix: str, value: str) -> None:
    name = f"GWBOT_{suffix}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(name, value)
        try:
            load_settings()
        except ConfigError as exc:
            message = str(exc)
        else:
            return
        assert name.upper() in message.upper()


def test_cli_reports_a_config_problem_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "c.toml", "[bot]\nunknown = 1\n")
    with pytest.raises(SystemExit) as info:
        main(["--config", str(path), "run"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "[bot] unknown: unknown key" in err
    assert "Traceback" not in err


def test_config_problem_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(REPO_ROOT), "GWBOT_DATABSE__URL": "sqlite+aiosqlite:///x.db"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "environment variable GWBOT_DATABSE__URL: unknown setting" in result.stderr
    assert "did you mean GWBOT_DATABASE__URL?" in result.stderr
    assert "Traceback" not in result.stderr
