"""Benchmark: every report page over a year of a country's plays and connection sessions.

Run: .venv/bin/python bench/reports.py [--db URL] [--reuse] [--items 20] [--raw-plays 20]
     [--sessions 3] [--months] [--repeat 3] [--only TEXT]
Needs PostgreSQL (default: database bench_plays on 127.0.0.1). Without --reuse the database is
dropped and made again (about 12 minutes): 3,321 boards (one per commune, 34 provinces), a year
of play_days rows (`--items` per board and day) and their monthly totals, a month of raw play
records (`--raw-plays` per board and day) rolled day by day as the job does, "today" with 200
plays per board, and a year of connection sessions (`--sessions` per board and day, a tenth of
the boards dark from March to May). --reuse keeps a loaded database: it is migrated to the
newest revision and gets whatever is missing (the sessions) only. --months recomputes the
monthly totals from play_days; --only times the reports whose name contains TEXT. Then times
the rollup of today and each report of REPORTS (the console's real page or download, signed in,
through the app's test client). Prints one table; docs/benchmarks.md holds the results.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from flask import Flask
from flask.testing import FlaskClient

from signage import create_app
from signage.clock import set_clock
from signage.db import db
from signage.migrations import upgrade
from signage_testing.machine import cpu_model

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCES = 34
BOARDS = 3_321  # commune-level units after the 2025 reform
ITEMS_PER_PROVINCE = 60
CATEGORIES = (
    "policy_law",
    "socio_economic",
    "disaster",
    "fire_rescue",
    "health_epidemic",
    "security_order",
    "citizen_feedback",
)
# The day the reports are made: Hà Nội cuts its yearly data on 15 December, at 10:00 local.
TODAY = date(2026, 12, 15)
NOW = datetime.combine(TODAY, day_time(10), HCM).astimezone(UTC)
YEAR_FIRST = date(2025, 12, 16)  # a year of daily totals up to yesterday
RAW_DAYS = 30  # a month of raw records before today
TODAY_PLAYS = 200
PASSWORD = "bench-reports-password-1"
INSTALLED = datetime(2025, 1, 1, tzinfo=UTC)  # every board stood before the report year
# Connection sessions, local times of day: the first --sessions of these, every day.
SESSION_HOURS = ((6, 0, 11, 0), (11, 5, 17, 0), (17, 10, 22, 0), (22, 5, 23, 50))
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_plays"


@dataclass
class Bench:
    """What a timed report gets: a signed-in client and the area codes to ask for."""

    app: Flask
    client: FlaskClient
    province: str


def page(bench: Bench, path: str = "/reports/plays", **params: str) -> Callable[[], str]:
    """A callable that GETs a report page with these parameters and says how many rows it shows
    (or, for a download, how large it is)."""

    def call() -> str:
        resp = bench.client.get(path, query_string=params)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        if "format" in params:
            return f"{len(resp.data) // 1024} KB"
        return str(resp.get_data(as_text=True).count("<tr") - 1)

    return call


DEC = {"from": "2026-12-01", "to": "2026-12-15"}
YEAR = {"from": YEAR_FIRST.isoformat(), "to": TODAY.isoformat()}
DECEMBER = {"path": "/reports/december", "year": str(TODAY.year)}
# (name, factory of a callable that says how many rows it shows): add a report here.
REPORTS: list[tuple[str, Callable[[Bench], Callable[[], str]]]] = [
    ("December report, province", lambda b: page(b, area=b.province, **DECEMBER)),
    ("December report, country", lambda b: page(b, area="VN", **DECEMBER)),
    ("December report, country, XLSX", lambda b: page(b, area="VN", format="xlsx", **DECEMBER)),
    ("province, by category, 1-15 Dec", lambda b: page(b, area=b.province, **DEC)),
    ("country, by category, 1-15 Dec", lambda b: page(b, **DEC)),
    ("country, by area (provinces), 1-15 Dec", lambda b: page(b, group_by="area", **DEC)),
    ("province, by board, 1-15 Dec", lambda b: page(b, area=b.province, group_by="board", **DEC)),
    ("province, by category, a year", lambda b: page(b, area=b.province, **YEAR)),
    ("country, by category, a year", lambda b: page(b, **YEAR)),
    ("country, by day, a year", lambda b: page(b, group_by="day", **YEAR)),
    ("country, by item, a year", lambda b: page(b, group_by="item", **YEAR)),
]


def libpq(url: str) -> str:
    """The psycopg form of a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def recreate(url: str) -> None:
    """Drop and create the benchmark database."""
    base, _, name = libpq(url).rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def timed(label: str, func: Callable[[], Any]) -> Any:
    """Run func once, print how long it took."""
    t0 = time.perf_counter()
    result = func()
    print(f"  {label}: {time.perf_counter() - t0:.1f} s", flush=True)
    return result


def load(url: str, items: int, raw_plays: int) -> None:
    """Areas, boards, items, a year of play_days, a month of raw records, today's records."""
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        timed("areas, boards, items", lambda: _fleet(conn))
        timed(f"play_days: a year x {items} items", lambda: _year(conn, items))
        timed(f"raw records: {RAW_DAYS} days x {raw_plays}", lambda: _raw(conn, raw_plays))
        timed(f"raw records: today x {TODAY_PLAYS}", lambda: _raw_day(conn, TODAY, TODAY_PLAYS))
        conn.execute("VACUUM ANALYZE")


def sessions(url: str, per_day: int) -> None:
    """A year of connection sessions for every board, unless the table holds some already."""
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM board_sessions").fetchone()
        if row and row[0]:
            return
        # Boards loaded before the sessions were (the older bench) stood since now(): not so.
        conn.execute("UPDATE boards SET created_at = %s WHERE created_at > %s", (INSTALLED,) * 2)
        for start_h, start_m, end_h, end_m in SESSION_HOURS[:per_day]:
            t0 = time.perf_counter()
            # Every tenth board is dark from March to May.
            conn.execute(
                "INSERT INTO board_sessions (board_id, started_at, ended_at)"
                " SELECT b.id, (d + %s::interval) AT TIME ZONE 'Asia/Ho_Chi_Minh',"
                " (d + %s::interval) AT TIME ZONE 'Asia/Ho_Chi_Minh'"
                " FROM generate_series(%s::timestamp, %s::timestamp, '1 day') d"
                " CROSS JOIN boards b WHERE NOT (b.id %% 10 = 0"
                " AND d >= '2026-03-01' AND d < '2026-06-01')",
                (
                    f"{start_h}:{start_m}",
                    f"{end_h}:{end_m}",
                    YEAR_FIRST - timedelta(days=1),
                    TODAY - timedelta(days=1),
                ),
            )
            took = time.perf_counter() - t0
            print(f"  board_sessions from {start_h:02}:{start_m:02}: {took:.1f} s", flush=True)
        conn.execute("VACUUM ANALYZE board_sessions")
        conn.execute("VACUUM ANALYZE boards")


def _fleet(conn: psycopg.Connection) -> None:
    conn.execute(
        "INSERT INTO areas (id, code, name, kind, path, depth, official, created_at) "
        "VALUES (1, 'VN', 'Việt Nam', 'country', '/1/', 0, true, now())"
    )
    conn.execute(
        "INSERT INTO areas (id, code, name, kind, parent_id, path, depth, official, created_at) "
        "SELECT 1 + p, lpad(p::text, 2, '0'), 'Tỉnh ' || p, 'province', 1, '/1/' || (1 + p) || '/',"
        " 1, true, now() FROM generate_series(1, %s) p",
        (PROVINCES,),
    )
    # Commune c (0-based) lies in province c % 34 + 1; ids start at 1000.
    conn.execute(
        "INSERT INTO areas (id, code, name, kind, parent_id, path, depth, official, created_at) "
        "SELECT 1000 + c, lpad((10000 + c)::text, 5, '0'), 'Xã ' || c, 'commune', 2 + c %% %s,"
        " '/1/' || (2 + c %% %s) || '/' || (1000 + c) || '/', 2, true, now()"
        " FROM generate_series(0, %s - 1) c",
        (PROVINCES, PROVINCES, BOARDS),
    )
    conn.execute("SELECT setval('areas_id_seq', 10000)")
    conn.execute(
        "INSERT INTO boards (id, code, name, area_id, profile_id, address, timezone, hours,"
        " is_test, created_at) SELECT 1 + c, 'B' || lpad(c::text, 5, '0'), 'Bảng ' || c,"
        " 1000 + c, (SELECT min(id) FROM display_profiles), '', 'Asia/Ho_Chi_Minh', '{}',"
        " false, %s FROM generate_series(0, %s - 1) c",
        (INSTALLED, BOARDS),
    )
    # Item i belongs to province i % 34 + 1, category i % 7.
    conn.execute(
        "INSERT INTO content_items (id, kind, area_id, state, category, priority, headline,"
        " created_at, updated_at) SELECT 1 + i, 'text', 2 + i %% %s, 'approved',"
        " (%s::text[])[1 + i %% 7], 'normal', 'Tin ' || i, now(), now()"
        " FROM generate_series(0, %s - 1) i",
        (PROVINCES, list(CATEGORIES), PROVINCES * ITEMS_PER_PROVINCE),
    )


def _item_of(board: str, n: str) -> str:
    # One of the board's province's items: (province - 1) + 34 * k, k in 0..59, plus 1.
    return (
        f"1 + ({board} - 1) %% {PROVINCES}"
        f" + {PROVINCES} * (({board} * 7 + {n}) %% {ITEMS_PER_PROVINCE})"
    )


def _year(conn: psycopg.Connection, items: int) -> None:
    last = TODAY - timedelta(days=RAW_DAYS + 1)  # the raw month is rolled from its records
    # Plain indexes are built after the load (the migration's own definitions): much faster.
    indexes = [
        row[0]
        for row in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'play_days'"
            " AND indexname NOT LIKE '%%pkey' AND indexdef NOT LIKE 'CREATE UNIQUE%%'"
        )
    ]
    for definition in indexes:
        conn.execute("DROP INDEX " + definition.split(" INDEX ", 1)[1].split(" ON ")[0])
    conn.execute(
        "INSERT INTO play_days (day, board_id, area_id, item_id, category, plays, seconds)"
        " SELECT x.day, x.board_id, x.area_id, x.item_id, it.category, x.plays, 30.0 * x.plays"
        " FROM (SELECT d::date AS day, b.id AS board_id, b.area_id,"
        f" {_item_of('b.id', 'n')} AS item_id, 1 + (b.id + n) %% 15 AS plays"
        " FROM generate_series(%s::date, %s::date, '1 day') d"
        " CROSS JOIN boards b CROSS JOIN generate_series(0, %s - 1) n) x"
        " JOIN content_items it ON it.id = x.item_id",
        (YEAR_FIRST, last, items),
    )
    for definition in indexes:
        conn.execute(definition)
    months(conn)
    conn.execute(
        "INSERT INTO play_rollups (day, rolled_at, purged_at) SELECT d::date,"
        " d + interval '1 day 1 hour', d + interval '91 days'"
        " FROM generate_series(%s::date, %s::date, '1 day') d",
        (YEAR_FIRST, last),
    )


def months(conn: psycopg.Connection) -> None:
    """Monthly totals of every month in play_days, as the rollup keeps them."""
    conn.execute("DELETE FROM play_months")
    conn.execute(
        "INSERT INTO play_months (month, board_id, area_id, category, plays, seconds)"
        " SELECT date_trunc('month', day)::date, board_id, area_id, category, sum(plays),"
        " sum(seconds) FROM play_days GROUP BY 1, 2, 3, 4"
    )


def _raw_day(conn: psycopg.Connection, day: date, plays: int) -> None:
    start = datetime.combine(day, day_time(5), HCM).astimezone(UTC)
    conn.execute(
        "INSERT INTO play_batches (board_id, batch_id, received_at, records)"
        " SELECT b.id, %s, %s::timestamptz + interval '16 hours', %s FROM boards b",
        (f"bench-{day.isoformat()}", start, plays),
    )
    # Plays every 4 minutes from 05:00 local (200 plays: until about 18:20).
    conn.execute(
        "INSERT INTO play_records (batch_id, board_id, item_id, revision_id, start, duration_s,"
        f" source) SELECT pb.id, pb.board_id, {_item_of('pb.board_id', 'n %% 20')}, 1,"
        " %s::timestamptz + n * interval '4 minutes', 30.0, NULL"
        " FROM play_batches pb CROSS JOIN generate_series(0, %s - 1) n"
        " WHERE pb.batch_id = %s",
        (start, plays, f"bench-{day.isoformat()}"),
    )


def _raw(conn: psycopg.Connection, plays: int) -> None:
    for k in range(RAW_DAYS, 0, -1):
        _raw_day(conn, TODAY - timedelta(days=k), plays)


def roll(app: Flask, days: list[date], now: datetime) -> None:
    """Roll these days in one transaction, as the job does."""
    from signage.reports.rollup import month_of, roll_day, roll_month

    with app.app_context(), db.scope() as session:
        for day in days:
            roll_day(session, day, tz=HCM, now=now)
        for month in sorted({month_of(d) for d in days}):
            roll_month(session, month)


def signed_in(app: Flask) -> FlaskClient:
    """A test client signed in as an installation-wide administrator."""
    from signage.accounts.models import Grant, User
    from signage.accounts.services import hash_password
    from signage.areas.models import Area

    with app.app_context(), db.scope() as session:
        if session.query(User).filter_by(username="bench").one_or_none() is None:
            root = session.query(Area).filter_by(code="VN").one()
            user = User(username="bench", password_hash=hash_password(PASSWORD), security_stamp="s")
            session.add(user)
            session.add(Grant(user=user, role="admin", area=root))
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token is not None
    resp = client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def count(url: str, table: str) -> int:
    """Rows in a table."""
    with psycopg.connect(libpq(url)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


def main() -> None:
    """Load (unless --reuse), then print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("BENCH_REPORTS_DB", DEFAULT_DB))
    parser.add_argument("--items", type=int, default=20, help="items per board and day")
    parser.add_argument("--raw-plays", type=int, default=20, help="raw plays per board and day")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database")
    parser.add_argument("--months", action="store_true", help="(re)compute the monthly totals")
    parser.add_argument("--sessions", type=int, default=3, help="sessions per board and day (1-4)")
    parser.add_argument("--only", default="", help="time only the reports whose name has this")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, nproc {os.cpu_count()}, cpu {cpu_model()}")
    app = create_app({"database_url": args.db, "testing": True, "secret_key": "bench"})
    set_clock(app, NOW)
    if not args.reuse:
        print("loading:")
        recreate(args.db)
        upgrade(args.db)
        load(args.db, args.items, args.raw_plays)
        month = [TODAY - timedelta(days=k) for k in range(RAW_DAYS, 0, -1)]
        timed(f"rollup of the raw month ({RAW_DAYS} days)", lambda: roll(app, month, NOW))
    else:
        upgrade(args.db)  # a database loaded by an older bench gets the newer tables
    sessions(args.db, args.sessions)
    if args.months:
        with psycopg.connect(libpq(args.db), autocommit=True) as conn:
            timed("monthly totals", lambda: months(conn))
            conn.execute("VACUUM ANALYZE play_months")
    with psycopg.connect(libpq(args.db)) as conn:
        version = conn.execute("SHOW server_version").fetchone()
    print(f"PostgreSQL {version[0] if version else '?'}")
    print(
        f"play_days {count(args.db, 'play_days'):,} rows; play_months "
        f"{count(args.db, 'play_months'):,}; play_records {count(args.db, 'play_records'):,};"
        f" board_sessions {count(args.db, 'board_sessions'):,};"
        f" {BOARDS:,} boards in {PROVINCES} provinces"
    )
    print()
    header = f"{'what (best of ' + str(args.repeat) + ')':<46} {'s':>7} {'rows':>6}"
    print(header)
    print("-" * len(header))
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        roll(app, [TODAY], NOW)
        best = min(best, time.perf_counter() - t0)
    label = f"rollup of today: {BOARDS:,} boards x {TODAY_PLAYS} plays"
    print(f"{label:<46} {best:>7.3f} {'-':>6}")
    bench = Bench(app, signed_in(app), province="01")
    for name, make in REPORTS:
        if args.only not in name:
            continue
        call = make(bench)
        call()  # warm the page's templates and the database's cache once
        best, rows = float("inf"), ""
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            rows = call()
            best = min(best, time.perf_counter() - t0)
        print(f"{name:<46} {best:>7.3f} {rows:>6}")


if __name__ == "__main__":
    main()
