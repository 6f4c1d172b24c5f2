"""The declared list of scheduled jobs (stable ids), and the runner used by `signage scheduler`
and, guarded by a lock, by `signage serve`. Each job body is one service call in db.scope().
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)
# PostgreSQL advisory lock key held by the process that runs the jobs ("SIGNAGE1").
ADVISORY_KEY = 0x5349474E41474531 & 0x7FFFFFFFFFFFFFFF


def refresh_manifests(app: Flask) -> int:
    """Regenerate manifests whose window rolls or whose next boundary passed; push changes."""
    from signage import clock
    from signage.db import db
    from signage.schedules.manifests import publisher

    with app.app_context(), db.scope() as session:
        return len(publisher().due(session, now=clock.now()))


def expire_schedules(app: Flask) -> int:
    """Mark schedules whose validity has ended as expired."""
    from signage import clock
    from signage.db import db
    from signage.schedules.services import expire

    with app.app_context(), db.scope() as session:
        return expire(session, now=clock.now())


def expire_alerts(app: Flask) -> int:
    """End alerts whose expiry passed; boards are told to return to their programme."""
    from signage import clock
    from signage.alerts.lifecycle import expire_alerts as expire
    from signage.db import db

    with app.app_context(), db.scope() as session:
        return expire(session, now=clock.now())


def resend_alerts(app: Flask) -> int:
    """Send active alerts again to online boards that have not displayed them yet."""
    from signage import clock
    from signage.alerts.delivery import resend_unconfirmed
    from signage.db import db

    with app.app_context(), db.scope() as session:
        return resend_unconfirmed(session, now=clock.now())


def poll_cap_feeds(app: Flask) -> int:
    """Fetch the configured upstream CAP sources; messages applied."""
    from signage import clock
    from signage.alerts.cap.feeds import feed_urls, poll
    from signage.db import db
    from signage.storage import media_store

    done = 0
    with app.app_context():
        settings = app.config["SIGNAGE"]
        for url in feed_urls(settings):
            with db.scope() as session:
                done += len(
                    poll(session, url, now=clock.now(), store=media_store(), settings=settings)
                )
    return done


def sweep_pairings(app: Flask) -> int:
    """Wipe and revoke board tokens of pairings that expired before the player collected them."""
    from signage import clock
    from signage.db import db
    from signage.players.pairing import sweep

    with app.app_context(), db.scope() as session:
        return sweep(session, now=clock.now())


def roll_up_plays(app: Flask) -> int:
    """Roll raw play records up into daily totals (last two days, late batches); retention."""
    from signage import clock
    from signage.db import db
    from signage.i18n import local_tz
    from signage.reports.rollup import run

    with app.app_context(), db.scope() as session:
        days = app.config["SIGNAGE"].play_record_retention_days
        return len(run(session, tz=local_tz(), now=clock.now(), retention_days=days).rolled)


@dataclass(frozen=True)
class Job:
    """A periodic job: stable id, function of the app, and an APScheduler trigger."""

    id: str
    func: Callable[[Flask], Any]
    trigger: str
    trigger_args: dict[str, Any]
    misfire_grace_time: int = 30


JOBS: tuple[Job, ...] = (
    # At second 0 of every minute: boundaries are whole minutes, so pushes land on time.
    Job("manifests.refresh", refresh_manifests, "cron", {"second": 0}),
    Job("schedules.expire", expire_schedules, "interval", {"minutes": 15}, 300),
    Job("alerts.expire", expire_alerts, "interval", {"seconds": 15}, 10),
    # Unconfirmed boards get the alert again every few seconds; a late run is simply skipped.
    Job("alerts.resend", resend_alerts, "interval", {"seconds": 3}, 2),
    Job("cap.poll", poll_cap_feeds, "interval", {"seconds": 60}, 30),
    Job("pairing.sweep", sweep_pairings, "interval", {"seconds": 60}, 30),
    # Reports read daily totals; today is read from raw records, so hourly is fresh enough.
    Job("reports.rollup", roll_up_plays, "cron", {"minute": 7}, 1800),
)


def build_scheduler(app: Flask) -> Any:
    """An APScheduler 3 BackgroundScheduler with every declared job (not started)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(
            job.func,
            job.trigger,
            args=[app],
            id=job.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=job.misfire_grace_time,
            **job.trigger_args,
        )
    return scheduler


class SchedulerLock:
    """Held by the one process that runs jobs: flock in instance/ (SQLite) or an advisory lock."""

    def __init__(self, app: Flask) -> None:
        self.settings = app.config["SIGNAGE"]
        self._handle: Any = None

    def acquire(self) -> bool:
        """True if this process now holds the lock (kept until release or exit)."""
        url = self.settings.database_url
        if url.startswith("postgresql"):
            from sqlalchemy import text

            from signage.db import make_engine

            engine = make_engine(url)
            conn = engine.connect()
            if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar():
                conn.commit()
                self._handle = (engine, conn)
                return True
            conn.close()
            engine.dispose()
            return False
        self.settings.instance_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.settings.instance_dir / "scheduler.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        """Give the lock up."""
        if isinstance(self._handle, tuple):
            from sqlalchemy import text

            engine, conn = self._handle
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            conn.close()
            engine.dispose()
        elif self._handle is not None:
            self._handle.close()
        self._handle = None


def start_embedded(app: Flask) -> Any:
    """Start the jobs inside this process if no other process runs them; the scheduler or None."""
    lock = SchedulerLock(app)
    if not lock.acquire():
        log.info("another process runs the scheduled jobs")
        return None
    scheduler = build_scheduler(app)
    scheduler.start()
    scheduler.signage_lock = lock
    return scheduler
