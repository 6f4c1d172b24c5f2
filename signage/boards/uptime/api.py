"""Uptime endpoints: one board's share connected and its outages, and an area's aggregate."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from signage import clock
from signage.boards import services
from signage.boards.uptime import figures
from signage.boards.uptime.figures import MAX_OUTAGES, BoardUptime
from signage.clock import iso_utc
from signage.db import db
from signage.http import areas as access
from signage.http.api import actor, api_blueprint, operations, query_args
from signage.http.period import Period, parse_period
from signage.i18n import local_tz
from signage.schedules.spans import power_spans

bp = api_blueprint("uptime")
operation = operations(bp)
WORST = 20


class PeriodQuery(BaseModel):
    """Two local dates, both days included; default the last 7 days up to today."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str | None = Field(
        None, alias="from", max_length=10, description="First day: yyyy-mm-dd or dd/mm/yyyy"
    )
    to: str | None = Field(None, max_length=10, description="Last day (included)")


class OutageOut(BaseModel):
    start: datetime
    end: datetime | None = Field(description="null: still going")
    seconds: float


class BoardUptimeOut(BaseModel):
    board: str
    name: str
    timezone: str
    first_day: str
    last_day: str
    start: datetime
    end: datetime = Field(description="The period's end, or now if it has not ended")
    first_connected: datetime | None
    share: float | None = Field(description="0..1; null if the board never connected")
    share_in_operating_hours: float | None = Field(
        description="0..1 within the board's operating hours; null if always on"
    )
    online_seconds: float
    counted_seconds: float = Field(description="From the board's first connection on")
    outage_count: int
    outages: list[OutageOut] = Field(description=f"The first {MAX_OUTAGES}, oldest first")


class WorstBoardOut(BaseModel):
    board: str
    name: str
    share: float | None
    downtime_seconds: float


class AreaUptimeOut(BaseModel):
    area: str
    first_day: str
    last_day: str
    start: datetime
    end: datetime
    boards: int = Field(description="Boards of the subtree you may see")
    mean_share: float | None = Field(description="Mean of the shares of boards that connected")
    never_connected: list[str]
    worst: list[WorstBoardOut] = Field(description=f"At most {WORST}, most downtime first")


def _period(tz: ZoneInfo) -> Period:
    args = query_args(PeriodQuery)
    raw = {"from": args.from_ or "", "to": args.to or ""}
    return parse_period(raw, tz=tz, today=clock.now().astimezone(tz).date())


def outage_out(item: BoardUptime) -> list[dict[str, Any]]:
    """The listed outages of a board as the API writes them."""
    return [
        {"start": iso_utc(o.start), "end": iso_utc(o.end), "seconds": round(o.seconds)}
        for o in item.outages[:MAX_OUTAGES]
    ]


@operation(
    "/boards/<code>/uptime",
    "GET",
    summary="A board's share of time connected and its outages over a period of local days",
    tag="boards",
    query=PeriodQuery,
    response=BoardUptimeOut,
    errors=(404, 422),
    scope="boards:read",
)
def board_uptime(code: str) -> ResponseReturnValue:
    """Whole days count, not only operating hours; time before the first connection does not.
    At most 732 days; `from` after `to`, or only one of them, is a 422."""
    board = services.get_board(db.session, actor().user, code)
    tz = figures.zone(board.timezone)
    period = _period(tz)
    power = {board.id: lambda a, b: power_spans(board.hours, tz, a, b)}
    item = figures.board_uptime(
        db.session, [board.id], period.start, period.end, now=clock.now(), power=power
    )[board.id]
    return jsonify(
        {
            "board": board.code,
            "name": board.name,
            "timezone": board.timezone,
            "first_day": period.first.isoformat(),
            "last_day": period.last.isoformat(),
            "start": iso_utc(item.start),
            "end": iso_utc(item.stop),
            "first_connected": iso_utc(item.first_connected),
            "share": None if item.share is None else round(item.share, 4),
            "share_in_operating_hours": (
                None if item.share_in_hours is None else round(item.share_in_hours, 4)
            ),
            "online_seconds": round(item.online_seconds),
            "counted_seconds": round(item.counted_seconds),
            "outage_count": len(item.outages),
            "outages": outage_out(item),
        }
    )


@operation(
    "/areas/<code>/uptime",
    "GET",
    summary="Uptime of the boards of an area subtree over a period of local days",
    tag="areas",
    query=PeriodQuery,
    response=AreaUptimeOut,
    errors=(404, 422),
    scope="boards:read",
)
def area_uptime(code: str) -> ResponseReturnValue:
    """Only boards you may see are counted or listed. Days are the installation's local days."""
    user = actor().user
    area = access.visible_area(db.session, user, code)
    period = _period(local_tz())
    boards = list(db.session.scalars(services.visible_boards(user, area=area)).unique())
    agg = figures.area_uptime(
        db.session, boards, period.start, period.end, now=clock.now(), worst=WORST
    )
    return jsonify(
        {
            "area": area.code,
            "first_day": period.first.isoformat(),
            "last_day": period.last.isoformat(),
            "start": iso_utc(agg.start),
            "end": iso_utc(agg.stop),
            "boards": agg.boards,
            "mean_share": None if agg.mean_share is None else round(agg.mean_share, 4),
            "never_connected": [b.code for b in agg.never_connected],
            "worst": [
                {
                    "board": b.code,
                    "name": b.name,
                    "share": None if u.share is None else round(u.share, 4),
                    "downtime_seconds": round(u.downtime_seconds),
                }
                for b, u in agg.worst
            ],
        }
    )
