"""The content list: words ignoring accents and case, state, category, area, author; paging keeps
them; a hostile filter gets a clear message and shows nothing from elsewhere."""

from __future__ import annotations

from sqlalchemy import select

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content.items import create_item
from signage.content.models import ContentItem
from signage.content.search import ContentQuery, search_items
from tests.conftest import login


def item(session, user, area, headline, body="", category="health_epidemic"):
    return create_item(
        session,
        Actor(user),
        kind="text",
        area=area,
        category=category,
        priority="normal",
        headline=headline,
        body=body,
        now=system_clock(),
    )


def found(session, user, **query):
    return {i.headline for i in session.scalars(search_items(user, ContentQuery(**query)))}


def test_words_ignore_accents_and_case_in_headline_and_body(session, tree, hk_editor):
    item(session, hk_editor, tree["hk"], "Lịch tiêm chủng", "Trạm Y TẾ phường")
    item(session, hk_editor, tree["hk"], "Cắt điện", "Đường Đinh Tiên Hoàng")
    assert found(session, hk_editor, text="TIEM chung") == {"Lịch tiêm chủng"}
    assert found(session, hk_editor, text="tram y te") == {"Lịch tiêm chủng"}
    assert found(session, hk_editor, text="duong dinh") == {"Cắt điện"}
    assert found(session, hk_editor, text="100%_") == set()  # LIKE wildcards are plain text


def test_filters_by_category_state_area_and_author(session, tree, hk_editor, factory):
    other = factory.user("hk-other", ("editor", tree["hk"]))
    item(session, hk_editor, tree["hk"], "Một", category="disaster")
    item(session, other, tree["village"], "Hai")
    assert found(session, hk_editor, category="disaster") == {"Một"}
    assert found(session, hk_editor, area=tree["village"]) == {"Hai"}
    assert found(session, hk_editor, author=other) == {"Hai"}
    assert found(session, hk_editor, state="approved") == set()


def test_the_list_page_keeps_filters_in_its_pager(client, session, tree, hk_editor):
    for n in range(55):
        item(session, hk_editor, tree["hk"], f"Tiêm chủng đợt {n}")
    item(session, hk_editor, tree["hk"], "Cắt điện")
    session.flush()
    login(client, "hk-editor")
    html = client.get(f"/content/?q=tiem&author={hk_editor.id}&area=00070").text
    assert "Cắt điện" not in html and html.count('data-item="') == 50
    assert (
        f"page=2&amp;q=tiem&amp;state=&amp;category=&amp;area=00070&amp;author={hk_editor.id}"
        in (html)
    )
    assert f'<option value="{hk_editor.id}" selected>' in html
    second = client.get(f"/content/?page=2&q=tiem&author={hk_editor.id}&area=00070").text
    assert second.count('data-item="') == 5


def test_hostile_filters_get_a_message_and_show_nothing_from_elsewhere(
    client, session, tree, hk_editor, factory
):
    hp_editor = factory.user("hp-editor", ("editor", tree["hp"]))
    item(session, hk_editor, tree["hk"], "Hà Nội")
    item(session, hp_editor, tree["hp"], "Hải Phòng")
    session.flush()
    login(client, "hk-editor")
    resp = client.get("/content/?area=31")  # another province: told apart from nothing? no
    assert resp.status_code == 422
    assert "Unknown area code: 31" in resp.text and "Hải Phòng" not in resp.text
    resp = client.get(f"/content/?author={hp_editor.id}")
    assert resp.status_code == 422 and "Choose an author from the list." in resp.text
    assert 'data-item="' not in resp.text
    resp = client.get("/content/?q=" + "x" * 5000 + "&state=bogus&category=<script>&page=-3")
    assert resp.status_code == 200 and "<script>" not in resp.text.split("<main")[-1]
    shown = client.get("/content/?state=bogus").text
    assert "Hà Nội" in shown  # an unknown state is no filter
    assert session.scalar(select(ContentItem).where(ContentItem.headline == "Hải Phòng"))
