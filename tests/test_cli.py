"""`signage ...` commands against a throwaway SQLite database, configured through the environment."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from signage import create_app
from signage.accounts.models import ApiToken, Grant, User
from signage.accounts.services import LoginPolicy, authenticate
from signage.areas.models import Area
from signage.audit.models import AuditEntry
from signage.cli import cli
from signage.clock import system_clock
from signage.db import db, make_engine

PASSWORD = "cli-password-123"


class Signage:
    """Runs commands with SIGNAGE_* pointing at a temporary instance, and reads its database."""

    def __init__(self, tmp_path: Path) -> None:
        self.instance = tmp_path / "instance"
        self.url = f"sqlite:///{tmp_path / 'cli.db'}"
        self.env = {
            "SIGNAGE_INSTANCE_DIR": str(self.instance),
            "SIGNAGE_MEDIA_DIR": str(tmp_path / "media"),
            "SIGNAGE_DATABASE_URL": self.url,
            "SIGNAGE_NEW_PASSWORD": PASSWORD,
            "SIGNAGE_DEMO_PASSWORD": None,
            "USER": "tester",
        }
        self._engine: Engine | None = None

    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Result:
        return CliRunner().invoke(cli, list(args), env={**self.env, **env}, input=input)

    def ok(self, *args: str, **kwargs) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (result.output, result.stderr, result.exception)
        return result

    def session(self) -> Session:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return Session(self._engine)

    def count(self, model) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(model))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture()
def signage(tmp_path: Path) -> Iterator[Signage]:
    runner = Signage(tmp_path)
    yield runner
    runner.close()


@pytest.fixture()
def migrated(signage: Signage) -> Signage:
    signage.ok("db", "upgrade")
    return signage


@pytest.fixture()
def hanoi(migrated: Signage) -> Signage:
    migrated.ok("areas", "import", "--province", "01")
    return migrated


def test_db_upgrade_twice(signage):
    assert "Database at revision head." in signage.ok("db", "upgrade").output
    assert "Database at revision head." in signage.ok("db", "upgrade").output
    assert signage.count(User) == 0
    with signage.session() as s:
        assert s.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def test_areas_import_one_province(migrated):
    out = migrated.ok("areas", "import", "--province", "01").output
    assert "127 created, 0 updated, 0 unchanged" in out
    again = migrated.ok("areas", "import", "--province", "01").output
    assert "0 created, 0 updated, 127 unchanged" in again
    assert migrated.count(Area) == 1 + 1 + 126


def test_areas_import_unknown_province(migrated):
    result = migrated("areas", "import", "--province", "99")
    assert result.exit_code == 1
    assert "Unknown province code: 99" in result.output
    assert "Traceback" not in result.output
    assert migrated.count(Area) == 0


def test_users_create_with_role_area_pairs(hanoi):
    out = hanoi.ok(
        "users", "create", "Lan", "--display-name", "Nguyễn Thị Lan",
        "--role", "editor", "--area", "01", "--role", "viewer", "--area", "00004",
    ).output  # fmt: skip
    assert "User lan created." in out
    with hanoi.session() as s:
        user = s.scalar(select(User).where(User.username == "lan"))
        assert user.display_name == "Nguyễn Thị Lan"
        assert sorted((g.role, g.area.code) for g in user.grants) == [
            ("editor", "01"),
            ("viewer", "00004"),
        ]
        actions = s.execute(
            select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.object_type == "user")
        ).all()
        assert actions == [
            ("user.create", "cli:tester"),
            ("grant.add", "cli:tester"),
            ("grant.add", "cli:tester"),
        ]
        signed_in = authenticate(
            s, "lan", PASSWORD, now=system_clock(), policy=LoginPolicy(), ip="127.0.0.1"
        )
        assert signed_in.id == user.id


def test_users_create_prompts_for_the_password(hanoi):
    result = hanoi(
        "users", "create", "prompted", input="typed-password-1\ntyped-password-1\n",
        SIGNAGE_NEW_PASSWORD=None,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with hanoi.session() as s:
        user = s.scalar(select(User).where(User.username == "prompted"))
        assert authenticate(
            s, "prompted", "typed-password-1", now=system_clock(), policy=LoginPolicy(), ip=""
        )
        assert user.grants == []


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--role", "admin"], 2, "Give one --area for each --role"),
        (["--area", "01"], 2, "Give one --area for each --role"),
        (["--role", "admin", "--area", "01", "--role", "editor"], 2, "Give one --area"),
        (["--role", "king", "--area", "01"], 2, "Unknown role 'king'"),
        (["--role", "admin", "--area", "XX"], 1, "Unknown area code: XX"),
        (["--role", "admin", "--area", "01", "--role", "editor", "--area", "XX"], 1, "XX"),
    ],
)
def test_users_create_refuses_bad_grants(hanoi, args, exit_code, message):
    result = hanoi("users", "create", "lan", *args)
    assert result.exit_code == exit_code
    assert message in result.output
    assert "Traceback" not in result.output
    assert hanoi.count(User) == 0 and hanoi.count(Grant) == 0


def test_users_create_refuses_bad_accounts(hanoi):
    short = hanoi("users", "create", "lan", SIGNAGE_NEW_PASSWORD="short")
    assert short.exit_code == 1
    assert "password: At least 10 characters." in short.output
    bad_name = hanoi("users", "create", "x")
    assert bad_name.exit_code == 1 and "username" in bad_name.output
    hanoi.ok("users", "create", "lan")
    dup = hanoi("users", "create", "LAN")
    assert dup.exit_code == 1
    assert "The username lan is already taken." in dup.output
    assert hanoi.count(User) == 1


def test_users_set_password(hanoi):
    hanoi.ok("users", "create", "lan")
    hanoi.ok("users", "set-password", "lan", SIGNAGE_NEW_PASSWORD="another-password-1")
    with hanoi.session() as s:
        assert authenticate(
            s, "lan", "another-password-1", now=system_clock(), policy=LoginPolicy(), ip=""
        )
    missing = hanoi("users", "set-password", "nobody")
    assert missing.exit_code == 1 and "No user named 'nobody'" in missing.output


def test_tokens_create_prints_a_token_that_authenticates(hanoi, tmp_path):
    hanoi.ok("users", "create", "lan", "--role", "editor", "--area", "01")
    secret = hanoi.ok("tokens", "create", "--user", "lan", "--expires-days", "30").output.strip()
    assert secret.startswith("sgn_") and "\n" not in secret
    app = create_app(
        {"database_url": hanoi.url, "instance_dir": hanoi.instance, "secret_key": "cli-test"}
    )
    try:
        resp = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert resp.status_code == 200
        assert resp.get_json()["username"] == "lan"
    finally:
        db.engine.dispose()
    unknown = hanoi("tokens", "create", "--user", "nobody")
    assert unknown.exit_code == 1 and "No user named 'nobody'" in unknown.output
    assert hanoi("tokens", "create", "--user", "lan", "--expires-days", "0").exit_code == 2


def test_tokens_create_with_scopes(hanoi):
    hanoi.ok("users", "create", "feed", "--role", "operator", "--area", "01")
    hanoi.ok("tokens", "create", "--user", "feed", "--scope", "cap:write", "--scope", "areas:read")
    with hanoi.session() as s:
        assert s.scalars(select(ApiToken.scopes)).all() == ["areas:read cap:write"]
    bad = hanoi("tokens", "create", "--user", "feed", "--scope", "cap:explode")
    assert bad.exit_code == 2 and "cap:explode" in bad.output
    twice = hanoi("tokens", "create", "--user", "feed", "--scope", "*", "--scope", "cap:write")
    assert twice.exit_code == 1 and "stands alone" in twice.output
    with hanoi.session() as s:
        assert len(s.scalars(select(ApiToken.scopes)).all()) == 1


def test_seed_demo_twice(migrated):
    first = migrated.ok("seed-demo").output
    logins = [line.split() for line in first.splitlines() if line.startswith("  ")]
    assert [row[0] for row in logins] == ["admin", "editor", "approver", "operator", "viewer"]
    counts = {m.__name__: migrated.count(m) for m in (User, Grant, Area)}
    assert counts == {"User": 5, "Grant": 5, "Area": 1 + 2 + 126 + 114}
    credentials = migrated.instance / "demo_credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    credentials.chmod(0o644)  # loosened by someone: the next run tightens it again

    second = migrated.ok("seed-demo").output
    assert {m.__name__: migrated.count(m) for m in (User, Grant, Area)} == counts
    assert [line.split() for line in second.splitlines() if line.startswith("  ")] == logins
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    with migrated.session() as s:
        for username, password, *_ in logins:
            assert authenticate(
                s, username, password, now=system_clock(), policy=LoginPolicy(), ip=""
            )


def test_seed_demo_creates_boards_with_a_programme_once(migrated):
    from signage.boards.models import Board, BoardSession
    from signage.content.models import ContentItem
    from signage.schedules.models import BoardManifest, Schedule

    migrated.ok("seed-demo")
    counts = {m.__name__: migrated.count(m) for m in (Board, ContentItem, Schedule, BoardManifest)}
    assert counts == {"Board": 3, "ContentItem": 1, "Schedule": 1, "BoardManifest": 3}
    with migrated.session() as s:
        manifests = {
            b.code: m.document
            for b, m in s.execute(select(Board, BoardManifest).join(BoardManifest))
        }

    def items(code: str) -> set[int]:
        segments = json.loads(manifests[code])["segments"]
        return {e["item"] for seg in segments for e in seg["entries"]}

    # The Hà Nội boards carry the approved notice; the Hải Phòng board only its fallback.
    assert items("HN-HK-001") == items("HN-BD-001") == {1}
    # "Cả ngày" really runs all day: one programme segment through every midnight, no gap.
    with migrated.session() as s:
        assert [(x.name, x.windows) for x in s.scalars(select(Schedule))] == [
            ("Cả ngày", ["00:00-24:00"])
        ]
    kinds = [seg["kind"] for seg in json.loads(manifests["HN-HK-001"])["segments"]]
    assert kinds == ["programme"]
    assert items("HP-001") == set()
    assert any((migrated.instance.parent / "media").rglob("*.png"))  # renditions stored
    assert migrated.count(BoardSession) == 3  # a few days of uptime on Ba Đình's screen
    migrated.ok("seed-demo")
    assert {
        m.__name__: migrated.count(m) for m in (Board, ContentItem, Schedule, BoardManifest)
    } == counts
    assert migrated.count(BoardSession) == 3


def test_bad_setting_is_a_clean_error(signage):
    result = signage("db", "upgrade", SIGNAGE_MAX_JSON_BYTES="lots")
    assert result.exit_code == 1
    assert "SIGNAGE_MAX_JSON_BYTES must be a whole number" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_an_unmigrated_database(signage):
    result = signage("serve", "--port", "1")
    assert result.exit_code == 1
    assert "signage db upgrade" in result.output


def test_reports_rollup_rolls_the_days_asked_for(migrated):
    from signage.reports.models import PlayRollup

    out = migrated.ok("reports", "rollup", "--day", "2026-12-01", "--day", "2026-12-02").output
    assert "Days rolled up: 2026-12-01, 2026-12-02;" in out
    assert migrated.count(PlayRollup) == 2
    bad = migrated("reports", "rollup", "--day", "01/12/2026")
    assert bad.exit_code == 2 and "--day" in bad.output
