"""The Python player against the real server, both as real processes.

Pair with the code shown on screen, play the programme, see a programme change, keep playing
with the server stopped (across a player restart too), resync when it is back, drop to
"not paired" on revocation. Every wait polls with a generous timeout; nothing asserts timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from signage_testing.processes import Api, Instance, PlayerProcess, Server, pair, wait_for
from tests.e2e.stack import player_stack

pytestmark = pytest.mark.e2e

BOARD = "HN-HK-001"
PASSWORD = "e2e-player-password-1"


def not_blank(path: Path) -> bool:
    """At least two colours and some lit pixels."""
    with Image.open(path) as im:
        rgb = im.convert("RGB")
        return rgb.getbbox() is not None and len(rgb.getcolors(1 << 20) or [None, None]) > 1


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Instance, Server, PlayerProcess]]:
    yield from player_stack(tmp_path, SIGNAGE_DEMO_PASSWORD=PASSWORD)


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
    admin = instance.api(server.url, "admin")
    editor = instance.api(server.url, "editor")
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

    code = player.pairing_code(logs)
    assert not_blank(player.frames / "current.png")
    assert pair(admin, BOARD, code)["paired"]

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
