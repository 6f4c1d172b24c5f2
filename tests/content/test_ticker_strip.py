"""Scrolling text reaches players whole: the strip is stored and named in the manifest."""

from __future__ import annotations

from PIL import Image
from sqlalchemy import select

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.content.items import create_item
from signage.content.models import RenditionRecord
from signage.content.render import Ticker
from signage.content.renditions import get_profile, rendition
from signage.schedules.manifests import _ticker_json

LONG = "Cảnh báo bão số 3: người dân không ra khơi, tàu thuyền về nơi tránh trú an toàn. " * 4


def approved(session, store, editor, approver, area, body):
    item = create_item(
        session, Actor(editor), kind="text", area=area, category="disaster",
        priority="priority", headline="Tin khẩn cấp", body=body, now=system_clock(),
    )  # fmt: skip
    workflow.submit(session, Actor(editor), item, now=system_clock())
    workflow.approve(session, Actor(approver), item, store=store, now=system_clock())
    return item


def led(session, item) -> RenditionRecord:
    return session.scalar(
        select(RenditionRecord).where(
            RenditionRecord.content_hash == item.revisions[-1].content_hash,
            RenditionRecord.profile_key == "led-192x96-mono",
        )
    )


def test_long_text_stores_its_strip_and_the_manifest_says_how_to_scroll(
    session, store, hk_editor, hn_approver, tree
):
    item = approved(session, store, hk_editor, hn_approver, tree["hk"], LONG)
    row = led(session, item)
    assert row.scrolls and row.ticker is not None
    with store.open(row.ticker["sha256"], "png") as fh:
        strip = Image.open(fh)
        strip.load()
    assert strip.width == row.ticker["strip_width"] > 192
    assert strip.height == 96 - row.ticker["y"]
    # A player scrolling the strip draws exactly what the server rendered as the first frame.
    ticker = Ticker(strip.convert("RGB"), row.ticker["y"], 192, row.ticker["speed_px_s"])
    with store.open(row.sha256, "png") as fh:
        still = Image.open(fh).convert("RGB")
    band = still.crop((0, row.ticker["y"], 192, 96))
    assert ticker.frame(0).tobytes() == band.tobytes()
    entry = _ticker_json(row)["ticker"]
    assert entry["url"] == f"/media/{row.ticker['sha256']}.png"
    assert entry["speed_px_s"] == row.ticker["speed_px_s"] > 0


def test_short_text_has_no_strip(session, store, hk_editor, hn_approver, tree):
    item = approved(session, store, hk_editor, hn_approver, tree["hk"], "Sáng thứ Bảy.")
    row = led(session, item)
    assert not row.scrolls and row.ticker is None and _ticker_json(row) == {}


def test_a_lost_strip_is_rendered_again(session, store, hk_editor, hn_approver, tree):
    item = approved(session, store, hk_editor, hn_approver, tree["hk"], LONG)
    row = led(session, item)
    store.delete(row.ticker["sha256"], "png")
    profile = get_profile(session, "led-192x96-mono")
    again = rendition(session, store, item.revisions[-1], profile)
    assert again.id == row.id and store.exists(again.ticker["sha256"], "png")
