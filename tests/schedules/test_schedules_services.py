"""Schedules and manifests: validation, permissions, affected boards, emits, boundaries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.content.errors import WrongState
from signage.errors import Conflict, ValidationFailed
from signage.schedules import playlists, services
from signage.schedules.models import BoardManifest, Schedule
from tests.schedules.conftest import approved_item

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 in Hà Nội


def playlist(session, store, admin, approver, tree, n=1):
    items = [approved_item(session, store, admin, tree["hn"], f"Tin {i}") for i in range(n)]
    return playlists.create_playlist(
        session,
        Actor(admin),
        name="Sáng",
        area=tree["hn"],
        entries=[(i.id, None) for i in items],
        now=NOW,
    )


def data(pl, target="01", kind="area", **kw):
    base = dict(
        target_kind=kind,
        target=target,
        playlist_id=pl.id,
        windows=["07:00-09:00"],
        weekdays=[0, 1, 2, 3, 4],
    )
    base.update(kw)
    return services.ScheduleInput(**base)


def test_default_durations_per_kind(session, store, admin, approver, tree):
    pl = playlist(session, store, admin, approver, tree)
    assert [e.duration_s for e in pl.entries] == [15]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"windows": ["07:00-09:00", "08:30-10:00"]}, "windows"),  # overlapping
        ({"windows": ["22:00-02:00", "01:00-03:00"]}, "windows"),  # overlap across midnight
        ({"windows": ["09:00-09:00"]}, "windows"),  # zero length
        ({"windows": ["25:00-26:00"]}, "windows"),  # not a time
        ({"windows": []}, "windows"),
        ({"weekdays": [7]}, "weekdays"),  # unknown weekday
        ({"weekdays": []}, "weekdays"),
        ({"valid_from": NOW + timedelta(days=2), "valid_to": NOW}, "valid_to"),  # from > to
    ],
)
def test_bad_schedules_are_refused(session, store, admin, approver, tree, changes, field):
    pl = playlist(session, store, admin, approver, tree)
    with pytest.raises(ValidationFailed) as exc:
        services.save_schedule(session, Actor(admin), data(pl, **changes), now=NOW)
    assert field in {d["field"] for d in exc.value.details}
    assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_windows_crossing_midnight_and_ending_at_24(
    session, store, admin, approver, tree, boards, publisher
):
    pl = playlist(session, store, admin, approver, tree)
    s = services.save_schedule(
        session,
        Actor(admin),
        data(pl, windows=["22:00-01:00", "05:00-07:00", "20:00-22:00"], weekdays=[6]),
        now=NOW,
        publisher=publisher,
    )
    assert s.windows == ["22:00-01:00", "05:00-07:00", "20:00-22:00"]
    # Sunday 22:00 local -> Monday 01:00 local plays (Sunday 15:00-18:00 UTC).
    segs = services.board_timeline(
        session,
        boards["hk"],
        datetime(2026, 3, 1, 14, tzinfo=UTC),
        datetime(2026, 3, 1, 19, tzinfo=UTC),
    )
    programme = [(x.start.hour, x.end.hour) for x in segs if x.kind == "programme"]
    assert programme == [(14, 18)]  # 20:00-22:00 and 22:00-01:00 join up
    from signage.schedules.spans import parse_window

    assert parse_window("18:00-24:00").crosses_midnight


def test_outside_grants_is_forbidden_and_writes_nothing(
    session, store, admin, approver, tree, hk_admin
):
    pl = playlist(session, store, admin, approver, tree)
    with pytest.raises(ValidationFailed):  # another province reads like an unknown code
        services.save_schedule(session, Actor(hk_admin), data(pl, target="31"), now=NOW)
    assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_unapproved_and_rejected_items_cannot_be_scheduled(session, store, admin, approver, tree):
    draft = approved_item(session, store, admin, tree["hn"], submit=False, approve=False)
    with pytest.raises(WrongState):
        playlists.create_playlist(
            session, Actor(admin), name="x", area=tree["hn"], entries=[(draft.id, 10)], now=NOW
        )
    pending = approved_item(session, store, admin, tree["hn"], approve=False)
    workflow.reject(session, Actor(approver), pending, comment="Sai", now=NOW)
    with pytest.raises(WrongState):
        playlists.create_playlist(
            session, Actor(admin), name="x", area=tree["hn"], entries=[(pending.id, 10)], now=NOW
        )
    pl = playlist(session, store, admin, approver, tree)
    workflow.archive(session, Actor(admin), pl.entries[0].item, now=NOW)  # no approved revision
    with pytest.raises(Conflict):
        services.save_schedule(session, Actor(admin), data(pl), now=NOW)


def test_deleting_a_playlist_in_use_conflicts(session, store, admin, approver, tree):
    pl = playlist(session, store, admin, approver, tree)
    services.save_schedule(session, Actor(admin), data(pl), now=NOW)
    with pytest.raises(Conflict):
        playlists.delete_playlist(session, Actor(admin), pl, now=NOW)


def test_province_change_marks_exactly_its_boards(
    session, store, admin, approver, tree, boards, publisher, emits
):
    publisher.boards(session, [b.id for b in boards.values()], now=NOW)
    before = {m.board_id: m.version for m in session.scalars(select(BoardManifest))}
    session.commit()
    emits.clear()
    pl = playlist(session, store, admin, approver, tree)
    services.save_schedule(
        session, Actor(admin), data(pl, target="01"), now=NOW, publisher=publisher
    )
    assert emits == []  # nothing before commit
    session.commit()
    assert sorted(code for code, _v in emits) == ["BD-1", "HK-1", "HK-T1"]
    after = {m.board_id: m.version for m in session.scalars(select(BoardManifest))}
    assert after[boards["hp"].id] == before[boards["hp"].id]
    assert after[boards["hk"].id] != before[boards["hk"].id]
    doc = json.loads(session.get(BoardManifest, boards["hk"].id).document)
    entry = next(s for s in doc["segments"] if s["kind"] == "programme")["entries"][0]
    assert entry["url"].startswith("/media/") and entry["url"].endswith(".png")


def test_approving_a_new_revision_pushes_to_boards_playing_it(
    session, store, admin, approver, tree, boards, publisher, emits
):
    from signage.content.items import revise

    pl = playlist(session, store, admin, approver, tree)
    services.save_schedule(
        session, Actor(admin), data(pl, target="00070"), now=NOW, publisher=publisher
    )
    session.commit()
    emits.clear()
    item = pl.entries[0].item
    revise(session, Actor(admin), item, headline="Tin mới", now=NOW)
    workflow.submit(session, Actor(admin), item, now=NOW)
    hk = session.get(BoardManifest, boards["hk"].id).version
    workflow.approve(session, Actor(approver), item, store=store, now=system_clock())  # hook runs
    assert session.get(BoardManifest, boards["hk"].id).version != hk
    assert session.get(BoardManifest, boards["bd"].id) is None  # not affected: never generated


def test_boundary_passing_regenerates_and_pushes(
    session, store, admin, approver, tree, boards, publisher, emits
):
    pl = playlist(session, store, admin, approver, tree)
    services.save_schedule(
        session, Actor(admin), data(pl, target="01"), now=NOW, publisher=publisher
    )
    row = session.get(BoardManifest, boards["hk"].id)
    assert row.valid_until == datetime(2026, 3, 2, 2, tzinfo=UTC)  # 09:00 local, window ends
    session.commit()
    emits.clear()
    publisher.due(session, now=NOW + timedelta(minutes=30))
    session.commit()
    assert all(code != "HK-1" for code, _ in emits)
    publisher.due(session, now=datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    session.commit()
    assert ("HK-1", session.get(BoardManifest, boards["hk"].id).version) in emits


def test_expire_marks_ended_schedules(session, store, admin, approver, tree):
    pl = playlist(session, store, admin, approver, tree)
    s = services.save_schedule(
        session, Actor(admin), data(pl, valid_to=NOW + timedelta(days=1)), now=NOW
    )
    assert services.expire(session, now=NOW) == 0
    assert services.expire(session, now=NOW + timedelta(days=2)) == 1 and s.expired
