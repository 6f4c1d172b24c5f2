"""The declared jobs: stable ids, coalescing, misfire grace, and the one-process lock."""

from __future__ import annotations

from signage.jobs import JOBS, SchedulerLock, build_scheduler, refresh_manifests


def test_jobs_are_declared_with_stable_ids(app):
    ids = ["manifests.refresh", "schedules.expire", "alerts.expire", "alerts.resend", "cap.poll"]
    ids += ["pairing.sweep", "boards.sessions.sweep", "notifications.detect"]
    ids += ["notifications.deliver", "notifications.purge", "reports.rollup"]
    assert [j.id for j in JOBS] == ids
    scheduler = build_scheduler(app)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == set(ids)
    assert all(j.coalesce and j.misfire_grace_time for j in jobs.values())


def test_refresh_job_is_idempotent(app):
    assert refresh_manifests(app) == 0
    assert refresh_manifests(app) == 0


def test_only_one_process_holds_the_lock(app):
    first, second = SchedulerLock(app), SchedulerLock(app)  # flock or pg advisory lock
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()
