"""The settings table: every setting has a flag, a variable and a config key; a bad value from any of them
stops the real CLI with one line naming where it came from and what it must be."""

import importlib.metadata
import subprocess
from pathlib import Path

import pytest
from processes import clean_environment, pullrouting_command

import pullrouting
from pullrouting import cli
from pullrouting.settings import SETTINGS, SettingError, Settings, load


def run_serve(tmp_path: Path, args: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    """`pullrouting serve` on a free port; a refused setting ends it before it serves (else the timeout fails)."""
    workdir = tmp_path / "workdir"
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        [*pullrouting_command(), "serve", "--listen", "127.0.0.1:0", *args],
        cwd=workdir,
        env=clean_environment(**environment),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_refused(result: subprocess.CompletedProcess[str], names: str, must_be: str, workdir: Path) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert names in result.stderr and must_be in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    # Refused before anything was created: no database, no token file.
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize(
    ("variable", "value", "must_be"),
    [
        ("PULLROUTING_RATE_LIMIT_PER_SECOND", "abc", "must be a whole number, at least 0, not 'abc'"),
        ("PULLROUTING_RATE_LIMIT_PER_SECOND", "-5", "must be a whole number, at least 0, not '-5'"),
        ("PULLROUTING_STREAM_BUFFER_EVENTS", "0", "must be a whole number, at least 1, not '0'"),
    ],
)
def test_a_bad_environment_variable_stops_serve_with_one_line(tmp_path, variable, value, must_be):
    result = run_serve(tmp_path, [], **{variable: value})
    assert_refused(result, variable, must_be, tmp_path / "workdir")


def test_a_bad_flag_value_stops_serve_with_one_line(tmp_path):
    result = run_serve(tmp_path, ["--keepalive-seconds", "soon"])
    assert_refused(result, "--keepalive-seconds", "must be a number, at least 1, not 'soon'", tmp_path / "workdir")


def test_a_bad_config_file_stops_serve_with_one_line(tmp_path):
    config = tmp_path / "pullrouting.toml"
    config.write_text("max_message_bytes = 0\n")
    result = run_serve(tmp_path, ["--config", str(config)])
    assert_refused(result, f"max_message_bytes in {config}", "from 1 to 2147483647, not 0", tmp_path / "workdir")
    config.write_text('rate_limit = 10\nlisten = "127.0.0.1:0"\n')
    result = run_serve(tmp_path, ["--config", str(config)])
    assert_refused(result, f"rate_limit in {config} is not a setting", "rate_limit_per_second", tmp_path / "workdir")


def test_version_is_the_package_metadata():
    result = subprocess.run([*pullrouting_command(), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"pullrouting {pullrouting.__version__}\n"
    assert importlib.metadata.version("pullrouting") == pullrouting.__version__


def test_serve_has_a_flag_for_every_setting_and_migrate_for_its_own():
    commands = next(action for action in cli._parser()._actions if action.dest == "command").choices
    flags = {name: {o for a in parser._actions for o in a.option_strings} for name, parser in commands.items()}
    assert flags["serve"] == {"-h", "--help", "--config"} | {setting.flag for setting in SETTINGS}
    assert flags["migrate"] == {"-h", "--help", "--config", "--database", "--log-level", "--log-format"}
    assert len({setting.variable for setting in SETTINGS}) == len(SETTINGS)


def test_a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default(tmp_path):
    config = tmp_path / "pullrouting.toml"
    config.write_text('listen = "file:1"\nlog_level = "warning"\nrate_limit_per_second = 7\nshutdown_grace = 1\n')
    settings = load(
        {"listen": "flag:1", "log_level": None},
        {"PULLROUTING_LISTEN": "environment:1", "PULLROUTING_LOG_LEVEL": "debug", "PULLROUTING_SHUTDOWN_GRACE": ""},
        str(config),
    )
    assert settings.listen == "flag:1"
    assert settings.log_level == "DEBUG"
    assert settings.rate_limit_per_second == 7
    # An empty variable counts as unset.
    assert settings.shutdown_grace == 1.0
    assert settings.stream_buffer_events == Settings().stream_buffer_events
    assert load({}, {}) == Settings()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("keepalive_seconds = nan\n", "keepalive_seconds in {path} must be a number, at least 1, not nan"),
        ("rate_limit_per_second = true\n", "rate_limit_per_second in {path} must be a whole number, at least 0"),
        ("stream_buffer_events = 2.5\n", "stream_buffer_events in {path} must be a whole number, at least 1"),
        ('log_format = "xml"\n', "log_format in {path} must be one of text, json, not 'xml'"),
        ("listen = 50051\n", "listen in {path} must be a non-empty text, not 50051"),
        ("[listen]\n", "listen in {path} must be a non-empty text, not {{}}"),
        ("listen = \n", "--config {path}: not TOML"),
    ],
)
def test_a_config_value_of_the_wrong_kind_is_refused(tmp_path, config, message):
    path = tmp_path / "pullrouting.toml"
    path.write_text(config)
    with pytest.raises(SettingError) as refused:
        load({}, {}, str(path))
    assert message.format(path=path) in str(refused.value)


def test_a_setting_that_needs_another_names_both():
    with pytest.raises(SettingError) as refused:
        load({"oidc_issuer": "https://issuer.example"}, {"PULLROUTING_OIDC_AUDIENCE": "desk"})
    needs = "--oidc-issuer needs --oidc-jwks (variables PULLROUTING_OIDC_ISSUER, PULLROUTING_OIDC_JWKS)"
    assert str(refused.value) == needs


def test_the_desks_client_id_needs_an_issuer_and_the_web_endpoint():
    with pytest.raises(SettingError) as refused:
        load({"oidc_desk_client_id": "pullrouting-desk"}, {"PULLROUTING_WEB_LISTEN": "127.0.0.1:8080"})
    assert str(refused.value).startswith("--oidc-desk-client-id needs --oidc-issuer (")
