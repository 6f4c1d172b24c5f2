"""The Python player against the real server, both as real processes.

Pair with the code shown on screen, play the programme, see a programme change, keep playing
with the server stopped (across a player restart too), resync when it is back, drop to
"not paired" on revocation. Every wait polls with a generous timeout; nothing asserts timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from tests.e2e.processes import Api, Instance, Server, stop_process

pytestmark = pytest.mark.e2e

BOARD = "HN-HK-001"
PASSWORD = "e2e-player-password-1"
TIMEOUT = 90.0


def wait_for(what: str, check: Callable[[], Any], timeout: float = TIMEOUT, logs=()) -> Any:
    """Poll `check` until it returns something truthy; fail with the logs otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (OSError, ValueError, KeyError):
            value = None
        if value:
            return value
        time.sleep(0.3)
    tails = "\n".join(f"--- {p}:\n{Path(p).read_text()[-4000:]}" for p in logs if Path(p).exists())
    pytest.fail(f"timed out waiting for {what}\n{tails}")


class PlayerProcess:
    """`python -m signage_player --config FILE` with the frames output."""

    def __init__(self, tmp: Path, server_url: str) -> None:
        self.tmp = tmp
        self.frames = tmp / "frames"
        self.status_path = tmp / "cache" / "status.json"
        self.log = tmp / "player.log"
        self.config = tmp / "player.toml"
        self.config.write_text(
            f'server = "{server_url}"\ncache_dir = "cache"\nlog_level = "DEBUG"\n'
            "heartbeat_s = 1\nproof_batch_s = 2\npairing_poll_s = 1\n"
            '[output]\nkind = "frames"\ndir = "frames"\nmax_files = 500\n',
            encoding="utf-8",
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a", encoding="utf-8") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "signage_player", "--config", str(self.config)],
                cwd=self.tmp,
                env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None

    def status(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.poll() is None, "player exited"
        return json.loads(self.status_path.read_text(encoding="utf-8"))

    def frame_count(self) -> int:
        return len(list(self.frames.glob("frame-*.png")))


def not_blank(path: Path) -> bool:
    """At least two colours and some lit pixels."""
    with Image.open(path) as im:
        rgb = im.convert("RGB")
        return rgb.getbbox() is not None and len(rgb.getcolors(1 << 20) or [None, None]) > 1


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Instance, Server, PlayerProcess]]:
    instance = Instance(tmp_path, SIGNAGE_DEMO_PASSWORD=PASSWORD, SIGNAGE_STATUS_FLUSH_SECONDS="1")
    server = instance.server()
    player = PlayerProcess(tmp_path, server.url)
    try:
        yield instance, server, player
    finally:
        player.stop()
        instance.close()


def _item(editor: Api, admin: Api, headline: str) -> int:
    item = editor(
        "POST",
        "/content",
        {
            "kind": "text",
            "area": "01",
            "category": "health_epidemic",
            "priority": "normal",
            "headline": headline,
            "body": "Thông báo thử nghiệm cho bảng tin.",
        },
        expect=201,
    )
    editor("POST", f"/content/{item['id']}/submit")
    admin("POST", f"/content/{item['id']}/approve", {"comment": "ok"})
    return item["id"]


def _sha_of(admin: Api, item_id: int) -> str:
    doc = admin("GET", f"/boards/{BOARD}/manifest")["manifest"]
    for seg in doc["segments"]:
        for e in seg["entries"]:
            if e["item"] == item_id:
                return e["sha256"]
    raise KeyError(item_id)


def test_python_player_end_to_end(stack: tuple[Instance, Server, PlayerProcess]) -> None:
    instance, server, player = stack
    instance.run("db", "upgrade")
    instance.run("seed-demo")
    admin = Api(
        server.url, instance.run("tokens", "create", "--user", "admin").strip().splitlines()[-1]
    )
    editor = Api(
        server.url, instance.run("tokens", "create", "--user", "editor").strip().splitlines()[-1]
    )
    server.start()
    logs = [player.log, instance.log_path]

    # A programme on the board all day: two items taking turns every 3 s.
    first = [_item(editor, admin, h) for h in ("Tin thứ nhất", "Tin thứ hai")]
    playlist = editor(
        "POST",
        "/playlists",
        {"name": "E2E", "area": "01", "items": [{"item": i, "duration_s": 3} for i in first]},
        expect=201,
    )
    editor(
        "POST",
        "/schedules",
        {
            "name": "E2E cả ngày",
            "target_kind": "board",
            "target": BOARD,
            "playlist": playlist["id"],
            "windows": ["00:00-12:00", "12:00-00:00"],
        },
        expect=201,
    )

    # Pairing: the code is on screen (and in the status file); an operator enters it.
    player.start()

    def code_on_screen() -> str | None:
        status = player.status()
        return status["pairing_code"] if "pair" in status["picture"] else None

    code = wait_for("a pairing code on screen", code_on_screen, logs=logs)
    assert not_blank(player.frames / "current.png")
    assert admin("POST", f"/boards/{BOARD}/pair", {"pairing_code": code})["paired"]

    # It plays the programme: rendition frames that are not blank, taking turns.
    shas = {_sha_of(admin, i) for i in first}
    seen: set[str] = set()

    def both_items_seen() -> bool:
        picture = player.status()["picture"]
        seen.update(s for s in shas if s in picture)
        return seen == shas

    wait_for("both items on screen", both_items_seen, logs=logs)
    assert not_blank(player.frames / "current.png")
    with Image.open(player.frames / "current.png") as shown:
        assert shown.size == (192, 96)
    assert (player.tmp / "cache" / "token").stat().st_mode & 0o777 == 0o600
    wait_for(
        "the board online",
        lambda: admin("GET", f"/boards/{BOARD}/status")["online"],
        logs=logs,
    )

    # A programme change reaches the screen (two items still, so frames keep changing).
    third = _item(editor, admin, "Tin mới thay đổi")
    editor(
        "PUT",
        f"/playlists/{playlist['id']}",
        {"name": "E2E", "items": [{"item": i, "duration_s": 3} for i in (third, first[0])]},
    )
    new_sha = _sha_of(admin, third)
    wait_for("the new item on screen", lambda: new_sha in player.status()["picture"], logs=logs)
    version = player.status()["manifest_version"]
    assert version == admin("GET", f"/boards/{BOARD}/manifest")["version"]

    # Commands from the console: identify shows the board's code; a screenshot is uploaded.
    admin("POST", f"/boards/{BOARD}/commands", {"name": "identify"}, expect=202)
    wait_for("identify on screen", lambda: "identify" in player.status()["picture"], logs=logs)
    admin("POST", f"/boards/{BOARD}/commands", {"name": "screenshot"}, expect=202)
    wait_for(
        "a screenshot",
        lambda: admin("GET", f"/boards/{BOARD}/status")["screenshot_url"],
        logs=logs,
    )

    # A real alert from the API takes the screen as its rendered picture, is counted as
    # displayed, and a cancel gives the screen back to the programme.
    alert = admin("POST", "/alerts", {"template": "storm", "boards": [BOARD]}, expect=201)
    shown = f"('alert', {alert['id']}, 1, 'image'"
    wait_for("the alert picture on screen", lambda: shown in player.status()["picture"], logs=logs)
    wait_for(
        "the displayed receipt counted",
        lambda: admin("GET", f"/alerts/{alert['id']}")["receipts"]["displayed"] == 1,
        logs=logs,
    )
    admin("POST", f"/alerts/{alert['id']}/cancel")
    wait_for(
        "the programme back after the cancel",
        lambda: "alert" not in player.status()["picture"],
        logs=logs,
    )

    # Proof of play reaches the server (batches are acknowledged and leave the journal).
    def plays_stored() -> int:
        engine = create_engine(instance.database_url)
        try:
            with engine.connect() as db:
                return db.execute(text("SELECT count(*) FROM play_records")).scalar_one()
        finally:
            engine.dispose()

    wait_for("proof of play stored", plays_stored, logs=logs)

    # Server down: the player keeps producing frames, across a player restart too.
    server.stop()
    wait_for("the player to notice", lambda: not player.status()["connected"], logs=logs)
    player.stop()
    player.start()
    count = player.frame_count()
    wait_for("frames while offline", lambda: player.frame_count() > count + 1, logs=logs)
    status = player.status()
    assert status["manifest_version"] == version and not status["connected"]
    assert "entry" in status["picture"] and not_blank(player.frames / "current.png")

    # Server back: the player reconnects by itself and reports in.
    server.start()
    wait_for("reconnection", lambda: player.status()["connected"], timeout=150, logs=logs)
    wait_for(
        "the board online again",
        lambda: admin("GET", f"/boards/{BOARD}/status")["manifest_version"] == version,
        logs=logs,
    )

    # Revoked: disconnected at once, "not paired" on screen, the token file gone.
    admin("POST", f"/boards/{BOARD}/revoke")
    wait_for(
        "not paired",
        lambda: (
            player.status()["mode"] in ("pairing", "not_paired")
            and "pair" in player.status()["picture"]
        ),
        logs=logs,
    )
    wait_for("the token deleted", lambda: not (player.tmp / "cache" / "token").exists())
    assert not_blank(player.frames / "current.png")
