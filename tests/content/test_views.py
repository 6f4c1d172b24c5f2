"""Console pages: list, new notice, upload, detail with dot-matrix previews, actions, queue."""

from __future__ import annotations

import io
import re

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.content.items import create_item
from signage.content.renditions import profiles
from tests.conftest import csrf_token, login
from tests.content.helpers import counts, jpeg, media_files


def make_item(session, user, area, headline="Lịch tiêm chủng"):
    return create_item(
        session,
        Actor(user),
        kind="text",
        area=area,
        category="health_epidemic",
        priority="normal",
        headline=headline,
        body="Thứ Bảy, 8 giờ",
        now=system_clock(),
    )


def test_nav_and_list(client, session, tree, hk_editor):
    make_item(session, hk_editor, tree["hk"])
    login(client, "hk-editor")
    html = client.get("/content/").get_data(as_text=True)
    assert 'href="/content/"' in html and "Lịch tiêm chủng" in html
    assert 'href="/content/queue"' not in html  # editors do not approve


def test_new_text_notice(client, session, tree, hk_editor):
    login(client, "hk-editor")
    token = csrf_token(client, "/content/new")
    resp = client.post(
        "/content/new",
        data={
            "csrf_token": token,
            "area": "00070",
            "category": "disaster",
            "priority": "priority",
            "headline": "Cảnh báo mưa lớn",
            "body": "Người dân chú ý.",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    detail = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Cảnh báo mưa lớn" in detail


def test_new_notice_with_bad_text_shows_the_problem(client, session, tree, hk_editor):
    login(client, "hk-editor")
    token = csrf_token(client, "/content/new")
    before = counts(session)
    resp = client.post(
        "/content/new",
        data={
            "csrf_token": token,
            "area": "00070",
            "category": "disaster",
            "priority": "normal",
            "headline": "Tin\u202e giả",
        },
    )
    assert resp.status_code == 422
    assert "U+202E" in resp.get_data(as_text=True)
    assert counts(session) == before


def test_detail_has_dot_matrix_previews_for_every_profile(client, session, tree, hk_editor):
    item = make_item(session, hk_editor, tree["hk"])
    login(client, "hk-editor")
    html = client.get(f"/content/{item.id}").get_data(as_text=True)
    for profile in profiles(session):
        assert f'data-profile="{profile.key}"' in html
    assert html.count('class="dot-matrix') == 3  # the three LED profiles
    assert "image-rendering: pixelated" in html and "radial-gradient" in html
    src = re.search(r'<img class="led-preview" src="([^"]+)"', html).group(1)
    png = client.get(src)
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert f'action="/content/{item.id}/submit"' in html


def test_submit_then_approve_from_the_console(client, session, tree, hk_editor, hn_approver):
    item = make_item(session, hk_editor, tree["hk"])
    login(client, "hk-editor")
    token = csrf_token(client, f"/content/{item.id}")
    assert client.post(f"/content/{item.id}/submit", data={"csrf_token": token}).status_code == 302
    client.post("/logout", data={"csrf_token": token})
    login(client, "hn-approver")
    queue = client.get("/content/queue").get_data(as_text=True)
    assert 'href="/content/queue"' in queue
    assert "Lịch tiêm chủng" in queue
    page = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert 'id="decision-form"' in page
    token = csrf_token(client, f"/content/{item.id}")
    resp = client.post(f"/content/{item.id}/approve", data={"csrf_token": token, "comment": "OK"})
    assert resp.status_code == 302
    session.refresh(item)
    assert item.state == "approved"
    html = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert 'data-action="content.approve"' in html and "hn-approver" in html


def test_reject_without_comment_shows_the_error(client, session, tree, hk_editor, hn_approver):
    item = make_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    session.flush()
    login(client, "hn-approver")
    token = csrf_token(client, f"/content/{item.id}")
    resp = client.post(f"/content/{item.id}/reject", data={"csrf_token": token, "comment": ""})
    assert resp.status_code == 422
    assert "Say why" in resp.get_data(as_text=True)


def test_queue_is_filtered_by_the_approvers_areas(
    client, session, tree, hk_editor, hp_approver, factory
):
    item = make_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    session.flush()
    login(client, "hp-approver")
    html = client.get("/content/queue").get_data(as_text=True)
    assert "Lịch tiêm chủng" not in html and 'id="content-empty"' in html
    assert client.get(f"/content/{item.id}").status_code == 404  # like a missing item


def test_upload_form_and_bad_upload(client, session, tree, hk_editor, store):
    login(client, "hk-editor")
    token = csrf_token(client, "/content/upload")
    fields = {
        "csrf_token": token,
        "area": "00070",
        "category": "socio_economic",
        "priority": "normal",
        "headline": "Ảnh",
    }
    before, files = counts(session), media_files(store)
    bad = client.post(
        "/content/upload",
        data={**fields, "file": (io.BytesIO(b"not an image at all"), "x.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 415 and "not an image" in bad.get_data(as_text=True)
    assert counts(session) == before and media_files(store) == files
    good = client.post(
        "/content/upload",
        data={**fields, "file": (io.BytesIO(jpeg()), "x.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert len(media_files(store)) == 1


def test_edit_creates_a_new_revision(client, session, tree, hk_editor):
    item = make_item(session, hk_editor, tree["hk"])
    login(client, "hk-editor")
    token = csrf_token(client, f"/content/{item.id}/edit")
    resp = client.post(
        f"/content/{item.id}/edit",
        data={
            "csrf_token": token,
            "category": "health_epidemic",
            "priority": "normal",
            "headline": "Lịch tiêm chủng (sửa)",
            "body": "Chủ nhật",
        },
    )
    assert resp.status_code == 302
    session.refresh(item)
    assert [r.number for r in item.revisions] == [1, 2]


def test_colours_per_profile_from_the_console(client, session, tree, hk_editor):
    from sqlalchemy import func, select

    from signage.content.models import ContentItem

    login(client, "hk-editor")
    page = "/content/new"
    html = client.get(page).get_data(as_text=True)
    assert 'name="colour-*"' in html and 'name="fg-led-192x96-mono"' in html
    data = {
        "csrf_token": csrf_token(client, page),
        "area": "00070",
        "category": "disaster",
        "priority": "priority",
        "headline": "Cảnh báo mưa lớn",
        "body": "Người dân chú ý.",
        "colour-*": "1",
        "fg-*": "#ffff00",
        "bg-*": "#000080",
        "colour-lcd-1920x1080": "1",
        "fg-lcd-1920x1080": "#FFFFFF",
        "bg-lcd-1920x1080": "#b00000",
        "fg-led-192x96-mono": "#00ff00",  # not ticked: ignored
    }
    bad = client.post(page, data={**data, "bg-*": "navy"})
    assert bad.status_code == 422 and "#rrggbb" in bad.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ContentItem)) == 0
    resp = client.post(page, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    item = session.scalar(select(ContentItem))
    assert item.latest.colours == {
        "*": {"fg": [255, 255, 0], "bg": [0, 0, 128]},
        "lcd-1920x1080": {"fg": [255, 255, 255], "bg": [176, 0, 0]},
    }
    edit = client.get(f"/content/{item.id}/edit").get_data(as_text=True)
    assert 'value="#b00000"' in edit and 'id="colour-lcd-1920x1080" value="1" checked' in edit
    # The LCD preview is drawn on the chosen background.
    from PIL import Image

    png = client.get(f"/api/v1/content/{item.id}/revisions/1/renditions/lcd-1920x1080.png")
    assert png.status_code == 200
    assert Image.open(io.BytesIO(png.data)).convert("RGB").getpixel((5, 1070)) == (176, 0, 0)


def test_save_and_submit_in_one_post(client, session, tree, hk_editor):
    """The new-notice form's "Save and submit" makes the draft and submits it in one post; a
    form that fails to validate writes nothing, submitted or not; any other `then` is a draft."""
    from sqlalchemy import select

    from signage.audit.models import AuditEntry
    from signage.content.models import ContentItem

    login(client, "hk-editor")
    token = csrf_token(client, "/content/new")
    data = {
        "csrf_token": token,
        "area": "00070",
        "category": "disaster",
        "priority": "normal",
        "headline": "Lịch cắt điện",
        "body": "Sáng thứ Bảy.",
        "then": "submit",
    }
    resp = client.post("/content/new", data=data, follow_redirects=True)
    assert "Saved and submitted for approval." in resp.get_data(
        as_text=True
    )  # hk-editor reads English
    item = session.scalars(select(ContentItem).where(ContentItem.headline == "Lịch cắt điện")).one()
    assert item.latest.state == "pending" and item.latest.submitted_at is not None
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(item.id))
    ).all()
    assert "content.create" in actions and "content.submit" in actions

    before = counts(session)
    bad = client.post("/content/new", data={**data, "headline": "Tin\u202e giả"})
    assert bad.status_code == 422 and counts(session) == before

    client.post("/content/new", data={**data, "headline": "Nháp thôi", "then": "<script>"})
    draft = session.scalars(select(ContentItem).where(ContentItem.headline == "Nháp thôi")).one()
    assert draft.latest.state == "draft"
