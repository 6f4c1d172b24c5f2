"""Getting alerts onto boards: renditions, fan-out by rooms, receipts, resends.

The alert is committed before anything is emitted (run_after_commit). One emit per targeted room
carries the whole alert, with a rendition for every display profile among the targeted boards,
so a player shows it without fetching anything first. Receipts from players are tallied in memory
and written in one batch per interval; boards that have not confirmed get the alert again.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from signage import clock
from signage.alerts.models import Alert, AlertDelivery
from signage.alerts.text import display_mode
from signage.boards.models import Board, BoardStatus
from signage.boards.presence import online_clause
from signage.clock import iso_utc
from signage.content.profiles import DisplayProfile
from signage.db import run_after_commit
from signage.realtime import Emit, emitter
from signage.realtime.rooms import area_room, board_room, group_room
from signage.storage import MediaStore

log = logging.getLogger(__name__)

RESEND_AFTER = timedelta(seconds=5)
# Cancels are repeated to boards that have not confirmed `cleared` for this long after the end.
CANCEL_RESEND_WINDOW = timedelta(minutes=10)
RECEIPT_STATUSES = ("received", "displayed", "cleared")
ALERT_RED = (176, 0, 0)
WHITE = (255, 255, 255)
EXERCISE_LABEL = {"Exercise": "DIỄN TẬP", "Test": "THỬ NGHIỆM"}

# --- what the boards get -------------------------------------------------------------------


def payload(alert: Alert) -> dict[str, Any]:
    """The `alert` event: everything a player needs to show it (docs/protocol.md)."""

    return {
        "id": alert.id,
        "version": alert.version,
        "status": alert.status,
        "test": alert.is_exercise,
        "mode": display_mode(alert.urgency, alert.severity, alert.certainty),
        "category": alert.category,
        "event": alert.event,
        "urgency": alert.urgency,
        "severity": alert.severity.lower(),
        "certainty": alert.certainty,
        "headline": alert.headline,
        "body": alert.description,
        "instruction": alert.instruction,
        "sender_name": alert.sender_name,
        "sent": iso_utc(alert.sent),
        "expires_at": iso_utc(alert.expires),
        "images": alert.images,
    }


def cancel_payload(alert: Alert) -> dict[str, Any]:
    """The `alert_cancel` event."""
    return {"id": alert.id, "version": alert.version}


def screen_text(alert: Alert, *, lcd: bool) -> tuple[str, str]:
    """Headline and body as rendered: LCD adds instruction, issuing agency and time."""
    from signage.i18n import local_tz

    headline = alert.headline
    if alert.is_exercise:
        headline = f"{EXERCISE_LABEL.get(alert.status, alert.status.upper())}: {headline}"
    if not lcd:
        return headline, alert.description
    when = alert.sent.astimezone(local_tz()).strftime("%H:%M %d/%m/%Y")
    footer = " · ".join(p for p in (alert.sender_name, when) if p)
    body = "\n\n".join(p for p in (alert.description, alert.instruction, footer) if p)
    return headline, body


def render_images(
    session: Session, alert: Alert, boards: Iterable[Board], store: MediaStore
) -> None:
    """Render the current version for every profile among the boards; stored by content hash.

    Banner alerts (display_mode) also get a banner strip per profile, under `banner`; the full
    screen rendition stays for players without a banner layout.
    """
    banner = display_mode(alert.urgency, alert.severity, alert.certainty) == "banner"
    images: dict[str, Any] = {}
    for record in {b.profile.key: b.profile for b in boards}.values():
        profile = record.as_profile()
        headline, body = screen_text(alert, lcd=not profile.is_led)
        stored = store.put(alert_png(profile, headline, body), "png")
        images[profile.key] = {"url": f"/media/{stored.sha256}.png", "sha256": stored.sha256}
        if banner:
            images[profile.key]["banner"] = render_banner_strip(alert, profile, store)
    alert.images = images


def alert_png(profile: DisplayProfile, headline: str, body: str) -> bytes:
    """One full-screen rendition of an alert's text in the alert colours of a profile (PNG)."""
    from signage.content.render import render_text

    if profile.is_led:
        fg, bg = (WHITE, ALERT_RED) if profile.colour_mode == "full" else (ALERT_RED, None)
    else:
        fg, bg = WHITE, ALERT_RED
    return render_text(profile, headline, body, fg=fg, bg=bg).png()


def render_banner_strip(alert: Alert, profile: DisplayProfile, store: MediaStore) -> dict[str, Any]:
    """The `banner` field of one profile's image: strip, its row, and a ticker when it scrolls."""
    from signage.content.banner import banner_text, render_banner

    label = EXERCISE_LABEL.get(alert.status, alert.status.upper()) if alert.is_exercise else ""
    rendition = render_banner(profile, banner_text(alert.headline, alert.description), label=label)
    stored = store.put(rendition.png(), "png")
    out: dict[str, Any] = {
        "url": f"/media/{stored.sha256}.png",
        "sha256": stored.sha256,
        "y": profile.height - profile.banner_height,
        "height": profile.banner_height,
    }
    ticker = rendition.ticker
    if ticker is not None:
        buffer = io.BytesIO()
        ticker.strip.save(buffer, format="PNG")
        strip = store.put(buffer.getvalue(), "png")
        out["ticker"] = {
            "url": f"/media/{strip.sha256}.png",
            "sha256": strip.sha256,
            "x": ticker.x,
            "y": ticker.y,
            "speed_px_s": ticker.speed_px_s,
            "strip_width": ticker.strip.width,
        }
    return out


def rooms(session: Session, alert: Alert, boards: list[Board]) -> list[str]:
    """The rooms to emit to: the targets' own rooms, or test boards one by one for exercises."""
    if alert.is_exercise:
        return [board_room(b.code) for b in boards]
    out = []
    codes = {b.id: b.code for b in boards}
    for target in alert.targets:
        if target.kind == "area":
            out.append(area_room(target.target_id))
        elif target.kind == "group":
            out.append(group_room(target.target_id))
        else:
            code = codes.get(target.target_id) or session.scalar(
                select(Board.code).where(Board.id == target.target_id)
            )
            if code:
                out.append(board_room(code))
    return list(dict.fromkeys(out))


def fan_out(
    session: Session, alert: Alert, boards: list[Board], *, now: datetime, emit: Emit | None = None
) -> None:
    """Record a delivery per board, then emit the alert to the targeted rooms after commit."""
    have = set(
        session.scalars(select(AlertDelivery.board_id).where(AlertDelivery.alert_id == alert.id))
    )
    new = [b.id for b in boards if b.id not in have]
    if new:
        online = online_among(session, new, now=now)
        session.execute(
            AlertDelivery.__table__.insert(),
            [
                {
                    "alert_id": alert.id,
                    "board_id": i,
                    "version": 0,
                    "sent_at": now,
                    "first_sent_at": now,
                    "online_at_send": i in online,
                }
                for i in new
            ],
        )
    if have:
        session.execute(
            update(AlertDelivery).where(AlertDelivery.alert_id == alert.id).values(sent_at=now)
        )
    message, targets = payload(alert), rooms(session, alert, boards)
    send = emit or emitter()
    run_after_commit(session, lambda: [send("alert", message, room) for room in targets])


def online_among(session: Session, board_ids: list[int], *, now: datetime) -> set[int]:
    """The boards among these that are online now (one query per 900 ids)."""
    out: set[int] = set()
    for i in range(0, len(board_ids), 900):
        chunk = board_ids[i : i + 900]
        out |= set(
            session.scalars(
                select(BoardStatus.board_id).where(
                    BoardStatus.board_id.in_(chunk), online_clause(now)
                )
            )
        )
    return out


def fan_out_cancel(session: Session, alert: Alert, *, emit: Emit | None = None) -> None:
    """Tell the targeted boards the alert ended (after commit)."""
    boards = list(
        session.scalars(
            select(Board)
            .join(AlertDelivery, AlertDelivery.board_id == Board.id)
            .where(AlertDelivery.alert_id == alert.id)
        )
    )
    if alert.ended_at is not None:  # the resend job repeats it from here on, if unconfirmed
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.alert_id == alert.id)
            .values(sent_at=alert.ended_at)
        )
    message, targets = cancel_payload(alert), rooms(session, alert, boards)
    send = emit or emitter()
    run_after_commit(session, lambda: [send("alert_cancel", message, room) for room in targets])


def resend_unconfirmed(
    session: Session, *, now: datetime, emit: Emit | None = None, limit: int = 5000
) -> int:
    """Send active alerts again to online boards that have not displayed the current version,
    and cancels again to those that have not cleared an alert that ended lately.

    Only deliveries sent more than RESEND_AFTER ago; each resend moves `sent_at`, so a board is
    retried every few seconds until it confirms or goes offline. Returns the number of resends.
    """
    d = AlertDelivery
    stmt = (
        select(Alert, Board.code, d.board_id)
        .join(d, d.alert_id == Alert.id)
        .join(Board, Board.id == d.board_id)
        .join(BoardStatus, BoardStatus.board_id == d.board_id)
        .where(
            Alert.state == "active",
            Alert.expires > now,
            (d.displayed_at.is_(None)) | (d.version < Alert.version),
            d.sent_at <= now - RESEND_AFTER,
            online_clause(now),
        )
        .limit(limit)
    )
    sends: list[tuple[str, dict[str, Any]]] = []
    by_alert: dict[int, list[int]] = {}
    for alert, code, board_id in session.execute(stmt):
        sends.append((board_room(code), payload(alert)))
        by_alert.setdefault(alert.id, []).append(board_id)
    for alert_id, ids in by_alert.items():
        session.execute(
            update(d).where(d.alert_id == alert_id, d.board_id.in_(ids)).values(sent_at=now)
        )
    cancels = _unconfirmed_cancels(session, now=now, limit=limit)
    send = emit or emitter()
    run_after_commit(session, lambda: [send("alert", msg, room) for room, msg in sends])
    run_after_commit(session, lambda: [send("alert_cancel", msg, room) for room, msg in cancels])
    return len(sends) + len(cancels)


def _unconfirmed_cancels(
    session: Session, *, now: datetime, limit: int
) -> list[tuple[str, dict[str, Any]]]:
    """`alert_cancel` again to online boards that got an alert ended within
    CANCEL_RESEND_WINDOW and have not confirmed `cleared` (a cancel lost with Redis)."""
    d = AlertDelivery
    stmt = (
        select(Alert.id, Alert.version, Board.code, d.board_id)
        .join(d, d.alert_id == Alert.id)
        .join(Board, Board.id == d.board_id)
        .join(BoardStatus, BoardStatus.board_id == d.board_id)
        .where(
            Alert.state != "active",
            Alert.ended_at >= now - CANCEL_RESEND_WINDOW,
            d.cleared_at.is_(None),
            d.received_at.is_not(None) | d.displayed_at.is_not(None),
            d.sent_at <= now - RESEND_AFTER,
            online_clause(now),
        )
        .limit(limit)
    )
    out: list[tuple[str, dict[str, Any]]] = []
    by_alert: dict[int, list[int]] = {}
    for alert_id, version, code, board_id in session.execute(stmt):
        out.append((board_room(code), {"id": alert_id, "version": version}))
        by_alert.setdefault(alert_id, []).append(board_id)
    for alert_id, ids in by_alert.items():
        session.execute(
            update(d).where(d.alert_id == alert_id, d.board_id.in_(ids)).values(sent_at=now)
        )
    return out


# --- receipts ------------------------------------------------------------------------------


@dataclass
class Receipt:
    """The latest news from one board about one alert."""

    version: int
    received_at: datetime | None = None
    displayed_at: datetime | None = None
    cleared_at: datetime | None = None
    player_version: str = ""


class ReceiptBuffer:
    """Receipts kept in memory per (alert, board) and written in one batch per interval.

    A flood of receipts costs a dict update each; the buffer holds at most `limit` pairs and
    drops (and counts) the rest until the next flush.
    """

    def __init__(self, interval: float = 1.0, limit: int = 200_000) -> None:
        self.interval = interval
        self.limit = limit
        self.dropped = 0
        self.rejected = 0
        self._lock = threading.Lock()
        self._items: dict[tuple[int, int], Receipt] = {}
        self.last_flush = clock.now()

    def add(
        self,
        alert_id: int,
        board_id: int,
        version: int,
        status: str,
        *,
        at: datetime,
        player_version: str = "",
    ) -> bool:
        """Keep a receipt; False if the buffer is full."""
        key = (alert_id, board_id)
        with self._lock:
            item = self._items.get(key)
            if item is None:
                if len(self._items) >= self.limit:
                    self.dropped += 1
                    return False
                item = self._items[key] = Receipt(version=0)
            if status == "displayed":  # `version` is the newest version a board has shown
                item.version = max(item.version, version)
            if player_version:
                item.player_version = player_version
            if status in ("received", "displayed") and item.received_at is None:
                item.received_at = at
            if status == "displayed" and item.displayed_at is None:
                item.displayed_at = at
            if status == "cleared" and item.cleared_at is None:
                item.cleared_at = at
        return True

    def pending(self) -> int:
        """Pairs waiting to be written."""
        return len(self._items)

    def due(self, now: datetime) -> bool:
        """True when the interval has passed since the last flush."""
        return (now - self.last_flush).total_seconds() >= self.interval

    def take(self) -> dict[tuple[int, int], Receipt]:
        """Remove and return every pending receipt (give them back with `restore` on failure)."""
        with self._lock:
            items, self._items = self._items, {}
        return items

    def restore(self, items: dict[tuple[int, int], Receipt]) -> None:
        """Put back receipts whose write failed, merged with any that arrived meanwhile."""
        with self._lock:
            for key, old in items.items():
                new = self._items.get(key)
                if new is None:
                    self._items[key] = old
                    continue
                new.version = max(new.version, old.version)
                new.player_version = new.player_version or old.player_version
                for name in ("received_at", "displayed_at", "cleared_at"):
                    times = [t for t in (getattr(old, name), getattr(new, name)) if t]
                    setattr(new, name, min(times) if times else None)

    def write(self, session: Session, items: dict[tuple[int, int], Receipt]) -> int:
        """One executemany UPDATE for these receipts; the number written. Receipts for alerts
        a board was never sent are rejected and removed from `items`, which afterwards holds
        exactly what was written."""
        if not items:
            return 0
        known: set[tuple[int, int]] = set()
        alert_ids = sorted({a for a, _ in items})
        for i in range(0, len(alert_ids), 500):
            chunk = alert_ids[i : i + 500]
            known |= {
                (a, b)
                for a, b in session.execute(
                    select(AlertDelivery.alert_id, AlertDelivery.board_id).where(
                        AlertDelivery.alert_id.in_(chunk)
                    )
                )
            }
        rows = []
        for (alert_id, board_id), r in list(items.items()):
            if (alert_id, board_id) not in known:
                self.rejected += 1
                log.warning(
                    "receipt rejected: alert %s was not sent to board %s", alert_id, board_id
                )
                del items[alert_id, board_id]
                continue
            rows.append(
                {
                    "a": alert_id,
                    "b": board_id,
                    "v": r.version,
                    "rec": r.received_at,
                    "dis": r.displayed_at,
                    "clr": r.cleared_at,
                    "pv": r.player_version,
                }
            )
        if rows:
            _write_receipts(session, rows)
        return len(rows)


def _write_receipts(session: Session, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE: earliest times win, the version only rises."""
    from sqlalchemy import case, func

    d = AlertDelivery.__table__
    stmt = (
        d.update()
        .where(d.c.alert_id == bindparam("a"), d.c.board_id == bindparam("b"))
        .values(
            version=case((d.c.version < bindparam("v"), bindparam("v")), else_=d.c.version),
            received_at=func.coalesce(
                d.c.received_at, bindparam("rec", type_=d.c.received_at.type)
            ),
            displayed_at=func.coalesce(
                d.c.displayed_at, bindparam("dis", type_=d.c.displayed_at.type)
            ),
            cleared_at=func.coalesce(d.c.cleared_at, bindparam("clr", type_=d.c.cleared_at.type)),
            player_version=case((bindparam("pv") == "", d.c.player_version), else_=bindparam("pv")),
        )
    )
    session.execute(stmt, rows)
