"""Issue #13 point 1: the pickers' lookups find areas, boards, groups, playlists and items by
name (any accents), show where they are, and only inside the areas the right allows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.boards.models import Board, BoardGroup, ProfileRecord
from signage.content.models import ContentItem
from signage.schedules.models import Playlist
from tests.conftest import login

JSON = {"Accept": "application/json"}


@pytest.fixture()
def things(session, tree):
    """A board, a group, a playlist and two items in Hoàn Kiếm; the same kinds in Hải Phòng."""
    profile = session.scalar(select(ProfileRecord).limit(1))
    for key, area in (("HK", tree["hk"]), ("HP", tree["hp_commune"])):
        session.add(Board(code=f"{key}-01", name=f"Bảng chợ {key}", area=area, profile=profile))
        session.add(BoardGroup(code=f"{key}-G", name=f"Nhóm chợ {key}", area=area))
        session.add(Playlist(name=f"Chương trình sáng {key}", area=area))
        for state in ("approved", "draft"):
            session.add(
                ContentItem(
                    kind="text",
                    area=area,
                    state=state,
                    category="policy_law",
                    headline=f"Lịch tiêm chủng {key} {state}",
                )
            )
    session.flush()


def _get(client, url: str, **params):
    return client.get(url, query_string=params, headers=JSON)


def test_areas_are_found_without_accents_with_their_path(client, factory, tree):
    factory.user("admin", ("admin", tree["vn"]))
    login(client, "admin")
    resp = _get(client, "/lookup/areas", q="hoan kiem")
    assert resp.status_code == 200
    found = resp.get_json()
    assert found[0] == {
        "value": "00070",
        "label": "Phường Hoàn Kiếm",
        "path": "Thành phố Hà Nội › Phường Hoàn Kiếm",
    }
    # Upper case, accents typed or not, and the code all find the same ward first.
    for q in ("HOÀN KIẾM", "Hoàn Kiếm", "00070", "phuong hoan"):
        assert _get(client, "/lookup/areas", q=q).get_json()[0]["value"] == "00070"


def test_higher_areas_and_name_prefixes_come_first(client, factory, tree):
    factory.user("admin", ("admin", tree["vn"]))
    login(client, "admin")
    found = _get(client, "/lookup/areas", q="thanh pho").get_json()
    assert [c["value"] for c in found] == ["31", "01"] or [c["value"] for c in found] == [
        "01",
        "31",
    ]
    values = [c["value"] for c in _get(client, "/lookup/areas", q="").get_json()]
    assert values[0] == "VN"  # empty text: the user's areas, the highest first
    assert values.index("01") < values.index("00070") < values.index("00070-T1")


def test_a_commune_editor_never_sees_another_commune(client, factory, tree, things):
    factory.user("hk-editor", ("editor", tree["hk"]))
    login(client, "hk-editor")
    areas = _get(client, "/lookup/areas", q="", right="content.edit").get_json()
    assert {c["value"] for c in areas} == {"00070", "00070-T1"}
    assert _get(client, "/lookup/areas", q="hong bang").get_json() == []
    assert _get(client, "/lookup/areas", q="ba dinh").get_json() == []
    assert [c["value"] for c in _get(client, "/lookup/boards", q="cho").get_json()] == ["HK-01"]
    assert [c["value"] for c in _get(client, "/lookup/groups", q="").get_json()] == ["HK-G"]
    playlists = _get(client, "/lookup/playlists", q="chuong trinh").get_json()
    assert [c["label"] for c in playlists] == ["Chương trình sáng HK"]
    items = _get(client, "/lookup/items", q="tiem chung").get_json()
    assert [c["label"] for c in items] == ["Lịch tiêm chủng HK approved"]  # approved only
    # An editor may not manage boards: with that right nothing is offered.
    assert _get(client, "/lookup/boards", q="", right="board.manage").get_json() == []


def test_boards_are_found_by_their_areas_name_with_the_path(client, factory, tree, things):
    factory.user("admin", ("admin", tree["vn"]))
    login(client, "admin")
    found = _get(client, "/lookup/boards", q="hoan kiem").get_json()
    assert found == [
        {
            "value": "HK-01",
            "label": "Bảng chợ HK",
            "path": "Thành phố Hà Nội › Phường Hoàn Kiếm",
        }
    ]


def test_at_most_twenty_answers(client, factory, tree, session):
    for n in range(30):
        factory.area(f"00070-X{n:02d}", f"Tổ dân phố số {n}", "residential_group", tree["hk"])
    factory.user("admin", ("admin", tree["vn"]))
    login(client, "admin")
    assert len(_get(client, "/lookup/areas", q="to dan pho").get_json()) == 20


@pytest.mark.parametrize(
    "q", ["'; DROP TABLE areas; --", "%", "_", "<script>alert(1)</script>", "\x00", "\u202e\u200b"]
)
def test_hostile_text_finds_nothing_and_breaks_nothing(client, factory, tree, q):
    factory.user("admin", ("admin", tree["vn"]))
    login(client, "admin")
    for kind in ("areas", "boards", "groups", "playlists", "items"):
        resp = _get(client, f"/lookup/{kind}", q=q)
        assert resp.status_code == 200, kind
        assert resp.get_json() == []
    assert _get(client, "/lookup/areas", q="hoan kiem").get_json()[0]["value"] == "00070"


def test_very_long_text_is_refused_with_a_message(client, factory, tree):
    factory.user("admin", ("admin", tree["vn"]), locale="en")
    login(client, "admin")
    resp = _get(client, "/lookup/areas", q="x" * 5000)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["details"] == [{"field": "q", "message": "Type at most 100 characters to search."}]


@pytest.mark.parametrize("right", ["nuke", "area.view'--", "x" * 300])
def test_an_unknown_right_is_422(client, factory, tree, right):
    factory.user("admin", ("admin", tree["vn"]), locale="en")
    login(client, "admin")
    resp = _get(client, "/lookup/areas", q="hoan", right=right)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"][0]["field"] == "right"


def test_an_unknown_kind_is_404_and_nobody_signed_in_is_401(client, factory, tree):
    assert _get(client, "/lookup/areas", q="hoan").status_code == 401
    factory.user("admin", ("admin", tree["vn"]))
    login(client, "admin")
    assert _get(client, "/lookup/users", q="a").status_code == 404


def test_a_form_shown_again_shows_the_chosen_area_by_name(client, factory, tree):
    factory.user("hk-editor", ("editor", tree["hk"]), locale="en")
    login(client, "hk-editor")
    html = client.get("/playlists/").get_data(as_text=True)
    assert 'role="combobox"' in html and 'aria-controls="area-list"' in html
    from tests.web.conftest import post_form

    resp = post_form(client, "/playlists/", "/playlists/", {"name": "", "area": "00070"})
    html = resp.get_data(as_text=True)
    assert 'value="00070"' in html and 'data-label="Phường Hoàn Kiếm"' in html
    # A code outside the editor's areas is shown as typed, never by its name.
    resp = post_form(client, "/playlists/", "/playlists/", {"name": "", "area": "11311"})
    assert "Hồng Bàng" not in resp.get_data(as_text=True)


def test_a_picker_with_an_error_keeps_its_messages(client, factory, tree):
    factory.user("hn-admin", ("admin", tree["hn"]), locale="en")
    login(client, "hn-admin")
    from tests.web.conftest import post_form

    page = "/boards/groups"
    resp = post_form(client, page, page, {"code": "G1", "name": "N", "area": "31"})
    html = resp.get_data(as_text=True)
    assert resp.status_code in (200, 422)
    assert 'aria-invalid="true"' in html and "Unknown area code: 31" in html
    assert "Type a name or code" in html and "Hải Phòng" not in html


def test_a_value_sent_back_is_named_only_inside_the_users_areas(session, factory, tree, things):
    from signage.web.lookup import chosen_label

    editor = factory.user("hk-editor", ("editor", tree["hk"]))
    playlist = session.scalar(select(Playlist).where(Playlist.name == "Chương trình sáng HK"))
    assert chosen_label(session, editor, "areas", "00070") == "Phường Hoàn Kiếm"
    assert chosen_label(session, editor, "areas", "31") == "31"
    assert chosen_label(session, editor, "boards", "HK-01") == "Bảng chợ HK"
    assert chosen_label(session, editor, "boards", "HP-01") == "HP-01"
    assert chosen_label(session, editor, "playlists", str(playlist.id)) == playlist.name
    for odd in ("²", "9" * 40, "-1", "x", ""):
        assert chosen_label(session, editor, "items", odd) == odd
    for kind in ("areas", "boards", "items"):
        assert chosen_label(session, editor, kind, "0\x001") == "0\x001"
