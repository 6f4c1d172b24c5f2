"""The approval queue: pending count, author and submission time, bulk decisions, next item."""

from __future__ import annotations

import re

from sqlalchemy import select

from signage.audit.models import AuditEntry
from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.content.queue import BULK_MAX, next_pending, pending_count
from tests.conftest import csrf_token, login
from tests.content.helpers import counts
from tests.content.test_views import make_item


def pending(session, editor, area, headline):
    item = make_item(session, editor, area, headline)
    workflow.submit(session, Actor(editor), item, now=system_clock())
    session.flush()
    return item


def flashes(html: str) -> str:
    return " ".join(re.findall(r'class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', html, re.S))


def decide(client, data):
    token = csrf_token(client, "/content/queue")
    return client.post("/content/queue/decide", data={"csrf_token": token, **data})


def test_pending_count_and_next_item_follow_the_queue(
    session, tree, hk_editor, editor_approver, hn_approver, factory
):
    first = pending(session, hk_editor, tree["hk"], "Một")
    second = pending(session, hk_editor, tree["hk"], "Hai")
    own = pending(session, editor_approver, tree["hk"], "Của tôi")
    hp_editor = factory.user("hp-editor", ("editor", tree["hp"]))
    pending(session, hp_editor, tree["hp"], "Hải Phòng")
    assert pending_count(session, hn_approver) == 3  # Hà Nội's three, not Hải Phòng's
    assert pending_count(session, editor_approver) == 2  # never one's own revision
    assert pending_count(session, hk_editor) == 0  # editors approve nothing
    assert next_pending(session, editor_approver) is first
    workflow.reject(session, Actor(editor_approver), first, comment="Sai", now=system_clock())
    assert next_pending(session, editor_approver) is second
    assert own.state == "pending" and pending_count(session, hn_approver) == 2


def test_queue_shows_author_and_submission_time(client, session, tree, hk_editor, hn_approver):
    pending(session, hk_editor, tree["hk"], "Lịch tiêm chủng")
    login(client, "hn-approver")
    html = client.get("/content/queue").get_data(as_text=True)
    assert re.search(r'class="queue-author">hk-editor<', html)
    assert re.search(r'class="queue-submitted">\d\d/\d\d/\d{4} \d\d:\d\d', html)
    assert re.search(r'id="pending-count">1<', html)
    assert 'name="item"' in html and 'value="approve"' in html and 'value="reject"' in html


def test_bulk_approve_with_one_comment(client, session, tree, hk_editor, hn_approver):
    a = pending(session, hk_editor, tree["hk"], "Một")
    b = pending(session, hk_editor, tree["hk"], "Hai")
    c = pending(session, hk_editor, tree["hk"], "Ba")
    login(client, "hn-approver")
    resp = decide(client, {"item": [str(a.id), str(b.id)], "decision": "approve", "comment": "Đạt"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/content/queue")
    html = client.get("/content/queue").get_data(as_text=True)
    assert "2 items approved." in flashes(html)
    assert re.search(r'id="pending-count">1<', html)
    for item in (a, b, c):
        session.refresh(item)
    assert (a.state, b.state, c.state) == ("approved", "approved", "pending")
    assert a.latest.decision_comment == "Đạt" and b.latest.decided_by_id == hn_approver.id
    audited = session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == "content.approve")
    ).all()
    assert sorted(audited) == sorted([str(a.id), str(b.id)])


def test_bulk_reject_needs_a_comment_and_does_nothing_without_it(
    client, session, tree, hk_editor, hn_approver
):
    a = pending(session, hk_editor, tree["hk"], "Một")
    login(client, "hn-approver")
    before = counts(session)
    resp = decide(client, {"item": [str(a.id)], "decision": "reject", "comment": "  "})
    assert resp.status_code == 302
    assert "Say why, so the author can fix it." in flashes(client.get("/content/queue").text)
    session.refresh(a)
    assert a.state == "pending" and counts(session) == before
    decide(client, {"item": [str(a.id)], "decision": "reject", "comment": "Sai ngày"})
    session.refresh(a)
    assert a.state == "rejected" and a.latest.decision_comment == "Sai ngày"


def test_hostile_bulk_input_is_reported_and_the_rest_is_done(
    client, session, tree, hk_editor, hn_approver, factory, store
):
    ok = pending(session, hk_editor, tree["hk"], "Được duyệt")
    done = pending(session, hk_editor, tree["hk"], "Đã duyệt rồi")
    workflow.approve(session, Actor(hn_approver), done, store=store, now=system_clock())
    hp_editor = factory.user("hp-editor", ("editor", tree["hp"]))
    elsewhere = pending(session, hp_editor, tree["hp"], "Tin Hải Phòng")
    session.flush()
    login(client, "hn-approver")
    ids = [str(ok.id), str(done.id), str(elsewhere.id), "abc", "-1", "99999999999", str(ok.id)]
    resp = decide(client, {"item": ids, "decision": "approve", "comment": ""})
    assert resp.status_code == 302
    said = flashes(client.get("/content/queue").text)
    assert "1 item approved." in said
    assert "Not decided:" in said
    assert "Đã duyệt rồi: This revision is already approved." in said
    assert f"item number {elsewhere.id}: No such content item." in said
    assert "Tin Hải Phòng" not in said  # another province's item is not told apart from nothing
    assert said.count("Not an item number.") == 3
    for item in (ok, done, elsewhere):
        session.refresh(item)
    assert (ok.state, done.state, elsewhere.state) == ("approved", "approved", "pending")
    assert len(ok.revisions) == 1 and ok.latest.decided_by_id == hn_approver.id


def test_too_many_ids_or_none_or_an_unknown_decision_change_nothing(
    client, session, tree, hk_editor, hn_approver
):
    a = pending(session, hk_editor, tree["hk"], "Một")
    login(client, "hn-approver")
    before = counts(session)
    cases = [
        ({"item": [str(a.id)] * 500, "decision": "approve"}, f"at most {BULK_MAX} items"),
        ({"decision": "approve"}, "Tick at least one item."),
        ({"item": [str(a.id)], "decision": "publish"}, "Choose approve or reject."),
    ]
    for data, message in cases:
        resp = decide(client, data)
        assert resp.status_code == 302
        assert message in flashes(client.get("/content/queue").text)
    session.refresh(a)
    assert a.state == "pending" and counts(session) == before


def test_bulk_decisions_need_the_approver_role(client, session, tree, hk_editor):
    a = pending(session, hk_editor, tree["hk"], "Một")
    login(client, "hk-editor")
    token = csrf_token(client, "/content/")
    resp = client.post(
        "/content/queue/decide",
        data={"csrf_token": token, "item": str(a.id), "decision": "approve"},
    )
    assert resp.status_code == 403
    session.refresh(a)
    assert a.state == "pending"


def test_approving_opens_the_next_item_then_the_empty_queue(
    client, session, tree, hk_editor, hn_approver
):
    first = pending(session, hk_editor, tree["hk"], "Một")
    second = pending(session, hk_editor, tree["hk"], "Hai")
    hn_approver.locale = "vi"
    session.flush()
    login(client, "hn-approver")
    token = csrf_token(client, f"/content/{first.id}")
    resp = client.post(f"/content/{first.id}/approve", data={"csrf_token": token})
    assert resp.headers["Location"].endswith(f"/content/{second.id}")
    resp = client.post(f"/content/{second.id}/reject", data={"csrf_token": token, "comment": "Sai"})
    assert resp.headers["Location"].endswith("/content/queue")
    html = client.get("/content/queue").get_data(as_text=True)
    assert "Không còn tin chờ duyệt." in flashes(html)


def test_the_approver_reads_the_text_beside_the_previews(
    client, session, tree, hk_editor, hn_approver
):
    item = pending(session, hk_editor, tree["hk"], "Lịch tiêm chủng")
    login(client, "hn-approver")
    html = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert re.search(r'id="text-headline" lang="vi">Lịch tiêm chủng<', html)
    assert re.search(r'id="text-body"[^>]*>Thứ Bảy, 8 giờ<', html)
    assert "state-pending text-bg-warning" in html  # coloured badge, with its words
    assert "Waiting for approval" in html
