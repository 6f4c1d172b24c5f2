"""Reconciliation: a player's periodic `alert_sync` {alerts: [{id, version}]} against the truth.

Whatever was lost in transit (a cancel published while Redis was down, a push to a socket that
was closing), the player says every few seconds what it shows and the server answers only the
difference: `alert` for what it must show (missing or outdated), `alert_cancel` for what it must
drop. A snapshot of every board's active alerts, read at most every `max_age` seconds, answers
the common case (nothing differs) without touching the database; a difference is confirmed
against the database for that one board before anything is sent, so a snapshot a second old
never takes a fresh alert off a screen.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.alerts.delivery import payload
from signage.alerts.models import Alert, AlertDelivery
from signage.alerts.queries import active_for_board

SNAPSHOT_MAX_AGE_S = 2.0
SYNC_INTERVAL_S = 5  # how often players send `alert_sync` (docs/protocol.md)


class ActiveAlerts:
    """{board id: {alert id: version}} of the active alerts, refreshed at most every max_age s."""

    def __init__(self, max_age: float = SNAPSHOT_MAX_AGE_S) -> None:
        self.max_age = max_age
        self._boards: dict[int, dict[int, int]] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()
        # Single flight: one caller re-reads a stale snapshot, the others answer from the
        # previous one meanwhile (with 1,000 players every `alert_sync` arriving during the read
        # used to run the same query on its own pooled connection and drain the pool).
        self._refreshing = threading.Lock()

    def of(self, session: Session, board_id: int, *, now: datetime) -> dict[int, int]:
        """The board's active alerts as of the snapshot (read again when it is too old)."""
        # Monotonic, not business time: this is the age of a cache, not a rule of the domain.
        if time.monotonic() - self._read_at >= self.max_age:
            first = self._read_at == float("-inf")
            # Before the first read there is nothing to answer from: wait for that read.
            if self._refreshing.acquire(blocking=first):
                try:
                    if time.monotonic() - self._read_at >= self.max_age:
                        self.read(session, now=now)
                finally:
                    self._refreshing.release()
        return self._boards.get(board_id, {})

    def read(self, session: Session, *, now: datetime) -> None:
        """Read the snapshot: one query over the deliveries of active alerts."""
        boards: dict[int, dict[int, int]] = {}
        rows = session.execute(
            select(AlertDelivery.board_id, Alert.id, Alert.version)
            .join(Alert, Alert.id == AlertDelivery.alert_id)
            .where(Alert.state == "active", Alert.expires > now)
        )
        for board_id, alert_id, version in rows:
            boards.setdefault(board_id, {})[alert_id] = version
        with self._lock:
            self._boards, self._read_at = boards, time.monotonic()


def differs(want: dict[int, int], held: dict[int, int]) -> bool:
    """True when the player must be told something: a missing, outdated or extra alert."""
    if held.keys() - want.keys():
        return True
    return any(held.get(i, 0) < v for i, v in want.items())


def answer(
    session: Session, snapshot: ActiveAlerts, board_id: int, held: dict[int, int], *, now: datetime
) -> list[tuple[str, dict[str, Any]]]:
    """The events that bring this board from `held` to its active alerts (often none)."""
    if not differs(snapshot.of(session, board_id, now=now), held):
        return []
    active = {a.id: a for a in active_for_board(session, board_id, now=now)}
    out: list[tuple[str, dict[str, Any]]] = []
    for alert_id, alert in active.items():
        if held.get(alert_id, 0) < alert.version:
            out.append(("alert", payload(alert)))
    extra = [i for i in held if i not in active]
    versions = dict(
        session.execute(select(Alert.id, Alert.version).where(Alert.id.in_(extra))).all()
        if extra
        else []
    )
    for alert_id in extra:  # ended, or never this board's: the player drops it
        version = max(held[alert_id], versions.get(alert_id, 0))
        out.append(("alert_cancel", {"id": alert_id, "version": version}))
    return out
