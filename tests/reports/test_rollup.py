"""The play rollup: local days, idempotence, late batches, categories, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from signage.boards.models import PlayBatch, PlayRecord
from signage.jobs import JOBS
from signage.reports.models import PlayDay, PlayRollup
from signage.reports.rollup import purge, roll_day, run
from tests.reports.conftest import HCM

NOW = datetime(2026, 12, 3, 3, tzinfo=UTC)  # 10:00 on 3 December in Hà Nội


def rows(session):
    return sorted(
        (r.day, r.board_id, r.item_id, r.category, r.plays, r.seconds)
        for r in session.scalars(select(PlayDay))
    )


def test_plays_count_on_their_local_day(session, fleet):
    # 23:30 local on 1 December is 16:30 UTC; 00:30 local on 2 December is 17:30 UTC the 1st.
    fleet.add("hk", fleet.health, datetime(2026, 12, 1, 16, 30, tzinfo=UTC))
    fleet.add("hk", fleet.health, datetime(2026, 12, 1, 17, 30, tzinfo=UTC), count=2)
    run(session, tz=HCM, now=NOW, retention_days=90, days=[date(2026, 12, 1), date(2026, 12, 2)])
    board, item = fleet.boards["hk"].id, fleet.health.id
    assert rows(session) == [
        (date(2026, 12, 1), board, item, "health_epidemic", 1, 30.0),
        (date(2026, 12, 2), board, item, "health_epidemic", 2, 60.0),
    ]


def test_rolling_again_replaces_the_day(session, fleet):
    fleet.add("hk", fleet.health, datetime(2026, 12, 2, 2, tzinfo=UTC), count=3, seconds=20)
    fleet.add("bd", fleet.law, datetime(2026, 12, 2, 4, tzinfo=UTC), count=2)
    first = run(session, tz=HCM, now=NOW, retention_days=90)
    once = rows(session)
    run(session, tz=HCM, now=NOW + timedelta(hours=1), retention_days=90)
    assert rows(session) == once
    assert first.rolled == [date(2026, 12, 2), date(2026, 12, 3)]
    assert [(r[4], r[5]) for r in once] == [(3, 60.0), (2, 60.0)]
    # A record of the same day arriving later is picked up by the next run.
    fleet.add("hk", fleet.health, datetime(2026, 12, 2, 9, tzinfo=UTC), seconds=20)
    run(session, tz=HCM, now=NOW + timedelta(hours=2), retention_days=90)
    assert sorted(r[4] for r in rows(session)) == [2, 4]


def test_a_late_batch_for_an_older_day_is_rolled(session, fleet):
    old = datetime(2026, 11, 20, 3, tzinfo=UTC)
    fleet.add("hk", fleet.health, old, count=2, received=old)
    run(session, tz=HCM, now=old + timedelta(hours=1), retention_days=90)
    assert [r[4] for r in rows(session)] == [2]
    # The board was offline: its batch for 20 November arrives on 3 December.
    fleet.add("hk", fleet.health, old + timedelta(hours=2), count=5, received=NOW)
    result = run(session, tz=HCM, now=NOW, retention_days=90)
    assert date(2026, 11, 20) in result.rolled
    assert [r[4] for r in rows(session)] == [7]


def test_category_of_a_deleted_item_is_kept_or_unknown(session, fleet):
    day = date(2026, 12, 1)
    fleet.add("hk", fleet.health, datetime(2026, 12, 1, 2, tzinfo=UTC))
    roll_day(session, day, tz=HCM, now=NOW)
    gone = fleet.health.id
    session.delete(fleet.health)
    session.flush()
    fleet.add("hk", gone, datetime(2026, 12, 2, 2, tzinfo=UTC))
    fleet.add("hk", 987654, datetime(2026, 12, 2, 3, tzinfo=UTC))  # never known
    roll_day(session, date(2026, 12, 2), tz=HCM, now=NOW)
    categories = {(r[0], r[2]): r[3] for r in rows(session)}
    assert categories[(date(2026, 12, 2), gone)] == "health_epidemic"
    assert categories[(date(2026, 12, 2), 987654)] == "unknown"


def test_retention_deletes_old_raw_records_after_rolling_them(session, fleet):
    old = datetime(2026, 8, 1, 3, tzinfo=UTC)  # 124 days before NOW
    recent = datetime(2026, 11, 30, 3, tzinfo=UTC)
    old_batch = fleet.add("hk", fleet.health, old, count=4, received=old)
    fleet.add("hk", fleet.health, recent, count=1)
    result = purge(session, tz=HCM, now=NOW, retention_days=90)
    assert result.purged == [date(2026, 8, 1)]
    assert result.records_deleted == 4
    assert session.scalar(select(func.count()).select_from(PlayRecord)) == 1
    assert session.get(PlayBatch, old_batch.id) is None
    # The deleted day was rolled first: its totals remain.
    assert [(r[0], r[4]) for r in rows(session)] == [(date(2026, 8, 1), 4)]
    assert session.get(PlayRollup, date(2026, 8, 1)).purged_at == NOW
    # A record arriving later for that day is added to its totals, never replaces them.
    fleet.add("hk", fleet.health, old + timedelta(hours=1), count=2, received=NOW)
    run(session, tz=HCM, now=NOW, retention_days=90)
    assert [(r[0], r[4]) for r in rows(session)] == [(date(2026, 8, 1), 6)]
    assert session.scalar(select(func.count()).select_from(PlayRecord)) == 1


def test_retention_setting_is_honoured(session, fleet):
    fleet.add("hk", fleet.health, datetime(2026, 11, 25, 3, tzinfo=UTC), count=2)
    assert purge(session, tz=HCM, now=NOW, retention_days=90).records_deleted == 0
    assert purge(session, tz=HCM, now=NOW, retention_days=5).records_deleted == 2


def test_the_rollup_is_a_declared_hourly_job():
    job = {j.id: j for j in JOBS}["reports.rollup"]
    assert job.trigger == "cron" and job.trigger_args == {"minute": 7}
