"""Picture fit (contain, cover, crop), the legibility warning, and changing the fit of an item."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from signage.audit.models import AuditEntry
from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import framing, workflow
from signage.content.fit import Fit, parse
from signage.content.items import create_item
from signage.content.profiles import seed_profile
from signage.content.render import render_image
from signage.content.renditions import profiles
from signage.content.uploads import upload_media
from signage.errors import ValidationFailed
from tests.conftest import csrf_token, login
from tests.content.helpers import counts

MONO, LCD = seed_profile("led-192x96-mono"), seed_profile("lcd-1920x1080")


def detailed_photo(width: int = 1600, height: int = 1200) -> Image.Image:
    """Thousands of small coloured shapes on a gradient: fine detail everywhere."""
    rng = random.Random(13)
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(3000):
        x, y, s = rng.randrange(width), rng.randrange(height), rng.randrange(4, 40)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + s, y + s // 2), fill=colour)
        else:
            draw.line((x, y, x + s, y + rng.randrange(-s, s)), fill=colour, width=2)
    return img


def poster(width: int = 800, height: int = 400) -> Image.Image:
    """Large white shapes on black: what a one-colour board shows well."""
    img = Image.new("RGB", (width, height), (0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((250, 50, 550, 350), fill=(255, 255, 255))
    draw.rectangle((50, 150, 200, 250), fill=(255, 255, 255))
    return img


def lit_columns(image: Image.Image, row: int) -> list[int]:
    return [x for x in range(image.width) if image.getpixel((x, row)) != (0, 0, 0)]


def white(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (width, height), (255, 255, 255))


# --- geometry ------------------------------------------------------------------------------


def test_contain_letterboxes_a_square_picture_on_a_wide_board() -> None:
    shown = render_image(MONO, white(400, 400), Fit("contain")).image
    lit = lit_columns(shown, 48)
    assert (lit[0], lit[-1]) == (48, 143)  # a 96x96 square centred, 48 px bars either side
    assert shown.getpixel((10, 48)) == (0, 0, 0) and shown.getpixel((180, 48)) == (0, 0, 0)


def test_cover_fills_the_board_without_bars() -> None:
    shown = render_image(MONO, white(400, 400), Fit("cover")).image
    assert all(shown.getpixel((x, y)) == (255, 0, 0) for x in range(192) for y in (0, 48, 95))


def test_crop_keeps_the_chosen_point_in_view() -> None:
    # A tall picture, black on top and white below: cover keeps the middle (half lit);
    # crop at 100 % down keeps only the white bottom.
    picture = Image.new("RGB", (200, 800), (0, 0, 0))
    ImageDraw.Draw(picture).rectangle((0, 400, 199, 799), fill=(255, 255, 255))
    middle = render_image(MONO, picture, Fit("cover")).image
    bottom = render_image(MONO, picture, Fit("crop", (50, 100))).image
    top = render_image(MONO, picture, Fit("crop", (50, 0))).image
    assert middle.getpixel((96, 5)) == (0, 0, 0) and middle.getpixel((96, 90)) == (255, 0, 0)
    assert all(bottom.getpixel((96, y)) == (255, 0, 0) for y in range(96))
    assert all(top.getpixel((96, y)) == (0, 0, 0) for y in range(96))


@pytest.mark.parametrize(
    ("mode", "x", "y"),
    [("stretch", 50, 50), ("", 50, 50), ("crop", 101, 50), ("crop", "-1", 0), ("crop", "x", 5)],
)
def test_bad_fit_input_is_refused(mode, x, y) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse(mode, x, y)
    assert caught.value.status == 422


# --- legibility ----------------------------------------------------------------------------


def test_detailed_photo_warns_on_the_small_mono_board_not_on_the_lcd() -> None:
    photo = detailed_photo()
    assert render_image(MONO, photo).legibility["warn"] is True
    assert render_image(LCD, photo).legibility["warn"] is False


def test_large_shapes_do_not_warn_on_the_mono_board() -> None:
    assert render_image(MONO, poster()).legibility["warn"] is False


# --- changing the fit of an item -------------------------------------------------------------


def picture_item(session, store, user, area, picture: Image.Image):
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    asset, _ = upload_media(
        session,
        store,
        Actor(user),
        buffer.getvalue(),
        max_bytes=10_000_000,
        max_pixels=40_000_000,
        now=system_clock(),
    )
    return create_item(
        session,
        Actor(user),
        kind="image",
        area=area,
        category="socio_economic",
        priority="normal",
        headline="Ảnh chợ phiên",
        media=asset,
        now=system_clock(),
    )


def approve(session, store, item, editor, approver):
    workflow.submit(session, Actor(editor), item, now=system_clock())
    workflow.approve(session, Actor(approver), item, store=store, now=system_clock())


def refit(session, store, item, user, profile_key: str):
    """Choose "cover" for one profile as `user`."""
    return framing.change_fit(
        session,
        Actor(user),
        item,
        profile_key=profile_key,
        fit=Fit("cover"),
        store=store,
        now=system_clock(),
    )


def test_fit_change_that_changes_the_picture_goes_back_to_approval(
    session, store, tree, hk_editor, hn_approver
):
    item = picture_item(session, store, hk_editor, tree["hk"], white(400, 400))
    approve(session, store, item, hk_editor, hn_approver)
    revision = refit(session, store, item, hk_editor, MONO.key)
    assert revision.number == 2 and revision.state == "draft"
    assert workflow.airing_revision(item).number == 1  # the approved one keeps airing
    assert revision.fit == {MONO.key: {"mode": "cover"}}


def test_fit_change_with_the_same_output_keeps_the_approval(
    session, store, tree, hk_editor, hn_approver
):
    # A 2:1 picture on a 2:1 board: contain and cover give the same picture there.
    item = picture_item(session, store, hk_editor, tree["hk"], white(384, 192))
    approve(session, store, item, hk_editor, hn_approver)
    revision = refit(session, store, item, hk_editor, MONO.key)
    assert revision.state == "approved" and workflow.airing_revision(item) is revision
    assert item.revisions[0].state == "superseded"
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(item.id))
    ).all()
    assert "content.refit" in actions


def test_fit_for_an_unknown_profile_is_refused(session, store, tree, hk_editor):
    item = picture_item(session, store, hk_editor, tree["hk"], white(400, 400))
    before = counts(session)
    with pytest.raises(ValidationFailed):
        refit(session, store, item, hk_editor, "led-1x1-nowhere")
    assert counts(session) == before and len(item.revisions) == 1


# --- the console ---------------------------------------------------------------------------


def test_console_fit_form_and_hostile_values(client, session, store, tree, hk_editor):
    item = picture_item(session, store, hk_editor, tree["hk"], detailed_photo(800, 600))
    login(client, "hk-editor")
    page = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert 'id="fit-every-board"' in page and f'action="/content/{item.id}/fit"' in page
    mono_figure = page.split(f'data-profile="{MONO.key}"', 1)[1].split("</figure>", 1)[0]
    lcd_figure = page.split(f'data-profile="{LCD.key}"', 1)[1].split("</figure>", 1)[0]
    assert "legibility-warning" in mono_figure and "Hard to read on this board." in mono_figure
    assert "legibility-warning" not in lcd_figure
    token = csrf_token(client, f"/content/{item.id}")
    revisions = session.scalar(select(func.count()).select_from(type(item.latest)))
    for data in (
        {"profile": MONO.key, "mode": "stretch"},
        {"profile": MONO.key, "mode": "crop", "focus_x": "500", "focus_y": "5"},
        {"profile": "led-1x1-nowhere", "mode": "cover"},
        {"profile": "<script>", "mode": "contain"},
    ):
        resp = client.post(f"/content/{item.id}/fit", data={"csrf_token": token, **data})
        assert resp.status_code == 422, data
        assert "<script>" not in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(type(item.latest))) == revisions
    ok = client.post(
        f"/content/{item.id}/fit",
        data={
            "csrf_token": token,
            "profile": "*",
            "mode": "crop",
            "focus_x": "20",
            "focus_y": "80",
        },
    )
    assert ok.status_code == 302
    page = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert 'data-fit="crop"' in page and "point kept: 20 % across, 80 % down" in page


def test_upload_chooses_the_fit_for_every_board(client, session, tree, hk_editor, store):
    from tests.content.helpers import jpeg, media_files

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
        data={**fields, "fit": "stretch", "file": (io.BytesIO(jpeg()), "x.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert counts(session) == before and media_files(store) == files
    good = client.post(
        "/content/upload",
        data={**fields, "fit": "cover", "file": (io.BytesIO(jpeg()), "x.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert page.count('data-fit="cover"') == len(profiles(session))


def test_text_items_have_no_fit(client, session, tree, hk_editor):
    item = create_item(
        session,
        Actor(hk_editor),
        kind="text",
        area=tree["hk"],
        category="health_epidemic",
        priority="normal",
        headline="Lịch tiêm chủng",
        body="Thứ Bảy",
        now=system_clock(),
    )
    login(client, "hk-editor")
    token = csrf_token(client, f"/content/{item.id}")
    resp = client.post(
        f"/content/{item.id}/fit", data={"csrf_token": token, "profile": "*", "mode": "cover"}
    )
    assert resp.status_code == 422 and "Only pictures have a fit." in resp.get_data(as_text=True)
    assert len(item.revisions) == 1


def test_fit_of_a_pending_revision_waits_for_the_decision(session, store, tree, hk_editor):
    from signage.errors import Conflict

    item = picture_item(session, store, hk_editor, tree["hk"], white(400, 400))
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    with pytest.raises(Conflict):
        refit(session, store, item, hk_editor, MONO.key)
    assert len(item.revisions) == 1 and item.latest.fit == {}


def test_edit_form_of_a_picture_sets_the_fit_for_every_board(
    client, session, store, tree, hk_editor
):
    item = picture_item(session, store, hk_editor, tree["hk"], white(400, 400))
    login(client, "hk-editor")
    form = client.get(f"/content/{item.id}/edit").get_data(as_text=True)
    assert 'name="fit"' in form
    token = csrf_token(client, f"/content/{item.id}/edit")
    fields = {"csrf_token": token, "category": "socio_economic", "priority": "normal"}
    bad = client.post(f"/content/{item.id}/edit", data={**fields, "headline": "Ảnh", "fit": "zoom"})
    assert bad.status_code == 422 and len(item.revisions) == 1
    ok = client.post(f"/content/{item.id}/edit", data={**fields, "headline": "Ảnh", "fit": "cover"})
    assert ok.status_code == 302
    session.refresh(item)
    assert item.latest.number == 2 and item.latest.fit == {"*": {"mode": "cover"}}
