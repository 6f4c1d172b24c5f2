"""HTTP for players: manifest push and fetch with the board token, renditions, screenshots,
status, pairing end to end, and the issue-tokens command."""

from __future__ import annotations

import io
import os
import stat
from datetime import UTC, datetime

import pytest
from PIL import Image

from signage.boards.models import BoardStatus
from signage.clock import set_clock
from signage.players.tokens import authenticate_board
from tests.players_server.conftest import auth, events, plays
from tests.schedules.conftest import approved_item


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def png(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture()
def ten_in_the_morning(app) -> None:
    """10:00 in Ha Noi, inside a 06:00-22:00 window whatever the real hour."""
    set_clock(app, datetime(2026, 11, 25, 3, 0, tzinfo=UTC))


def test_schedule_change_pushes_the_manifest_to_a_connected_player(
    app, ten_in_the_morning, client, factory, session, admin, tree, player, token
):
    store = app.extensions["signage_media"]
    factory.user("vn-approver", ("approver", tree["vn"]), locale="en")
    item = approved_item(session, store, admin, tree["hn"])
    h = factory.bearer(admin)
    before = events(player, "state")[0]["manifest_version"]
    pl = client.post(
        "/api/v1/playlists",
        json={"name": "Sáng", "area": "01", "items": [{"item": item.id}]},
        headers=h,
    ).get_json()
    resp = client.post(
        "/api/v1/schedules",
        json={
            "target_kind": "board",
            "target": "HK-1",
            "playlist": pl["id"],
            "windows": ["06:00-22:00"],
        },
        headers=h,
    )
    assert resp.status_code == 201, resp.get_json()
    pushed = events(player, "manifest")
    assert len(pushed) == 1 and pushed[0]["version"] != before
    got = client.get("/api/v1/boards/HK-1/manifest", headers=bearer(token))
    assert got.status_code == 200
    assert got.get_json()["version"] == pushed[0]["version"]
    entry = got.get_json()["manifest"]["segments"][0]["entries"][0]
    assert client.get(entry["url"]).status_code == 200  # /media is public
    rev = entry["revision"]
    number = next(r.number for r in item.revisions if r.id == rev)
    url = f"/api/v1/content/{item.id}/revisions/{number}/renditions/led-192x96-mono.png"
    assert client.get(url, headers=bearer(token)).status_code == 200
    assert client.get(url).status_code == 401


def test_board_token_opens_only_its_own_board(client, session, tree, token):
    from tests.schedules.conftest import make_board

    make_board(session, "BD-1", tree["bd"])
    # Another board answers exactly like a board that does not exist (no existence oracle).
    other = client.get("/api/v1/boards/BD-1/manifest", headers=bearer(token))
    missing = client.get("/api/v1/boards/NO-SUCH/manifest", headers=bearer(token))
    assert other.status_code == missing.status_code == 404
    shown = other.get_data(as_text=True).replace("BD-1", "?")
    assert shown == missing.get_data(as_text=True).replace("NO-SUCH", "?")
    assert client.get("/api/v1/boards", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/boards/HK-1/manifest", headers=bearer("sgb_x")).status_code == 401


def test_screenshot_upload_is_linked_in_the_status(client, session, board, token, factory, admin):
    resp = client.post(
        "/api/v1/boards/HK-1/screenshot",
        data=png(),
        headers={**bearer(token), "Content-Type": "image/png"},
    )
    assert resp.status_code == 201, resp.get_json()
    assert client.get(resp.get_json()["url"]).status_code == 404  # screenshots are not public
    assert client.get(resp.get_json()["url"], headers=factory.bearer(admin)).status_code == 200
    status = client.get("/api/v1/boards/HK-1/status", headers=factory.bearer(admin)).get_json()
    assert status["screenshot_url"] == resp.get_json()["url"]
    assert status["paired"] is True
    not_png = client.post(
        "/api/v1/boards/HK-1/screenshot",
        data=b"garbage",
        headers={**bearer(token), "Content-Type": "image/png"},
    )
    assert not_png.status_code in (415, 422)
    by_user = client.post(
        "/api/v1/boards/HK-1/screenshot",
        data=png(),
        headers={**factory.bearer(admin), "Content-Type": "image/png"},
    )
    assert by_user.status_code == 403


def test_pairing_end_to_end(client, session, board, factory, admin, connect):
    started = client.post("/api/v1/pairing")
    assert started.status_code == 201
    ticket = started.get_json()
    assert len(ticket["pairing_code"]) == 6
    assert not set(ticket["pairing_code"]) & set("0O1IL2Z5S8B")
    poll = client.get(ticket["poll_url"])
    assert poll.status_code == 200 and poll.get_json()["status"] == "pending"
    h = factory.bearer(admin)
    code = ticket["pairing_code"].lower()
    paired = client.post(
        "/api/v1/boards/HK-1/pair", json={"pairing_code": f"{code[:3]} {code[3:]}"}, headers=h
    )
    assert paired.status_code == 200, paired.get_json()
    again = client.post("/api/v1/boards/HK-1/pair", json={"pairing_code": code}, headers=h)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "pairing_used"
    claimed = client.get(ticket["poll_url"]).get_json()
    assert claimed["status"] == "paired" and claimed["board"] == "HK-1"
    token = claimed["token"]
    assert client.get(ticket["poll_url"]).status_code == 409  # delivered only once
    sio = connect(auth(token))
    assert sio.is_connected("/player")
    assert events(sio, "state")[0]["board"]["code"] == "HK-1"
    unknown = client.post("/api/v1/boards/HK-1/pair", json={"pairing_code": "XXXXXX"}, headers=h)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "pairing_unknown"
    assert client.get("/api/v1/pairing/not-a-real-claim-id").status_code == 404


def test_expired_pairing_code_is_refused(client, session, board, factory, admin):
    from datetime import timedelta

    from sqlalchemy import select

    from signage.boards.models import PairingRequest

    ticket = client.post("/api/v1/pairing").get_json()
    row = session.scalar(
        select(PairingRequest).where(PairingRequest.code == ticket["pairing_code"])
    )
    row.expires_at -= timedelta(minutes=11)
    session.flush()
    resp = client.post(
        "/api/v1/boards/HK-1/pair",
        json={"pairing_code": ticket["pairing_code"]},
        headers=factory.bearer(admin),
    )
    assert resp.status_code == 410 and resp.get_json()["error"]["code"] == "pairing_expired"
    assert client.get(ticket["poll_url"]).status_code == 410


def test_pairing_needs_board_manage_on_the_board(client, board, factory, tree):
    viewer = factory.user("hp-admin", ("admin", tree["hp"]), locale="en")
    ticket = client.post("/api/v1/pairing").get_json()
    resp = client.post(
        "/api/v1/boards/HK-1/pair",
        json={"pairing_code": ticket["pairing_code"]},
        headers=factory.bearer(viewer),
    )
    assert resp.status_code in (403, 404)


def test_status_reports_heartbeats(client, player, session, board, factory, admin):
    from signage.players.namespace import flush_status

    plays(session, board, 3)
    player.emit("heartbeat", {"current_item": 3, "uptime": 5}, namespace="/player")
    flush_status()
    status = client.get("/api/v1/boards/HK-1/status", headers=factory.bearer(admin)).get_json()
    assert status["online"] is True and status["current_item"] == 3 and status["uptime"] == 5
    session.expire_all()
    assert session.get(BoardStatus, board.id).uptime == 5


def test_issue_tokens_cli_writes_a_private_csv_of_working_tokens(tmp_path):
    from tests.test_cli import Signage

    cli = Signage(tmp_path)
    try:
        cli.ok("db", "upgrade")
        with cli.session() as s:
            from sqlalchemy import select

            from signage.areas.models import Area
            from signage.boards.models import Board
            from signage.content.models import ProfileRecord

            area = Area(code="VN", name="Việt Nam", kind="country", depth=0, path="/")
            s.add(area)
            s.flush()
            area.path = f"/{area.id}/"
            profile = s.scalar(select(ProfileRecord).limit(1))
            s.add_all([Board(code=c, name=c, area=area, profile=profile) for c in ("A-1", "B-2")])
            s.commit()
        out = tmp_path / "tokens.csv"
        cli.ok("boards", "issue-tokens", "--out", str(out))
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        lines = out.read_text().splitlines()
        assert [line.split(",")[0] for line in lines] == ["A-1", "B-2"]
        first = dict(line.split(",") for line in lines)
        with cli.session() as s:
            assert authenticate_board(s, first["A-1"]).code == "A-1"
        cli.ok("boards", "issue-tokens", "--area", "VN", "--out", str(out))
        with cli.session() as s:
            try:
                authenticate_board(s, first["A-1"])
            except Exception as exc:
                assert getattr(exc, "code", "") == "revoked"
            else:
                raise AssertionError("an old token still authenticates")
        assert cli("boards", "issue-tokens", "--area", "NOPE", "--out", str(out)).exit_code != 0
    finally:
        cli.close()


def test_pairing_start_is_rate_limited(app, client):
    app.config["SIGNAGE"].pairing_rate_limit = "2 per minute"
    assert [client.post("/api/v1/pairing").status_code for _ in range(3)] == [201, 201, 429]
