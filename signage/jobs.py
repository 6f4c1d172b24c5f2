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


def sweep_sessions(app: Flask) -> int:
    """Close the connection sessions of boards whose process died without closing them."""
    from signage import clock
    from signage.boards.sessions import close_stale
    from signage.db import db

    with app.app_context(), db.scope() as session:
        return close_stale(session, now=clock.now())


def detect_outages(app: Flask) -> int:
    """Boards dark past their area's threshold (or back online): notify their subscribers."""
    from signage import clock
    from signage.db import db
    from signage.notifications.detection import detect

    with app.app_context(), db.scope() as session:
        found = detect(session, now=clock.now(), settings=app.config["SIGNAGE"])
        return len(found.dark) + len(found.recovered)


def deliver_notifications(app: Flask) -> int:
    """Send the e-mails and webhook posts that are due; failures wait and are retried."""
    from signage import clock
    from signage.db import db
    from signage.notifications.delivery import deliver_due

    with app.app_context(), db.scope() as session:
        return deliver_due(session, now=clock.now(), settings=app.config["SIGNAGE"])


def purge_notifications(app: Flask) -> int:
    """Forget old deliveries, read notifications and closed outages."""
    from signage import clock
    from signage.db import db
    from signage.notifications.delivery import purge

    with app.app_context(), db.scope() as session:
        return purge(session, now=clock.now())


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
    # Also run once when the scheduler starts: a restarted single process left sessions open.
    Job("boards.sessions.sweep", sweep_sessions, "interval", {"seconds": 60}, 30),
    Job("notifications.detect", detect_outages, "interval", {"seconds": 60}, 30),
    # Sends with timeouts (SMTP, webhooks): a slow endpoint delays only this job, never a request.
    Job("notifications.deliver", deliver_notifications, "interval", {"seconds": 30}, 20),
    # 03:30 in Viet Nam, when the console is quiet.
    Job("notifications.purge", purge_notifications, "cron", {"hour": 20, "minute": 30}, 3600),
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
    try:
        sweep_sessions(app)
    except Exception:  # the database away at startup: the job retries every minute
        log.exception("closing stale board sessions at startup failed")
    scheduler = build_scheduler(app)
    scheduler.start()
    scheduler.signage_lock = lock
    return scheduler
