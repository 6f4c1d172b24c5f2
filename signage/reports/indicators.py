"""The ministry's indicators (2024 action plan: 1.5, 1.6, 2.2) and the figures behind them.

For a root area and a period: one row per commune-level unit (ward, commune, special zone) with
its boards, how many were connected, their mean uptime and plays per category; totals per
province and for the root. docs/indicators.md says what each figure means and where it comes
from. The caller has already checked that the root lies within the user's report.view grants:
everything counted here lies in the root's subtree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from signage.areas.models import Area
from signage.boards.models import Board
from signage.boards.uptime import online_seconds
from signage.clock import Period
from signage.content.models import CATEGORIES, ProfileRecord
from signage.reports.models import PlayDay, PlayMonth
from signage.reports.rollup import day_ranges, next_month, whole_months

UNIT_KINDS = ("ward", "commune", "special_zone")
PROVINCE_KINDS = ("province", "municipality")
# Areas a report can be made for: the country, a province, a former district or one unit.
ROOT_KINDS = ("country", *PROVINCE_KINDS, "district", *UNIT_KINDS)
# Above this many boards, uptime reads every session of the period (one query, no huge IN list).
_IN_LIMIT = 2000


@dataclass(frozen=True)
class Rules:
    """The installation's choices: connected share and what makes a board large."""

    connected_share: float = 0.8
    large_min_pixels: int = 384 * 192


@dataclass
class Figures:
    """Counts over a set of boards: how many, how many connected, uptime and plays."""

    boards: int = 0
    connected: int = 0
    large: int = 0
    uptime_sum: float = 0.0
    uptime_boards: int = 0
    plays: dict[str, int] = field(default_factory=dict)

    @property
    def uptime(self) -> float | None:
        """Mean share of the period the boards were online (None: no board to measure)."""
        return self.uptime_sum / self.uptime_boards if self.uptime_boards else None

    @property
    def connected_share(self) -> float | None:
        """Share of the boards counted as connected (None: no board)."""
        return self.connected / self.boards if self.boards else None

    @property
    def total_plays(self) -> int:
        """Plays of every category."""
        return sum(self.plays.values())

    def add(self, other: Figures) -> None:
        """Add another set of boards' figures to these."""
        self.boards += other.boards
        self.connected += other.connected
        self.large += other.large
        self.uptime_sum += other.uptime_sum
        self.uptime_boards += other.uptime_boards
        for category, plays in other.plays.items():
            self.plays[category] = self.plays.get(category, 0) + plays


@dataclass
class Unit:
    """One commune-level unit (a row of the report)."""

    area: Area
    province: Area | None
    figures: Figures = field(default_factory=Figures)

    @property
    def has_board(self) -> bool:
        """True when at least one (non-test) board stands in the unit."""
        return self.figures.boards > 0


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass
class Totals:
    """Totals over one province (or the whole root) and the shares the ministry asks for."""

    area: Area | None
    figures: Figures = field(default_factory=Figures)
    units: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UNIT_KINDS, 0))
    with_board: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UNIT_KINDS, 0))
    districts: int = 0
    districts_with_large: int = 0
    districts_connected: int = 0

    @property
    def share_1_5(self) -> float | None:
        """Indicator 1.5: wards with at least one board / wards."""
        return share(self.with_board["ward"], self.units["ward"])

    @property
    def share_1_6(self) -> float | None:
        """Indicator 1.6: communes with at least one board / communes."""
        return share(self.with_board["commune"], self.units["commune"])

    @property
    def share_special_zones(self) -> float | None:
        """Special zones with at least one board / special zones (no indicator of its own)."""
        return share(self.with_board["special_zone"], self.units["special_zone"])

    @property
    def share_units(self) -> float | None:
        """Commune-level units of every kind with at least one board / all of them."""
        return share(sum(self.with_board.values()), sum(self.units.values()))

    @property
    def share_2_2(self) -> float | None:
        """Indicator 2.2: districts whose large boards are all connected / districts."""
        return share(self.districts_connected, self.districts)

    def count_unit(self, unit: Unit) -> None:
        """Count one unit and its boards."""
        self.units[unit.area.kind] += 1
        self.with_board[unit.area.kind] += unit.has_board


@dataclass
class Report:
    """Everything the indicator pages, the December report and the API show."""

    root: Area
    window: Period
    rules: Rules
    now: datetime
    units: list[Unit]
    provinces: list[Totals]
    total: Totals
    categories: tuple[str, ...] = CATEGORIES


@dataclass
class _Board:
    id: int
    path_ids: list[int]
    large: bool
    created_at: datetime


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _areas(session: Session, root: Area) -> list[Area]:
    """The root's ancestors and every unit, province and district in its subtree."""
    kinds = (*UNIT_KINDS, *PROVINCE_KINDS, "district")
    inside = select(Area).where(
        Area.path.startswith(root.path, autoescape=True), Area.kind.in_(kinds)
    )
    found = {a.id: a for a in session.scalars(inside)}
    ancestors = [i for i in _ids(root.path) if i not in found]
    if ancestors:
        found.update({a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ancestors)))})
    return list(found.values())


def _boards(session: Session, root: Area, window: Period, rules: Rules) -> list[_Board]:
    """The non-test boards in the root's subtree installed before the period's end."""
    stmt = (
        select(Board.id, Area.path, ProfileRecord.width * ProfileRecord.height, Board.created_at)
        .join(Area, Board.area_id == Area.id)
        .join(ProfileRecord, Board.profile_id == ProfileRecord.id)
        .where(
            Area.path.startswith(root.path, autoescape=True),
            Board.is_test.is_(False),
            Board.created_at < window.end,
        )
    )
    return [
        _Board(board_id, _ids(path), pixels >= rules.large_min_pixels, created)
        for board_id, path, pixels, created in session.execute(stmt)
    ]


def _area_paths(session: Session, root: Area) -> dict[int, str]:
    """Path of every area in the root's subtree (a play counts by the area it was in)."""
    inside = select(Area.id, Area.path).where(Area.path.startswith(root.path, autoescape=True))
    return {area_id: path for area_id, path in session.execute(inside)}


def _summed(session: Session, month: date) -> bool:
    """True when the rollup has written the month's totals.

    The rollup rewrites a month's totals whenever it rolls one of its days, so they equal the
    sum of its play_days rows; a month without any (rows written by hand) is read by day."""
    return bool(session.scalar(select(exists().where(PlayMonth.month == month))))


def _split(
    session: Session, window: Period, today: date
) -> tuple[list[date], list[tuple[date, date, int]]]:
    """Months to read from play_months, and day ranges to add (+1) or take away (-1).

    Whole months come from their totals. A ragged end shorter than the rest of its month is
    read by day; a longer one as its month's total less the other days (the December report,
    made on the 15th: 1-14 December is the month's total less the 15th; days after today hold
    no rows yet)."""
    months = [m for m in whole_months(window.first, window.last) if _summed(session, m)]
    ranges: list[tuple[date, date, int]] = []
    for first, last in day_ranges(window.first, window.last, months):
        month = first.replace(day=1)
        end = next_month(month) - timedelta(days=1)
        outside = (first - month).days + max(0, (min(end, today) - last).days)
        if last <= end and outside < (last - first).days + 1 and _summed(session, month):
            months.append(month)
            if first > month:
                ranges.append((month, first - timedelta(days=1), -1))
            if last < end:
                ranges.append((last + timedelta(days=1), end, -1))
        else:
            ranges.append((first, last, 1))
    return months, ranges


def _plays(session: Session, root: Area, window: Period, today: date) -> dict[str, dict[str, int]]:
    """Plays per area path (the board's area when it played) and category, non-test boards.

    Whole months come from play_months, the ragged ends from play_days (a year: 11 months of
    monthly rows and a month of daily ones instead of 365 days of every item)."""
    paths = _area_paths(session, root)
    # The country holds every area: no list to test each row against.
    area_ids = None if root.kind == "country" else list(paths)
    test_boards = select(Board.id).where(Board.is_test.is_(True))
    months, ranges = _split(session, window, today)
    queries: list[tuple[Select[int, str, int], int]] = []
    if months:
        stmt = (
            select(PlayMonth.area_id, PlayMonth.category, func.sum(PlayMonth.plays))
            .where(PlayMonth.month.in_(months), PlayMonth.board_id.not_in(test_boards))
            .group_by(PlayMonth.area_id, PlayMonth.category)
        )
        queries.append(
            (stmt if area_ids is None else stmt.where(PlayMonth.area_id.in_(area_ids)), 1)
        )
    for first, last, sign in ranges:
        stmt = (
            select(PlayDay.area_id, PlayDay.category, func.sum(PlayDay.plays))
            .where(
                PlayDay.day >= first,
                PlayDay.day <= last,
                PlayDay.board_id.not_in(test_boards),
            )
            .group_by(PlayDay.area_id, PlayDay.category)
        )
        queries.append(
            (stmt if area_ids is None else stmt.where(PlayDay.area_id.in_(area_ids)), sign)
        )
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for stmt, sign in queries:
        for area_id, category, plays in session.execute(stmt):
            path = paths.get(area_id)
            if path is not None:
                out[path][category] = out[path].get(category, 0) + sign * int(plays or 0)
    # A category whose plays were all taken away again (days of the month outside the window);
    # the rollup writes no row of 0 plays, so days alone would not show it either.
    return {path: {c: n for c, n in by.items() if n} for path, by in out.items()}


def _online_share(
    board: _Board, online: dict[int, float], window: Period, now: datetime
) -> float | None:
    """Online seconds over the part of the period the board existed and that has passed."""
    begin = max(window.start, board.created_at)
    stop = min(window.end, now)
    if stop <= begin:
        return None
    return min(1.0, online.get(board.id, 0.0) / (stop - begin).total_seconds())


def compute(session: Session, root: Area, window: Period, *, now: datetime, rules: Rules) -> Report:
    """The indicators for the root's subtree over the window, as of now."""
    areas = {a.id: a for a in _areas(session, root)}
    units = {i: Unit(a, None) for i, a in areas.items() if a.kind in UNIT_KINDS}
    provinces = {i: Totals(a) for i, a in areas.items() if a.kind in PROVINCE_KINDS}
    for unit in units.values():
        unit.province = next((areas[i] for i in _ids(unit.area.path) if i in provinces), None)
    districts: dict[int, list[bool]] = {
        i: [] for i, a in areas.items() if a.kind == "district" and a.path.startswith(root.path)
    }
    boards = _boards(session, root, window, rules)
    ids = [b.id for b in boards]
    online = online_seconds(
        session, ids if len(ids) <= _IN_LIMIT else None, window.start, window.end, now=now
    )
    total = Totals(root)
    per_province: dict[int, Figures] = defaultdict(Figures)
    for board in boards:
        ratio = _online_share(board, online, window, now)
        figures = Figures(boards=1, large=int(board.large))
        if ratio is not None:
            figures.uptime_sum, figures.uptime_boards = ratio, 1
            figures.connected = int(ratio >= rules.connected_share)
        for area_id in reversed(board.path_ids):  # the deepest unit holds the board
            if area_id in units:
                units[area_id].figures.add(figures)
                break
        for area_id in board.path_ids:
            if area_id in provinces:
                per_province[area_id].add(figures)
            if board.large and area_id in districts:
                districts[area_id].append(bool(figures.connected))
        total.figures.add(figures)
    today = now.astimezone(window.tz).date()
    for path, by_category in _plays(session, root, window, today).items():
        path_ids = _ids(path)
        plays = Figures(plays=by_category)
        for i in reversed(path_ids):
            if i in units:
                units[i].figures.add(plays)
                break
        for i in path_ids:
            if i in provinces:
                per_province[i].add(plays)
        total.figures.add(plays)
    for area_id, totals in provinces.items():
        totals.figures = per_province[area_id]
    for unit in units.values():
        total.count_unit(unit)
        if unit.province is not None and unit.province.id in provinces:
            provinces[unit.province.id].count_unit(unit)
    for area_id, connected in districts.items():
        holders = [provinces[i] for i in _ids(areas[area_id].path) if i in provinces]
        for totals in [total, *holders]:
            totals.districts += 1
            totals.districts_with_large += bool(connected)
            totals.districts_connected += bool(connected) and all(connected)
    ordered_units = sorted(
        units.values(),
        key=lambda u: (u.province.code if u.province else "", u.area.code),
    )
    ordered_provinces = sorted(
        (t for t in provinces.values() if t.area is not None and root.contains(t.area)),
        key=lambda t: t.area.code if t.area else "",
    )
    if not ordered_provinces and root.kind not in PROVINCE_KINDS:
        # Below a province: the province the root lies in, for the report's heading.
        ordered_provinces = list(provinces.values())
    # Categories the rollup wrote that are not Decree 49's (none today) get their own column.
    extra = sorted(set(total.figures.plays) - set(CATEGORIES))
    return Report(
        root, window, rules, now, ordered_units, ordered_provinces, total, (*CATEGORIES, *extra)
    )


def province_of(report: Report) -> Area | None:
    """The province the report is about (None for a country-wide report)."""
    if report.root.kind in PROVINCE_KINDS:
        return report.root
    if report.root.kind == "country":
        return None
    return report.provinces[0].area if report.provinces else None
