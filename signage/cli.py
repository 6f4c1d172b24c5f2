"""`signage ...` commands: serve, db, areas, users, tokens, boards, reports, scheduler, demo."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy.orm import Session

from signage import create_app
from signage.accounts import scopes as token_scopes
from signage.audit.services import Actor
from signage.config import ConfigError
from signage.errors import DomainError


def _app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _cli_actor() -> Actor:
    return Actor(None, "cli", label_override=f"cli:{os.environ.get('USER', 'root')}")


def _message(exc: DomainError) -> str:
    """A domain error the way a person can act on it: the message, then each field's problem."""
    msg = str(exc.message)
    for d in exc.details:
        msg += f"\n  - {d.get('field', '')}: {d.get('message', '')}"
    return msg


@contextmanager
def _session() -> Iterator[tuple[Flask, Session]]:
    """An app and a session that commits on success; domain errors become clean CLI errors."""
    from signage.db import db as database

    app = _app()
    try:
        with app.app_context(), database.scope() as session:
            yield app, session
    except DomainError as exc:
        # Rendered outside the app context: there is no request to pick a language from.
        raise click.ClickException(_message(exc)) from None
    finally:
        if database.engine is not None:
            database.engine.dispose()


@click.group()
@click.version_option(package_name="signage")
def cli() -> None:
    """Content server for public electronic bulletin boards."""


@cli.command()
@click.option("--host", default=None, help="Address to bind (default from SIGNAGE_BIND).")
@click.option("--port", type=int, default=None, help="Port (default from SIGNAGE_BIND).")
def serve(host: str | None, port: int | None) -> None:
    """Run the gevent web + Socket.IO server (development and the embedded default)."""
    from signage.jobs import start_embedded
    from signage.migrations import is_current
    from signage.realtime import socketio

    app = _app()
    if not is_current(app.config["SIGNAGE"].database_url):
        raise click.ClickException(
            "The database is not at the newest revision: run `signage db upgrade` first."
        )
    # Only once the database is known good: runs the jobs here unless `signage scheduler` holds
    # the lock. (Started before the check, a refused serve left a scheduler thread behind.)
    app.extensions["signage_scheduler"] = start_embedded(app)
    bind_host, _, bind_port = app.config["SIGNAGE"].bind.rpartition(":")
    host = host or bind_host or "127.0.0.1"
    port = port or int(bind_port or 8080)
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
    from signage.realtime.serving import serve_forever

    serve_forever(app, socketio, host, port)


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations (creates the SQLite file under instance/ on first run)."""
    from signage.migrations import upgrade

    settings = _app().config["SIGNAGE"]
    if settings.database_url.startswith("sqlite:///"):
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, revision)
    click.echo(f"Database at revision {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations to REVISION (e.g. base)."""
    from signage.migrations import downgrade

    downgrade(_app().config["SIGNAGE"].database_url, revision)
    click.echo(f"Database at revision {revision}.")


@cli.group()
def areas() -> None:
    """The area tree."""


@areas.command("import")
@click.option("--province", default=None, help="Official province code (e.g. 01 for Hà Nội).")
def areas_import(province: str | None) -> None:
    """Import official provinces and commune-level units from vietnam-provinces."""
    from signage import clock
    from signage.areas.services import import_official

    with _session() as (_, session):
        with click.progressbar(length=1, label="Importing areas", file=sys.stderr) as bar:
            state = {"done": 0}

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - state["done"])
                state["done"] = done

            result = import_official(
                session, _cli_actor(), province=province, progress=progress, now=clock.now()
            )
    click.echo(
        f"Areas: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
    )


@cli.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("username")
@click.option(
    "--password",
    envvar="SIGNAGE_NEW_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Or set SIGNAGE_NEW_PASSWORD.",
)
@click.option("--display-name", default="")
@click.option("--role", "roles", multiple=True, help="Role to grant (repeat with --area).")
@click.option("--area", "area_codes", multiple=True, help="Area code for each --role.")
def users_create(
    username: str,
    password: str,
    display_name: str,
    roles: tuple[str, ...],
    area_codes: tuple[str, ...],
) -> None:
    """Create a user, with --role ROLE --area CODE grants (pairs, in order)."""
    from signage import clock
    from signage.accounts.models import Grant
    from signage.accounts.services import create_user
    from signage.areas.services import get_by_code
    from signage.audit.services import record
    from signage.permissions import ROLES

    if len(roles) != len(area_codes):
        raise click.UsageError("Give one --area for each --role, in pairs.")
    for role in roles:
        if role not in ROLES:
            raise click.UsageError(f"Unknown role {role!r}; choose from {', '.join(ROLES)}.")
    with _session() as (_, session):
        now = clock.now()
        grant_areas = [get_by_code(session, code) for code in area_codes]
        user = create_user(
            session,
            _cli_actor(),
            username,
            password,
            display_name=display_name,
            check_permission=False,
            now=now,
        )
        for role, area in dict.fromkeys(zip(roles, grant_areas, strict=True)):
            # The CLI runs with the machine owner's authority: no admin check.
            session.add(Grant(user=user, role=role, area=area))
            record(
                session,
                _cli_actor(),
                "grant.add",
                "user",
                user.id,
                area_id=area.id,
                details={"role": role, "area": area.code},
                now=now,
            )
    click.echo(f"User {user.username} created.")


@users.command("set-password")
@click.argument("username")
@click.option(
    "--password",
    envvar="SIGNAGE_NEW_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Or set SIGNAGE_NEW_PASSWORD.",
)
def users_set_password(username: str, password: str) -> None:
    """Set a user's password (e.g. a forgotten admin password); their sessions end."""
    from signage import clock
    from signage.accounts.services import find_user, set_password

    with _session() as (_, session):
        user = find_user(session, username)
        if user is None:
            raise click.ClickException(f"No user named {username!r}.")
        # The CLI runs with the machine owner's authority: no admin check.
        set_password(session, _cli_actor(), user, password, check_permission=False, now=clock.now())
    click.echo(f"Password of {user.username} changed.")


@cli.group()
def tokens() -> None:
    """Personal API tokens."""


@tokens.command("create")
@click.option("--user", "username", required=True)
@click.option("--name", default="cli")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice([token_scopes.ALL, *token_scopes.SCOPES]),
    help="Limit the token to this scope (repeat for more; default: every scope), "
    "e.g. --scope cap:write for an upstream CAP system.",
)
def tokens_create(
    username: str, name: str, expires_days: int | None, scopes: tuple[str, ...]
) -> None:
    """Create an API token for a user and print it once."""
    from signage import clock
    from signage.accounts.services import find_user
    from signage.accounts.tokens import create_token

    with _session() as (_, session):
        user = find_user(session, username)
        if user is None:
            raise click.ClickException(f"No user named {username!r}.")
        now = clock.now()
        expires = now + timedelta(days=expires_days) if expires_days else None
        _token, secret = create_token(
            session,
            _cli_actor(),
            user,
            name=name,
            expires_at=expires,
            scopes=token_scopes.validate(scopes) if scopes else None,
            now=now,
        )
    click.echo(secret)


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load demo data (Hà Nội, Hải Phòng, demo users, boards, a programme); safe to run again."""
    from signage import clock
    from signage.demo import seed
    from signage.demo_programme import seed_programme
    from signage.schedules.manifests import publisher
    from signage.storage import media_store

    with _session() as (app, session):
        credentials = seed(session, app.config["SIGNAGE"], echo=click.echo, now=clock.now())
        session.flush()
        seed_programme(
            session, media_store(), now=clock.now(), publisher=publisher(), echo=click.echo
        )
    click.echo("Demo accounts:")
    for username, password, what in credentials:
        click.echo(f"  {username:<10} {password:<24} {what}")


# --- boards, scheduler (boards and schedules issue) ---------------------------------------


@cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduled jobs (manifests.refresh, schedules.expire) until stopped."""
    import time

    from signage.jobs import start_embedded

    running = start_embedded(_app())
    if running is None:
        raise click.ClickException("Another process already runs the scheduled jobs.")
    click.echo("Scheduler running (Ctrl+C to stop).")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        running.shutdown()


@cli.group("boards")
def boards_group() -> None:
    """Bulletin boards."""


@boards_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def boards_import(path: str) -> None:
    """Import boards from a CSV file (all rows or none)."""
    from signage import clock
    from signage.boards.importer import import_boards

    with open(path, "rb") as fh:
        data = fh.read()
    with _session() as (_app_, session):
        # The CLI runs with the machine owner's authority: no permission check.
        report = import_boards(session, _cli_actor(), data, now=clock.now(), check_permission=False)
    click.echo(f"Boards: {report.boards} imported; groups created: {len(report.groups_created)}.")


@boards_group.command("issue-tokens")
@click.option("--area", "area_code", default=None, help="Only boards in this area's subtree.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def boards_issue_tokens(area_code: str | None, out: str) -> None:
    """Issue a new token to every board (old tokens stop working); CSV board_code,token."""
    import csv

    from sqlalchemy import select

    from signage import clock
    from signage.areas.models import Area
    from signage.areas.services import find_by_code
    from signage.boards.models import Board
    from signage.players.namespace import disconnect_board
    from signage.players.tokens import issue_token

    with _session() as (_app_, session):
        stmt = select(Board).join(Area, Board.area_id == Area.id).order_by(Board.code)
        if area_code:
            area = find_by_code(session, area_code)
            if area is None:
                raise click.ClickException(f"No area has the code {area_code!r}.")
            stmt = stmt.where(Area.path.startswith(area.path, autoescape=True))
        now, actor = clock.now(), _cli_actor()
        rows = [
            (b.code, issue_token(session, actor, b, now=now, on_revoke=disconnect_board))
            for b in session.scalars(stmt)
        ]
        # Written before the commit: if writing fails, the old tokens stay valid.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    click.echo(f"Tokens issued for {len(rows)} boards; written to {out} (keep it secret).")


@cli.group("reports")
def reports_group() -> None:
    """Reports: proof-of-play rollups."""


@reports_group.command("rollup")
@click.option(
    "--day",
    "days",
    multiple=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Roll this local day (yyyy-mm-dd; repeatable) instead of the last two days.",
)
def reports_rollup(days: tuple[object, ...]) -> None:
    """Roll raw play records up into daily totals, then apply the raw records' retention."""
    from datetime import datetime

    from signage import clock
    from signage.i18n import local_tz
    from signage.reports.rollup import run

    wanted = [d.date() for d in days if isinstance(d, datetime)] or None
    with _session() as (app, session):
        result = run(
            session,
            tz=local_tz(),
            now=clock.now(),
            retention_days=app.config["SIGNAGE"].play_record_retention_days,
            days=wanted,
        )
    rolled = ", ".join(d.isoformat() for d in result.rolled) or "none"
    click.echo(f"Days rolled up: {rolled}; raw records deleted: {result.records_deleted}.")
