"""Settings from SIGNAGE_* variables, and the secret key generated once into instance/."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from signage.config import ConfigError, Settings


def test_defaults_need_no_environment(tmp_path):
    settings = Settings.from_env({}, instance_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'signage.db'}"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.default_locale == "vi"
    assert settings.session_cookie_secure is False
    assert settings.max_json_bytes < settings.max_request_bytes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" YES ", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_booleans(raw, expected):
    assert (
        Settings.from_env({"SIGNAGE_SESSION_COOKIE_SECURE": raw}).session_cookie_secure is expected
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("5", 5), (" 42 ", 42), ("1_048_576", 1_048_576), ("-0", 0)]
)
def test_integers(raw, expected):
    settings = Settings.from_env({"SIGNAGE_LOGIN_LOCKOUT_SECONDS": raw})
    assert settings.login_lockout_seconds == expected


def test_paths_and_strings(tmp_path):
    settings = Settings.from_env(
        {
            "SIGNAGE_INSTANCE_DIR": str(tmp_path / "inst"),
            "SIGNAGE_MEDIA_DIR": "~/signage-media",
            "SIGNAGE_DATABASE_URL": "postgresql+psycopg://signage@db/signage",
            "SIGNAGE_LOGIN_RATE_LIMIT": "10 per minute",
        }
    )
    assert settings.instance_dir == tmp_path / "inst"
    assert settings.media_dir == Path.home() / "signage-media"
    assert settings.database_url == "postgresql+psycopg://signage@db/signage"
    assert settings.login_rate_limit == "10 per minute"


def test_explicit_overrides_win_over_the_environment(tmp_path):
    settings = Settings.from_env({"SIGNAGE_MAX_JSON_BYTES": "100"}, max_json_bytes=200)
    assert settings.max_json_bytes == 200


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SIGNAGE_SESSION_COOKIE_SECURE": "maybe"},
            "SIGNAGE_SESSION_COOKIE_SECURE must be one of",
        ),
        ({"SIGNAGE_MAX_JSON_BYTES": "1MB"}, "SIGNAGE_MAX_JSON_BYTES must be a whole number"),
        ({"SIGNAGE_MAX_JSON_BYTES": "1.5"}, "SIGNAGE_MAX_JSON_BYTES must be a whole number"),
        ({"SIGNAGE_MAX_JSON_BYTES": "0"}, "SIGNAGE_MAX_JSON_BYTES must be at least 1"),
        ({"SIGNAGE_LOGIN_MAX_FAILURES": "-3"}, "SIGNAGE_LOGIN_MAX_FAILURES must be at least 1"),
        ({"SIGNAGE_LOGIN_LOCKOUT_SECONDS": "-1"}, "must not be negative"),
        ({"SIGNAGE_INSTANCE_DIR": "  "}, "SIGNAGE_INSTANCE_DIR must be a directory path"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="max_json_byte"):
        Settings.from_env({}, max_json_byte=1)


def test_unrelated_variables_are_ignored():
    assert Settings.from_env({"SIGNAGE_NOT_A_SETTING": "x", "PATH": "/bin"}).testing is False


def test_secret_key_is_generated_once_private_and_reused(tmp_path):
    instance = tmp_path / "instance"
    first = Settings.from_env({}, instance_dir=instance).ensure_secret_key()
    path = instance / "secret_key"
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == first
    # Another process (a restart, a second worker) reads the same key.
    assert Settings.from_env({}, instance_dir=instance).ensure_secret_key() == first
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temp files left


def test_configured_secret_key_is_not_written(tmp_path):
    settings = Settings.from_env({"SIGNAGE_SECRET_KEY": "from-env"}, instance_dir=tmp_path)
    assert settings.ensure_secret_key() == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_loose_permissions_are_tightened_and_empty_files_replaced(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("kept-key")
    path.chmod(0o644)
    assert Settings.from_env({}, instance_dir=tmp_path).ensure_secret_key() == "kept-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("")
    key = Settings.from_env({}, instance_dir=tmp_path).ensure_secret_key()
    assert key and key == path.read_text()


def test_workers_starting_together_agree_on_one_key(tmp_path):
    keys: list[str] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        keys.append(Settings.from_env({}, instance_dir=tmp_path).ensure_secret_key())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1
    assert keys[0] == (tmp_path / "secret_key").read_text()


def test_proxy_count_trusts_forwarded_for(tmp_path):
    from signage import create_app

    app = create_app({"instance_dir": tmp_path, "secret_key": "x", "proxy_count": 1})

    @app.get("/_ip")
    def _ip():
        from flask import request

        return request.remote_addr or ""

    client = app.test_client()
    resp = client.get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.get_data(as_text=True) == "203.0.113.9"


def test_without_proxy_count_forwarded_for_is_ignored(tmp_path):
    from signage import create_app

    app = create_app({"instance_dir": tmp_path, "secret_key": "x"})

    @app.get("/_ip")
    def _ip():
        from flask import request

        return request.remote_addr or ""

    resp = app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.get_data(as_text=True) == "127.0.0.1"
