"""Benchmark: the Python player's own cost, and the server's cost of 1,000 heartbeating players.

Run: .venv/bin/python bench/players.py
(a) Starts `python -m signage_player` with the frames output and a cache filled with a
    two-item programme (4 s each, so the picture changes every 4 s), the server unreachable:
    the playback loop alone. Samples RSS and CPU from /proc over 20 s after a 5 s warm-up.
(b) 1,000 boards connected to /player through Flask-SocketIO's test client (in process, no
    sockets: 1,000 real websocket clients would not fit on 2 shared cores next to the server).
    Each round every board sends one heartbeat (the real handler: routing, size check, pydantic
    validation, StatusBuffer) and the buffer is flushed twice, as the 15 s flush does over the
    30 s heartbeat interval. CPU per round / 30 s = the server's CPU share for 1,000 players;
    database statements and rows are counted with an SQLAlchemy event.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from signage_testing.processes import PlayerProcess, cpu_seconds, rss_kib

ROWS: list[tuple[str, str, str]] = []
BOARDS = 1000
ROUNDS = 5
HEARTBEAT_S = 30


def row(what: str, value: str, note: str = "") -> None:
    """Record and print one result line."""
    ROWS.append((what, value, note))
    print(f"  {what:<58} {value:>14}  {note}", flush=True)


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (192, 96), colour).save(buf, "PNG")
    return buf.getvalue()


def _cache(root: Path) -> None:
    """A cache as a paired player leaves it: token, board, an active two-item manifest."""
    media = root / "media"
    media.mkdir(parents=True)
    entries = []
    for i, colour in enumerate([(255, 0, 0), (0, 255, 0)]):
        data = _png(colour)
        sha = hashlib.sha256(data).hexdigest()
        (media / f"{sha}.png").write_bytes(data)
        entries.append(
            {"item": i + 1, "revision": i + 1, "duration_s": 4, "schedule": 1,
             "priority": "normal", "url": f"/media/{sha}.png", "sha256": sha, "scrolls": False}
        )  # fmt: skip
    now = datetime.now(UTC)
    iso = lambda t: t.isoformat().replace("+00:00", "Z")  # noqa: E731
    doc = {
        "board": "B-1", "profile": "led-192x96-mono", "tz": "Asia/Ho_Chi_Minh",
        "fallback": "Phường Hoàn Kiếm", "to": iso(now + timedelta(hours=48)),
        "segments": [{"start": iso(now - timedelta(hours=1)), "end": iso(now + timedelta(hours=48)),
                      "kind": "programme", "entries": entries}],
    }  # fmt: skip
    (root / "manifests").mkdir()
    (root / "manifests" / "v1.json").write_text(json.dumps({"version": "v1", "manifest": doc}))
    (root / "active").write_text("v1")
    (root / "token").write_text("sgb_bench\n")
    (root / "board.json").write_text(
        json.dumps({"code": "B-1", "name": "Bảng", "profile": "led-192x96-mono"})
    )


def bench_player() -> None:
    """(a) RSS and CPU of the player while it plays its cached programme."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-player-"))
    _cache(tmp / "cache")
    # The server is unreachable: the playback loop alone.
    player = PlayerProcess(
        tmp, "http://127.0.0.1:9", settings={"log_level": "WARNING"}, max_files=None
    )
    player.start()
    assert player.proc is not None
    pid = player.proc.pid
    try:
        time.sleep(5)
        cpu0 = cpu_seconds(pid)
        t0 = time.monotonic()
        peak = 0
        samples = []
        while time.monotonic() - t0 < 20:
            time.sleep(1)
            rss = rss_kib(pid) * 1024
            samples.append(rss)
            peak = max(peak, rss)
        cpu1 = cpu_seconds(pid)
        elapsed = time.monotonic() - t0
        frames = player.frame_count()
    finally:
        player.stop()
    row("(a) player RSS while playing (mean / peak)",
        f"{sum(samples) / len(samples) / 2**20:.0f} / {peak / 2**20:.0f} MiB",
        "frames output, 192x96, server unreachable")  # fmt: skip
    row("(a) player CPU while playing", f"{(cpu1 - cpu0) / elapsed * 100:.1f} %",
        f"of one core over {elapsed:.0f} s; 10 frame ticks/s, {frames} frames written")  # fmt: skip


def bench_server() -> None:
    """(b) heartbeats of 1,000 players through the real /player handlers."""
    from sqlalchemy import event, select

    from signage import create_app
    from signage.areas.models import Area
    from signage.areas.services import import_official
    from signage.audit.services import SYSTEM
    from signage.boards.importer import import_boards
    from signage.boards.models import Board
    from signage.clock import system_clock
    from signage.db import db
    from signage.migrations import upgrade
    from signage.players.namespace import flush_status
    from signage.players.tokens import issue_token
    from signage.realtime import socketio
    from signage.schedules.manifests import ManifestPublisher

    tmp = Path(tempfile.mkdtemp(prefix="bench-heartbeats-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    app = create_app(
        {"database_url": url, "instance_dir": tmp / "instance", "media_dir": tmp / "media",
         "secret_key": "bench", "testing": True,
         "background_tasks": False, "alert_snapshot_seconds": 0}
    )  # fmt: skip
    with app.app_context():
        with db.scope() as s:
            import_official(s, SYSTEM, province="01", now=system_clock())
            units = list(s.scalars(select(Area).where(Area.depth == 2).order_by(Area.code)))
            csv = "code,name,area_code,profile,groups\n" + "".join(
                f"B-{i:04d},Bảng {i},{units[i % len(units)].code},led-192x96-mono,\n"
                for i in range(BOARDS)
            )
            import_boards(s, SYSTEM, csv.encode(), now=system_clock(), check_permission=False)
        with db.scope() as s:
            boards = list(s.scalars(select(Board).order_by(Board.code)))
            tokens = [issue_token(s, SYSTEM, b, now=system_clock()) for b in boards]
        with db.scope() as s:
            ManifestPublisher(app.extensions["signage_media"], lambda c, v: None).due(
                s, now=system_clock()
            )
        flask_client = app.test_client()
        t0 = time.perf_counter()
        clients = [
            socketio.test_client(
                app,
                namespace="/player",
                auth={"token": t, "protocol": 1, "player_version": "bench"},
                flask_test_client=flask_client,
            )
            for t in tokens
        ]
        connect_s = time.perf_counter() - t0
        assert all(c.is_connected("/player") for c in clients)
        for c in clients:
            c.get_received("/player")
        row("(b) connect 1,000 boards (test client, token + state)", f"{connect_s:.2f} s",
            f"{connect_s / BOARDS * 1000:.1f} ms each")  # fmt: skip
        writes = {"statements": 0, "rows": 0}

        def count(conn, cursor, statement, params, context, executemany):
            if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
                writes["statements"] += 1
                writes["rows"] += len(params) if executemany else 1

        event.listen(db.engine, "before_cursor_execute", count)
        beat = {"current_item": 17, "manifest_version": "v" * 64, "player_version": "0.1.0",
                "free_disk": 12_000_000_000, "uptime": 86_400}  # fmt: skip
        cpu0 = time.process_time()
        half = BOARDS // 2  # beats spread over the period: half before each 15 s flush
        for _ in range(ROUNDS):
            for group in (clients[:half], clients[half:]):
                for c in group:
                    c.emit("heartbeat", beat, namespace="/player")
                flush_status(app)
        cpu = time.process_time() - cpu0
        event.remove(db.engine, "before_cursor_execute", count)
        for c in clients:
            c.disconnect("/player")
    per_round = cpu / ROUNDS
    row("(b) CPU for 1,000 heartbeats + 2 flushes (one 30 s period)",
        f"{per_round * 1000:.0f} ms", f"{per_round / BOARDS * 1e6:.0f} us a heartbeat")  # fmt: skip
    share = per_round / HEARTBEAT_S * 100
    row("(b) server CPU for 1,000 players at one beat / 30 s", f"{share:.2f} %",
        "of one core (handler + buffer + flush)")  # fmt: skip
    period = ROUNDS * HEARTBEAT_S
    row("(b) DB writes for 1,000 players", f"{writes['statements'] / period:.3f} stmt/s",
        f"{writes['rows'] / period:.1f} rows/s; one batched UPDATE a 15 s flush")  # fmt: skip


def main() -> None:
    """Run both parts and print the table."""
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs")
    bench_player()
    bench_server()
    print("\n| benchmark | result | note |\n|---|---|---|")
    for what, value, note in ROWS:
        print(f"| {what} | {value} | {note} |")


if __name__ == "__main__":
    main()
