"""Benchmark: boards and schedules on the real 3,321 commune-level units, one board each.

Run: .venv/bin/python bench/schedules.py
Builds a temporary SQLite database (migrations, official areas, CSV import of the boards), then
times: (a) resolving every board's 48 h timeline, (b) regenerating manifests after a
province-wide and a nationwide schedule change (service call + commit, emits counted), and
(c) manifest requests per second through Flask's test client (no network), with and without
If-None-Match. Prints a table.
"""

from __future__ import annotations

import os
import platform
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from signage import create_app
from signage.accounts.models import Grant, User
from signage.accounts.tokens import create_token
from signage.areas.models import Area
from signage.areas.services import import_official
from signage.audit.services import SYSTEM, Actor
from signage.boards.importer import import_boards
from signage.boards.models import Board, BoardGroupMember
from signage.clock import system_clock
from signage.content import workflow
from signage.content.items import create_item
from signage.db import db
from signage.migrations import upgrade
from signage.schedules import manifests, playlists, services
from signage.schedules.manifests import ManifestPublisher
from signage.schedules.timeline import timeline

PROFILES = ("led-192x96-mono", "led-256x128-3c", "lcd-1920x1080")
ROWS: list[tuple[str, str, str]] = []


def row(what: str, value: str, note: str = "") -> None:
    """Record and print one result line."""
    ROWS.append((what, value, note))
    print(f"  {what:<58} {value:>14}  {note}", flush=True)


def timed(fn):
    """(result, seconds) of fn()."""
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def user(session, name: str, role: str, area: Area) -> User:
    """A user with one grant (password unusable)."""
    u = User(username=name, password_hash="!", security_stamp=secrets.token_hex(8), locale="en")
    session.add(u)
    session.add(Grant(user=u, role=role, area=area))
    session.flush()
    return u


def main() -> None:
    """Build the installation and print the table."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-schedules-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    app = create_app(
        {
            "database_url": url,
            "instance_dir": tmp / "instance",
            "media_dir": tmp / "media",
            "secret_key": "bench",
            "testing": True,
            "background_tasks": False,  # flush and send inline: no loop outlives the test
            "alert_snapshot_seconds": 0,  # every alert_sync reads the test transaction
        }
    )
    emitted: list[str] = []
    with app.app_context(), app.test_request_context():
        store = app.extensions["signage_media"]
        publisher = ManifestPublisher(store, lambda code, version: emitted.append(code))
        print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, SQLite at {tmp}")
        with db.scope() as s:
            result, secs = timed(lambda: import_official(s, SYSTEM, now=system_clock()))
            row("import official areas", f"{secs:.2f} s", f"{result.created} created")
        with db.scope() as s:
            vn = s.scalar(select(Area).where(Area.code == "VN"))
            admin, approver = user(s, "admin", "admin", vn), user(s, "approver", "approver", vn)
            _row, token = create_token(s, SYSTEM, admin, name="bench", now=system_clock())
            items = []
            for i in range(3):
                item = create_item(
                    s,
                    Actor(admin),
                    kind="text",
                    area=vn,
                    category="policy_law",
                    priority="normal",
                    headline=f"Thông báo số {i + 1}",
                    body="Lịch tiêm chủng mở rộng vào sáng thứ Bảy.",
                    now=system_clock(),
                )
                workflow.submit(s, Actor(admin), item, now=system_clock())
                workflow.approve(s, Actor(approver), item, store=store, now=system_clock())
                items.append(item.id)
            units = list(s.scalars(select(Area).where(Area.depth == 2).order_by(Area.code)))
            csv = "code,name,area_code,profile,groups\n" + "".join(
                f"B-{a.code},Bảng {a.name},{a.code},{PROFILES[i % 3]},"
                f"{'CHO' if i % 10 == 0 else ''}\n"
                for i, a in enumerate(units)
            )
            report, secs = timed(
                lambda: import_boards(s, Actor(admin), csv.encode(), now=system_clock())
            )
            row(
                "import boards from CSV (all or nothing)",
                f"{secs:.2f} s",
                f"{report.boards} boards",
            )
        with db.scope() as s:
            pl = playlists.create_playlist(
                s,
                Actor(admin),
                name="Tin chung",
                area=vn,
                entries=[(i, None) for i in items],
                now=system_clock(),
            )
            provinces = list(s.scalars(select(Area).where(Area.depth == 1)))
            rng = random.Random(1)
            for p in provinces:  # each province: morning and evening programme
                services.save_schedule(
                    s,
                    Actor(admin),
                    services.ScheduleInput(
                        "area", p.code, pl.id, ["06:00-07:30", "17:00-18:30"], [0, 1, 2, 3, 4]
                    ),
                    now=system_clock(),
                )
            for a in rng.sample(units, 300):  # some communes add their own
                services.save_schedule(
                    s,
                    Actor(admin),
                    services.ScheduleInput(
                        "area", a.code, pl.id, ["11:00-11:30"], [0, 2, 4], "priority"
                    ),
                    now=system_clock(),
                )
            pl_id = pl.id
        now = system_clock()
        with db.scope() as s:
            boards = list(s.scalars(select(Board)))
            groups: dict[int, list[int]] = {}
            for gid, bid in s.execute(select(BoardGroupMember.group_id, BoardGroupMember.board_id)):
                groups.setdefault(bid, []).append(gid)
            index, load = timed(lambda: manifests.RuleIndex.load(s, now))

            def resolve_all() -> int:
                n = 0
                for b in boards:
                    rules = index.rules_for(b, groups.get(b.id, []))
                    n += len(timeline(manifests.context(b), rules, now, now + timedelta(hours=48)))
                return n

            segs, secs = timed(resolve_all)
            row("(a) load rules", f"{load * 1000:.0f} ms", "335 schedules")
            row(
                "(a) resolve 48 h timeline of every board",
                f"{secs:.2f} s",
                f"{len(boards)} boards, {segs} segments, {secs / len(boards) * 1e6:.0f} us/board",
            )
        with db.scope() as s:
            changed, secs = timed(lambda: publisher.boards(s, [b.id for b in boards], now=now))
        row(
            "first generation of every manifest (+commit)",
            f"{secs:.2f} s",
            f"{len(changed)} boards",
        )
        for label, code in (
            ("(b) province-wide change, Hà Nội (01)", "01"),
            ("(b) province-wide change, Thanh Hóa (38)", "38"),
            ("(b) nationwide change (VN)", "VN"),
        ):
            emitted.clear()

            def change(code: str = code) -> None:
                with db.scope() as s:
                    services.save_schedule(
                        s,
                        Actor(admin),
                        services.ScheduleInput(
                            "area", code, pl_id, ["20:00-21:00"], [0, 1, 2, 3, 4, 5, 6], "priority"
                        ),
                        now=system_clock(),
                        publisher=publisher,
                    )

            _none, secs = timed(change)
            row(label, f"{secs:.2f} s", f"{len(emitted)} boards emitted after commit")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        codes = [b.code for b in boards]
        with db.scope() as s:
            versions = dict(
                s.execute(
                    select(Board.code, manifests.BoardManifest.version).join(
                        manifests.BoardManifest, manifests.BoardManifest.board_id == Board.id
                    )
                ).all()
            )
            total = s.scalar(select(func.count()).select_from(manifests.BoardManifest))
        for label, etag in (
            ("(c) GET manifest, no ETag", False),
            ("(c) GET manifest, If-None-Match (304)", True),
        ):
            n = 1000
            picks = [random.Random(2).choice(codes) for _ in range(n)]
            t0 = time.perf_counter()
            for c in picks:
                h = {**headers, "If-None-Match": f'"{versions[c]}"'} if etag else headers
                resp = client.get(f"/api/v1/boards/{c}/manifest", headers=h)
                assert resp.status_code == (304 if etag else 200), resp.status_code
            secs = time.perf_counter() - t0
            row(label, f"{n / secs:.0f} req/s", f"Flask test client, 1 thread, {total} manifests")
    print("\n| measurement | result | note |\n|---|---|---|")
    for what, value, note in ROWS:
        print(f"| {what} | {value} | {note} |")


if __name__ == "__main__":
    main()
