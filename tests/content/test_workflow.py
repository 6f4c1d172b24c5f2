"""Approval workflow: transitions, permissions, airing revision, history, rendition cache."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.content.errors import WrongState
from signage.content.items import create_item, history, revise
from signage.content.models import RenditionRecord
from signage.content.profiles import seed_profile
from signage.content.render import render_text
from signage.content.renditions import profiles, rendition
from signage.errors import Conflict, PermissionDenied


def new_item(session, user, area, headline="Thông báo tiêm chủng", body="Sáng thứ Bảy, 8 giờ."):
    return create_item(
        session,
        Actor(user),
        kind="text",
        area=area,
        category="health_epidemic",
        priority="normal",
        headline=headline,
        body=body,
        now=system_clock(),
    )


def approved_item(session, store, editor, approver, area):
    item = new_item(session, editor, area)
    workflow.submit(session, Actor(editor), item, now=system_clock())
    workflow.approve(session, Actor(approver), item, store=store, now=system_clock())
    return item


def test_draft_submit_approve(session, store, tree, hk_editor, hn_approver):
    item = new_item(session, hk_editor, tree["hk"])
    assert item.state == "draft" and workflow.airing_revision(item) is None
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    assert item.state == "pending" and item.latest.submitted_at is not None
    workflow.approve(
        session, Actor(hn_approver), item, store=store, comment="OK", now=system_clock()
    )
    assert item.state == "approved"
    assert workflow.airing_revision(item) is item.latest
    assert item.latest.decided_by_id == hn_approver.id


def test_withdraw_returns_to_draft(session, tree, hk_editor):
    item = new_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    workflow.withdraw(session, Actor(hk_editor), item, now=system_clock())
    assert item.state == "draft" and item.latest.submitted_at is None
    with pytest.raises(WrongState):
        workflow.withdraw(session, Actor(hk_editor), item, now=system_clock())


def test_reject_needs_a_comment_and_keeps_it(session, tree, hk_editor, hn_approver):
    item = new_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    with pytest.raises(Exception) as caught:
        workflow.reject(session, Actor(hn_approver), item, comment="   ", now=system_clock())
    assert caught.value.status == 422
    workflow.reject(session, Actor(hn_approver), item, comment="Sai ngày", now=system_clock())
    assert item.state == "rejected" and item.latest.decision_comment == "Sai ngày"


def test_author_cannot_approve_own_item(session, store, tree, editor_approver):
    item = new_item(session, editor_approver, tree["hk"])
    workflow.submit(session, Actor(editor_approver), item, now=system_clock())
    with pytest.raises(PermissionDenied):
        workflow.approve(session, Actor(editor_approver), item, store=store, now=system_clock())
    with pytest.raises(PermissionDenied):
        workflow.reject(session, Actor(editor_approver), item, comment="x", now=system_clock())
    assert item.state == "pending"


def test_approver_outside_the_area_is_refused(session, store, tree, hk_editor, hp_approver):
    item = new_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    with pytest.raises(PermissionDenied):
        workflow.approve(session, Actor(hp_approver), item, store=store, now=system_clock())


def test_editor_cannot_approve(session, store, tree, hk_editor, factory):
    other = factory.user("other-editor", ("editor", tree["hn"]))
    item = new_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    with pytest.raises(PermissionDenied):
        workflow.approve(session, Actor(other), item, store=store, now=system_clock())


def test_double_approve_is_a_conflict(session, store, tree, hk_editor, hn_approver):
    item = approved_item(session, store, hk_editor, hn_approver, tree["hk"])
    with pytest.raises(Conflict) as caught:
        workflow.approve(session, Actor(hn_approver), item, store=store, now=system_clock())
    assert caught.value.status == 409


def test_approving_a_draft_is_a_conflict(session, store, tree, hk_editor, hn_approver):
    item = new_item(session, hk_editor, tree["hk"])
    with pytest.raises(WrongState):
        workflow.approve(session, Actor(hn_approver), item, store=store, now=system_clock())


def test_archived_items_cannot_be_approved_or_edited(session, store, tree, hk_editor, hn_approver):
    item = new_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    workflow.archive(session, Actor(hk_editor), item, now=system_clock())
    assert item.state == "archived"
    with pytest.raises(WrongState):
        workflow.approve(session, Actor(hn_approver), item, store=store, now=system_clock())
    with pytest.raises(WrongState):
        revise(session, Actor(hk_editor), item, headline="Mới", now=system_clock())
    with pytest.raises(WrongState):
        workflow.archive(session, Actor(hk_editor), item, now=system_clock())


def test_approved_revision_keeps_airing_while_new_one_is_pending(
    session, store, tree, hk_editor, hn_approver
):
    item = approved_item(session, store, hk_editor, hn_approver, tree["hk"])
    first = item.latest
    second = revise(session, Actor(hk_editor), item, body="Đổi sang Chủ nhật.", now=system_clock())
    assert second.number == 2 and second.content_hash != first.content_hash
    assert workflow.airing_revision(item) is first
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    assert item.state == "pending" and workflow.airing_revision(item) is first
    assert workflow.schedulable_revision(item) is first
    workflow.reject(session, Actor(hn_approver), item, comment="Chưa rõ", now=system_clock())
    assert workflow.airing_revision(item) is first
    revise(session, Actor(hk_editor), item, body="Chủ nhật, 8 giờ.", now=system_clock())
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    workflow.approve(session, Actor(hn_approver), item, store=store, now=system_clock())
    assert workflow.airing_revision(item) is item.latest
    assert first.state == "superseded"


def test_only_approved_content_is_schedulable(session, tree, hk_editor):
    item = new_item(session, hk_editor, tree["hk"])
    with pytest.raises(WrongState):
        workflow.schedulable_revision(item)


def test_editing_a_pending_revision_is_a_conflict(session, tree, hk_editor):
    item = new_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    with pytest.raises(Conflict):
        revise(session, Actor(hk_editor), item, headline="x", now=system_clock())


def test_history_comes_from_the_audit_log(session, store, tree, hk_editor, hn_approver):
    item = new_item(session, hk_editor, tree["hk"])
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    workflow.reject(session, Actor(hn_approver), item, comment="Thiếu địa điểm", now=system_clock())
    revise(session, Actor(hk_editor), item, body="Tại nhà văn hoá.", now=system_clock())
    workflow.submit(session, Actor(hk_editor), item, now=system_clock())
    workflow.approve(session, Actor(hn_approver), item, store=store, now=system_clock())
    entries = history(session, item)
    assert [(e.action, e.actor) for e in entries] == [
        ("content.create", "hk-editor"),
        ("content.submit", "hk-editor"),
        ("content.reject", "hn-approver"),
        ("content.revise", "hk-editor"),
        ("content.submit", "hk-editor"),
        ("content.approve", "hn-approver"),
    ]
    assert entries[2].details["comment"] == "Thiếu địa điểm"
    assert entries[-1].details["revision"] == 2
    assert all(e.area_id == tree["hk"].id for e in entries)


def test_approval_renders_every_profile(session, store, tree, hk_editor, hn_approver):
    item = approved_item(session, store, hk_editor, hn_approver, tree["hk"])
    rows = session.scalars(
        select(RenditionRecord).where(RenditionRecord.content_hash == item.latest.content_hash)
    ).all()
    assert {r.profile_key for r in rows} == {p.key for p in profiles(session)}
    assert all(store.exists(r.sha256, "png") for r in rows)


def test_renditions_are_cached_by_content_and_profile(session, store, tree, hk_editor):
    item = new_item(session, hk_editor, tree["hk"])
    profile = seed_profile("led-192x96-mono")
    calls = []

    def counting(revision, prof, st):
        calls.append(prof.key)
        return render_text(prof, revision.headline, revision.body)

    first = rendition(session, store, item.latest, profile, render=counting)
    second = rendition(session, store, item.latest, profile, render=counting)
    assert calls == ["led-192x96-mono"] and first.id == second.id
    # Same content in a new revision shares the rendition; new content renders again.
    revise(session, Actor(hk_editor), item, priority="priority", now=system_clock())
    rendition(session, store, item.latest, profile, render=counting)
    assert len(calls) == 1
    revise(session, Actor(hk_editor), item, body="Nội dung mới", now=system_clock())
    rendition(session, store, item.latest, profile, render=counting)
    assert len(calls) == 2
    assert session.scalar(select(func.count()).select_from(RenditionRecord)) == 2


def test_seeded_profiles_match_the_renderer_seed(session):
    from signage.content.profiles import SEED_PROFILES

    assert set(profiles(session)) >= set(SEED_PROFILES)
