"""Typed settings read from SIGNAGE_* environment variables; defaults run with zero setup."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Settings that must be at least 1 (sizes, counts) or at least 0 (durations).
_POSITIVE = (
    "max_request_bytes",
    "max_json_bytes",
    "login_max_failures",
    "login_address_failures",
    "max_upload_bytes",
    "max_image_pixels",
    "status_flush_seconds",
    "alert_receipt_flush_seconds",
    "session_idle_seconds",
    "session_max_seconds",
    "db_pool_size",
    "db_pool_timeout_seconds",
    "large_board_min_pixels",
    "smtp_port",
    "smtp_timeout",
    "webhook_timeout",
    "notify_offline_minutes",
    "notify_digest_over",
    "notify_max_attempts",
    "play_record_retention_days",
)
_NOT_NEGATIVE = (
    "login_lockout_seconds",
    "login_account_delay_seconds",
    "db_max_overflow",
    "alert_snapshot_seconds",
)


class ConfigError(ValueError):
    """A setting has a value the server cannot use; the message names the variable."""


def month_day(raw: str) -> tuple[int, int]:
    """(month, day) from SIGNAGE_REPORT_YEAR_START's MM-DD (29 February is refused)."""
    try:
        month, day = (int(part) for part in raw.strip().split("-"))
        date(2001, month, day)  # a year without 29 February
    except ValueError:
        raise ConfigError(
            f"SIGNAGE_REPORT_YEAR_START must be a day as MM-DD, e.g. 12-15, not {raw!r}."
        ) from None
    return month, day


def _env_bool(value: str) -> bool:
    """Parse a boolean environment value such as 1/true/yes/on."""
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _parse(name: str, kind: object, raw: str) -> Any:
    """Convert one environment value to the setting's type, naming the variable on failure."""
    var = f"SIGNAGE_{name.upper()}"
    try:
        if kind in ("int", int):
            return int(raw.strip().replace("_", ""))
        if kind in ("bool", bool):
            return _env_bool(raw)
        if kind in ("float", float):
            return float(raw.strip())
    except ValueError:
        what = {"int": "a whole number", "float": "a number such as 0.8"}.get(
            getattr(kind, "__name__", str(kind)), "one of 1/0, true/false, yes/no, on/off"
        )
        raise ConfigError(f"{var} must be {what}, not {raw!r}.") from None
    if kind in ("Path", Path):
        if not raw.strip():
            raise ConfigError(f"{var} must be a directory path, not empty.")
        return Path(raw.strip()).expanduser()
    return raw


@dataclass
class Settings:
    """Every setting of an installation, with the environment variable that sets it."""

    instance_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "instance")
    database_url: str = ""
    # Connections per server process (PostgreSQL): kept open, extra ones under load, and how
    # long a request or player message waits for one before it fails (and a player resends).
    # A gevent worker serves thousands of sockets with this one pool; see docs/benchmarks.md.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: int = 10
    media_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "media")
    secret_key: str = ""
    message_queue: str = ""
    # Pub/sub channel on the message queue: Redis ignores the database number for pub/sub, so
    # two installations sharing one Redis server need different channels.
    message_queue_channel: str = "signage"
    timezone: str = "Asia/Ho_Chi_Minh"
    bind: str = "127.0.0.1:8080"
    default_locale: str = "vi"
    max_request_bytes: int = 32 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    login_max_failures: int = 5
    login_lockout_seconds: int = 15 * 60
    login_account_delay_seconds: int = 60
    login_address_failures: int = 20
    login_rate_limit: str = "20 per minute"
    pairing_rate_limit: str = "10 per minute"
    # Player heartbeats are written to the database in one batch at most this often.
    status_flush_seconds: int = 15
    # Alerts: the CAP sender of console alerts; a province-wide (or wider) alert waits for a
    # second operator's confirmation when the two-person rule is on.
    alert_sender: str = "signage@localhost"
    alert_two_person_province: bool = True
    # Player receipts of alerts are written in one batch at most this often.
    alert_receipt_flush_seconds: int = 1
    # Players' `alert_sync` is answered from a snapshot of the active alerts at most this old.
    alert_snapshot_seconds: int = 2
    # Buffered player writes go through background flush loops; off, every write and deferred
    # send happens at once on the handler's thread (the test suite: no loop outlives a test).
    background_tasks: bool = True
    # Upstream CAP sources polled every minute: URLs of CAP messages or Atom feeds of them.
    cap_feeds: str = ""
    # Usernames (space or comma separated) of upstream systems whose CAP posts air without the
    # two-person rule, like the polled feeds; every other user's CAP follows the rule.
    cap_trusted_users: str = ""
    # Hosts, besides each feed's own, that Atom entry links and redirects may lead to.
    cap_feed_hosts: str = ""
    # Let the poller reach private, loopback and link-local addresses (an upstream on the LAN).
    cap_feed_allow_private: bool = False
    # Offline notifications: a board dark this many minutes (areas may set their own) inside its
    # operating hours is reported once; more boards than notify_digest_over at once for one
    # subscriber make one digest. Deliveries are retried with backoff this many times.
    notify_offline_minutes: int = 15
    notify_digest_over: int = 5
    notify_max_attempts: int = 8
    # E-mail of notifications through plain SMTP; no host = no e-mail is sent.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "signage@localhost"
    smtp_starttls: bool = False
    smtp_timeout: int = 10
    # Webhooks may reach private, loopback and link-local addresses (a chat bridge on the LAN);
    # an installation admin may also allow it per area.
    webhook_allow_private: bool = False
    webhook_timeout: int = 5
    ratelimit_storage: str = "memory://"
    session_cookie_secure: bool = False
    # A console session ends after this long without a request, and this long after sign-in.
    session_idle_seconds: int = 2 * 60 * 60
    session_max_seconds: int = 12 * 60 * 60
    # Raw proof-of-play records older than this many days are deleted once rolled up into
    # daily totals (reports read the totals; the raw records only serve recent days).
    play_record_retention_days: int = 90
    # Number of reverse proxies (nginx) in front that set X-Forwarded-For/-Proto; 0 = none.
    proxy_count: int = 0
    # Indicators (docs/indicators.md): a board counts as connected to the source system when it
    # was online for at least this share of the period; a board is "large" (indicator 2.2) when
    # its display profile has at least this many pixels (384x192 LED, every 1080p LCD).
    connected_share: float = 0.8
    large_board_min_pixels: int = 384 * 192
    # First day (MM-DD) of the December report's window: 12-15 = 15/12 of the year before to
    # 14/12 of the report's year.
    report_year_start: str = "12-15"
    testing: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from SIGNAGE_<NAME> variables, then apply explicit overrides."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f"SIGNAGE_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"Unknown settings: {', '.join(sorted(unknown))}.")
        values.update(overrides)
        settings = cls(**values)
        settings.instance_dir = Path(settings.instance_dir)
        settings.media_dir = Path(settings.media_dir)
        for name in _POSITIVE:
            if getattr(settings, name) < 1:
                raise ConfigError(f"SIGNAGE_{name.upper()} must be at least 1.")
        for name in _NOT_NEGATIVE:
            if getattr(settings, name) < 0:
                raise ConfigError(f"SIGNAGE_{name.upper()} must not be negative.")
        if not 0 < settings.connected_share <= 1:
            raise ConfigError("SIGNAGE_CONNECTED_SHARE must be above 0 and at most 1, e.g. 0.8.")
        month_day(settings.report_year_start)
        if not settings.database_url:
            settings.database_url = f"sqlite:///{settings.instance_dir / 'signage.db'}"
        return settings

    def ensure_secret_key(self) -> str:
        """Return the secret key, generating one into instance/ on first run if none is set."""
        if self.secret_key:
            return self.secret_key
        path = self.instance_dir / "secret_key"
        key = path.read_text().strip() if path.exists() else ""
        if not key:
            self.instance_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".secret_key.{secrets.token_hex(8)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                # link() refuses to overwrite: when workers start together, the first one wins
                # and the others read its key.
                os.link(tmp, path)
            except FileExistsError:
                if not path.read_text().strip():
                    os.replace(tmp, path)  # an empty file left by a crash
            finally:
                tmp.unlink(missing_ok=True)
            key = path.read_text().strip()
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # the key signs sessions: only the server's user may read it
        self.secret_key = key
        return self.secret_key
