"""Console pages: boards, import, groups, playlists editor, schedule form, week grid, timeline."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from signage.audit.services import Actor
from signage.boards.models import Board
from signage.clock import system_clock
from signage.content import workflow
from signage.content.items import create_item
from signage.schedules.models import Playlist, Schedule
from tests.conftest import csrf_token, login


def approved(session, app, admin, approver, area):
    item = create_item(
        session,
        Actor(admin),
        kind="text",
        area=area,
        category="policy_law",
        priority="normal",
        headline="Tin",
        now=system_clock(),
    )
    workflow.submit(session, Actor(admin), item, now=system_clock())
    workflow.approve(
        session, Actor(approver), item, store=app.extensions["signage_media"], now=system_clock()
    )
    return item


def test_console_flow(app, client, factory, session, tree, admin):
    approver = factory.user("appr", ("approver", tree["vn"]))
    item = approved(session, app, admin, approver, tree["hn"])
    login(client, "root-admin")
    assert client.get("/boards/").status_code == 200
    token = csrf_token(client, "/boards/new")
    resp = client.post(
        "/boards/new",
        data={
            "csrf_token": token,
            "code": "HK-1",
            "name": "Bảng 1",
            "area": "00070",
            "profile": "led-192x96-mono",
            "hours-0": "06:00-22:00",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    bad = client.post(
        "/boards/new",
        data={
            "csrf_token": token,
            "code": "HK-2",
            "name": "B",
            "area": "00070",
            "profile": "led-192x96-mono",
            "hours-1": "9-10",
        },
    )
    assert bad.status_code == 422
    csv = b"code,name,area_code,profile\nX-1,x,99999,led-192x96-mono\n"
    resp = client.post(
        "/boards/import",
        data={
            "csrf_token": csrf_token(client, "/boards/import"),
            "file": (io.BytesIO(csv), "b.csv"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "row 2" in resp.get_data(as_text=True)
    resp = client.post(
        "/boards/groups",
        data={
            "csrf_token": csrf_token(client, "/boards/groups"),
            "code": "CHO",
            "name": "Chợ",
            "area": "01",
        },
    )
    assert resp.status_code == 302
    client.post(
        "/boards/groups/CHO/members",
        data={"csrf_token": csrf_token(client, "/boards/groups"), "board": "HK-1"},
    )
    assert [g.code for g in session.scalar(select(Board)).groups] == ["CHO"]
    resp = client.post(
        "/playlists/",
        data={"csrf_token": csrf_token(client, "/playlists/"), "name": "Sáng", "area": "01"},
    )
    assert resp.status_code == 302
    pl = session.scalar(select(Playlist))
    page = f"/playlists/{pl.id}"
    for action in ("add", "add"):
        client.post(
            page, data={"csrf_token": csrf_token(client, page), "action": action, "item": item.id}
        )
    client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "action": "down:0",
            "duration-0": "20",
            "duration-1": "15",
        },
    )
    session.expire_all()
    assert [e.duration_s for e in session.get(Playlist, pl.id).entries] == [15, 20]
    assert "api/v1/content" in client.get(page).get_data(as_text=True)  # previews
    form = {
        "csrf_token": csrf_token(client, "/schedules/new"),
        "target_kind": "group",
        "target": "CHO",
        "playlist": pl.id,
        "windows": "22:00-01:00, 06:00-07:00",
        "weekdays": ["0", "6"],
        "priority": "normal",
    }
    bad = client.post("/schedules/new", data={**form, "windows": "06:00-07:00, 06:30-08:00"})
    assert bad.status_code == 422
    resp = client.post("/schedules/new", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    schedule = session.scalar(select(Schedule))
    html = client.get(f"/schedules/{schedule.id}").get_data(as_text=True)
    assert html.count("cell on") == 2 * (3 + 1)  # Mon+Sun: 22,23,(next day) 0 and 6
    assert client.get("/schedules/").status_code == 200
    # Edit: the form comes back filled in; a bad window changes nothing; a good one is saved.
    edit = f"/schedules/{schedule.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    assert 'value="22:00-01:00, 06:00-07:00"' in html and 'value="CHO"' in html
    assert 'id="wd-0" value="0" checked' in html and 'id="wd-3" value="3">' in html
    form["csrf_token"] = csrf_token(client, edit)
    bad = client.post(edit, data={**form, "windows": "25:00-26:00"})
    assert bad.status_code == 422
    session.expire_all()
    assert session.get(Schedule, schedule.id).windows == ["22:00-01:00", "06:00-07:00"]
    resp = client.post(edit, data={**form, "windows": "07:00-08:00", "weekdays": ["2"]})
    assert resp.status_code == 302
    session.expire_all()
    changed = session.get(Schedule, schedule.id)
    assert (changed.windows, changed.weekdays) == (["07:00-08:00"], [2])
    assert session.scalar(select(func.count()).select_from(Schedule)) == 1
    detail = client.get("/boards/HK-1").get_data(as_text=True)
    assert 'id="timeline"' in detail and "segment-" in detail  # content depends on today
    resp = client.post(f"/playlists/{pl.id}/delete", data={"csrf_token": csrf_token(client, page)})
    assert session.get(Playlist, pl.id) is not None


def test_edit_board_changes_it_and_pushes_its_manifest(app, client, factory, session, tree, admin):
    from signage.schedules.models import BoardManifest
    from tests.schedules.conftest import make_board

    board = make_board(session, "HK-E", tree["hk"], hours={"0": ["06:00-11:00", "13:00-22:00"]})
    login(client, "root-admin")
    page = "/boards/HK-E/edit"
    html = client.get(page).get_data(as_text=True)
    assert (
        'value="06:00-11:00, 13:00-22:00"' in html
        and 'value="00070"' in html
        and "readonly" in html
    )
    data = {
        "csrf_token": csrf_token(client, page),
        "code": "RENAMED",  # ignored: the code is fixed
        "name": "Bảng chợ Đồng Xuân",
        "area": "00070-T1",
        "profile": "lcd-1920x1080",
        "lat": "21.0375",
        "lon": "105.8497",
        "hours-0": "05:30-23:00",
        "is_test": "y",
    }
    resp = client.post(page, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    session.expire_all()
    board = session.get(Board, board.id)
    assert (board.code, board.name, board.area.code, board.profile.key, board.is_test) == (
        "HK-E", "Bảng chợ Đồng Xuân", "00070-T1", "lcd-1920x1080", True
    )  # fmt: skip
    assert board.hours["0"] == ["05:30-23:00"] and board.lat == 21.0375
    assert session.get(BoardManifest, board.id) is not None  # regenerated for the new profile

    bad = client.post(page, data={**data, "hours-2": "25:00-26:00", "name": "X"})
    assert bad.status_code == 422
    outside = client.post(page, data={**data, "area": "nope"})
    assert outside.status_code == 422
    session.expire_all()
    assert session.get(Board, board.id).name == "Bảng chợ Đồng Xuân"  # nothing half-written
    editor = factory.user("ed", ("editor", tree["vn"]))
    other = app.test_client()
    login(other, "ed")
    assert other.get(page).status_code == 403
    assert editor is not None
