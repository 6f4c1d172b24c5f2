"""Benchmark: the December report for the whole country on PostgreSQL.

Run: .venv/bin/python bench/reports_december.py [--db URL] [--boards-per-unit N] [--items N]
Builds its own database (default bench_reports_december on the local PostgreSQL; it is created
if missing and emptied first): migrations, the 3,321 official commune-level units, N boards in
each, a year of daily play rollups (`play_days`, `--items` items a board a day, categories in
turn) and one connection session a board a day (06:00-22:00 local, a tenth of the boards dark for
three months), loaded with COPY. Then times the December report of 2026 for the country, for one
province and the XLSX of the country. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from signage import create_app
from signage.areas.models import Area
from signage.areas.services import import_official
from signage.audit.services import SYSTEM
from signage.boards.models import Board, BoardSession
from signage.clock import set_clock, system_clock
from signage.content.models import CATEGORIES, ProfileRecord
from signage.db import db
from signage.http.export import xlsx_bytes
from signage.migrations import upgrade
from signage.reports.december import december_report
from signage.reports.indicators import UNIT_KINDS, Rules
from signage.reports.models import PlayDay
from signage.reports.views.indicator_tables import sheets

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports_december"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR, FIRST, LAST = 2026, date(2025, 12, 15), date(2026, 12, 14)
NOW = datetime(2026, 12, 20, 3, tzinfo=UTC)
PROFILES = ("led-192x96-mono", "led-256x128-3c", "lcd-1920x1080", "led-384x192-full")
ROWS: list[tuple[str, str, str]] = []


def row(what: str, value: str, note: str = "") -> None:
    """Record and print one result line."""
    ROWS.append((what, value, note))
    print(f"  {what:<52} {value:>12}  {note}", flush=True)


def timed(fn):
    """(result, seconds) of fn()."""
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def prepare_database(url: str) -> None:
    """Create the database if missing, then empty it (PostgreSQL only)."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    base, name = plain.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute("DROP SCHEMA public CASCADE")
        c.execute("CREATE SCHEMA public")


def load_boards(per_unit: int) -> list[tuple[int, int]]:
    """N boards in every commune-level unit; (board id, area id) of each."""
    with db.scope() as s:
        units = list(s.scalars(select(Area).where(Area.kind.in_(UNIT_KINDS)).order_by(Area.id)))
        profiles = [
            s.scalar(select(ProfileRecord.id).where(ProfileRecord.key == k)) for k in PROFILES
        ]
        installed = datetime(2025, 1, 1, tzinfo=UTC)
        s.execute(
            Board.__table__.insert(),
            [
                {
                    "code": f"B-{a.code}-{n}",
                    "name": f"Bảng {n + 1} {a.name}",
                    "area_id": a.id,
                    "profile_id": profiles[(i + n) % len(profiles)],
                    "address": "",
                    "timezone": "Asia/Ho_Chi_Minh",
                    "hours": {},
                    "is_test": False,
                    "created_at": installed,
                }
                for i, a in enumerate(units)
                for n in range(per_unit)
            ],
        )
    with db.scope() as s:
        return [(b, a) for b, a in s.execute(select(Board.id, Board.area_id).order_by(Board.id))]


def copy_rows(table: str, columns: str, rows) -> int:
    """COPY rows into a table through the app's engine; returns how many."""
    n = 0
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
                n += 1
        raw.commit()
    finally:
        raw.close()
    return n


def play_rows(boards: list[tuple[int, int]], items: int):
    """One row per board, day and item over the report year."""
    days = (LAST - FIRST).days + 1
    for board_id, area_id in boards:
        for d in range(days):
            day = FIRST + timedelta(days=d)
            for item in range(items):
                k = board_id + d + item
                plays = 20 + k % 17
                yield (day, board_id, area_id, item + 1, CATEGORIES[k % len(CATEGORIES)], plays,
                       plays * 15.0)  # fmt: skip


def session_rows(boards: list[tuple[int, int]]):
    """06:00-22:00 local each day; every tenth board is dark from March to May."""
    days = (LAST - FIRST).days + 1
    dark_from, dark_to = date(2026, 3, 1), date(2026, 5, 31)
    for board_id, _area in boards:
        for d in range(days):
            day = FIRST + timedelta(days=d)
            if board_id % 10 == 0 and dark_from <= day <= dark_to:
                continue
            on = datetime(day.year, day.month, day.day, 6, tzinfo=HCM).astimezone(UTC)
            yield (board_id, on, on + timedelta(hours=16))


def main() -> None:
    """Build the installation and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_REPORTS_DB", DEFAULT_DB))
    parser.add_argument("--boards-per-unit", type=int, default=1)
    parser.add_argument("--items", type=int, default=2, help="items a board plays a day")
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        sys.exit("This benchmark runs on PostgreSQL (--db postgresql+psycopg://...).")
    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-december-"))
    prepare_database(args.db)
    upgrade(args.db)
    app = create_app(
        {
            "database_url": args.db,
            "instance_dir": tmp / "instance",
            "media_dir": tmp / "media",
            "secret_key": "bench",
            "testing": True,
            "background_tasks": False,
        }
    )
    set_clock(app, NOW)
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, PostgreSQL {args.db}")
    with app.app_context(), app.test_request_context():
        with db.scope() as s:
            result, secs = timed(lambda: import_official(s, SYSTEM, now=system_clock()))
        row("import official areas", f"{secs:.1f} s", f"{result.created} areas")
        boards, secs = timed(lambda: load_boards(args.boards_per_unit))
        row("insert boards", f"{secs:.1f} s", f"{len(boards)} boards")
        n, secs = timed(
            lambda: copy_rows(
                "play_days",
                "day, board_id, area_id, item_id, category, plays, seconds",
                play_rows(boards, args.items),
            )
        )
        row("COPY a year of play_days", f"{secs:.1f} s", f"{n:,} rows")
        n, secs = timed(
            lambda: copy_rows(
                "board_sessions", "board_id, started_at, ended_at", session_rows(boards)
            )
        )
        row("COPY a year of board_sessions", f"{secs:.1f} s", f"{n:,} rows")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        rules = Rules(connected_share=0.6, large_min_pixels=384 * 192)
        for label, code in (("country (VN)", "VN"), ("one province, Hà Nội (01)", "01")):
            with db.scope() as s:
                root = s.scalar(select(Area).where(Area.code == code))
                assert root is not None
                report, secs = timed(
                    lambda root=root, s=s: december_report(
                        s, root, YEAR, start=(12, 15), tz=HCM, now=NOW, rules=rules
                    )
                )
                t = report.total
                row(
                    f"December report {YEAR}, {label}",
                    f"{secs:.2f} s",
                    f"{len(report.units)} units, {t.figures.boards} boards, "
                    f"{t.figures.connected} connected, {t.figures.total_plays:,} plays",
                )
                if code == "VN":
                    body, secs = timed(lambda report=report: xlsx_bytes(sheets(report)))
                    row("XLSX of the country's report", f"{secs:.2f} s", f"{len(body):,} bytes")
        with db.scope() as s:
            sessions = s.scalar(select(func.count()).select_from(BoardSession))
            plays = s.scalar(select(func.count()).select_from(PlayDay))
        print(f"\n{sessions:,} sessions, {plays:,} play_days rows in {args.db}")
    print("\n| what | time | note |\n|---|---|---|")
    for what, value, note in ROWS:
        print(f"| {what} | {value} | {note} |")


if __name__ == "__main__":
    main()
