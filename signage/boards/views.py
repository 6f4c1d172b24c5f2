"""Console pages for boards: list, create, detail with 48 h timeline, CSV import, groups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.boards import fleet, importer, services
from signage.boards.uptime import figures
from signage.content.renditions import profile_records
from signage.db import db
from signage.errors import ValidationFailed
from signage.http.access import require_any
from signage.http.areas import area_field, named_area
from signage.http.forms import form_action
from signage.http.labels import profile_label
from signage.http.paging import page_number, paginate
from signage.schedules.services import board_timeline
from signage.schedules.spans import power_spans

bp = Blueprint("boards", __name__, url_prefix="/boards")
WEEKDAY_LABELS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


class BoardForm(FlaskForm):
    """A new board."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    area = StringField(_l("Area"), validators=[DataRequired(), Length(max=32)])
    profile = SelectField(_l("Display profile"))
    lat = FloatField(_l("Latitude"), validators=[Optional()])
    lon = FloatField(_l("Longitude"), validators=[Optional()])
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)])
    is_test = BooleanField(_l("Test board (for alert exercises)"))


class ImportForm(FlaskForm):
    """A CSV file of boards."""

    file = FileField(
        _l("CSV file (UTF-8)"), validators=[FileRequired(message=_l("Choose a CSV file."))]
    )


class GroupForm(FlaskForm):
    """A new group."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    area = StringField(_l("Area"), validators=[DataRequired(), Length(max=32)])


STATUS_LABELS = {
    "online": _l("Online"),
    "offline": _l("Offline"),
    "never": _l("Never connected"),
}
DARK_FOR_LABELS = {
    "15m": _l("more than 15 minutes"),
    "1h": _l("more than 1 hour"),
    "6h": _l("more than 6 hours"),
    "24h": _l("more than 24 hours"),
    "7d": _l("more than 7 days"),
}


@bp.get("/")
@login_required
def boards() -> ResponseReturnValue:
    """Boards in the user's areas with their status, filtered by status, time dark, area,
    display profile and group; a bad filter value is a form error (422), never a 500."""
    me = current_user()
    require_any(me, "board.view")
    args = request.args
    now = clock.now()
    error = None
    status = 200
    try:
        area = (
            named_area(db.session, me, args["area"], action="board.view")
            if args.get("area", "").strip()
            else None
        )
        wanted = fleet.read_filter(
            db.session,
            me,
            status=args.get("status"),
            offline_for=args.get("offline_for"),
            area=area,
            profile=args.get("profile"),
            group=args.get("group"),
            text=args.get("q", ""),
        )
    except ValidationFailed as exc:
        error, status, wanted = exc, exc.status, None
    page = (
        paginate(
            db.session,
            fleet.fleet_boards(me, wanted, now=now),
            page_number(args.get("page")),
            50,
        )
        if wanted is not None
        else None
    )
    page_html = render_template(
        "boards/list.html",
        title=_("Boards"),
        page=page,
        states=fleet.board_states(db.session, page.items if page else [], now=now),
        error=error,
        filters=wanted.args() if wanted else {},
        raw={k: args.get(k, "")[:100] for k in fleet.FILTER_ARGS},
        profiles=profile_records(db.session),
        groups=list(db.session.scalars(services.visible_groups(me)).unique()),
        status_labels=STATUS_LABELS,
        dark_labels=DARK_FOR_LABELS,
        status_map=fleet.status_map(db.session, me, now=now),
    )
    return page_html, status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """Create one board, with operating hours per weekday."""
    require_any(current_user(), "board.manage")
    form = BoardForm()
    form.profile.choices = [(p.key, profile_label(p)) for p in profile_records(db.session)]
    hours = {str(d): request.form.get(f"hours-{d}", "") for d in range(7)}
    return form_action(
        form,
        lambda: services.create_board(
            db.session,
            current_actor(),
            area=area_field(form.area.data),
            profile_key=form.profile.data or "",
            now=clock.now(),
            is_test=bool(form.is_test.data),
            code=form.code.data or "",
            name=form.name.data or "",
            lat=form.lat.data,
            lon=form.lon.data,
            address=form.address.data or "",
            timezone="",
            hours=hours,
        ),
        done=lambda board: _saved(board, _("The board was created.")),
        page=lambda error: render_template(
            "boards/form.html",
            title=_("New board"),
            form=form,
            error=error,
            hours=hours,
            weekdays=WEEKDAY_LABELS,
        ),
    )


def _saved(board: Any, message: str) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for("boards.board", code=board.code))


def _hours_text(value: Any) -> str:
    """A weekday's stored spans as typed in the form ("06:00-11:00, 13:00-22:00")."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> ResponseReturnValue:
    """Change a board: name, place, profile, coordinates, operating hours, test flag."""
    board = services.get_board(db.session, current_user(), code, "board.manage")
    form = BoardForm(obj=board) if request.method == "GET" else BoardForm()
    form.profile.choices = [(p.key, profile_label(p)) for p in profile_records(db.session)]
    if request.method == "GET":
        form.area.data, form.profile.data = board.area.code, board.profile.key
    # The code names the board's room and its players' tokens: it does not change here.
    form.code.data = board.code
    form.code.render_kw = {"readonly": True}
    hours = (
        {str(d): request.form.get(f"hours-{d}", "") for d in range(7)}
        if request.method == "POST"
        else {str(d): _hours_text((board.hours or {}).get(str(d))) for d in range(7)}
    )
    return form_action(
        form,
        lambda: services.update_board(
            db.session,
            current_actor(),
            board,
            now=clock.now(),
            area=area_field(form.area.data),
            profile_key=form.profile.data or "",
            is_test=bool(form.is_test.data),
            name=form.name.data or "",
            lat=form.lat.data,
            lon=form.lon.data,
            address=form.address.data or "",
            hours=hours,
        ),
        done=lambda _none: _saved(board, _("The board was saved; its player was told.")),
        page=lambda error: render_template(
            "boards/form.html",
            title=_("Edit board %(code)s", code=board.code),
            form=form,
            error=error,
            hours=hours,
            weekdays=WEEKDAY_LABELS,
        ),
    )


@bp.get("/<code>")
@login_required
def board(code: str) -> ResponseReturnValue:
    """A board, its groups and its timeline for the next 48 hours."""
    from signage.boards.api import status_out
    from signage.boards.models import BoardStatus
    from signage.boards.presence import has_active_token

    item = services.get_board(db.session, current_user(), code)
    now = clock.now()
    segments = board_timeline(db.session, item, now, now + timedelta(hours=48))
    row = db.session.get(BoardStatus, item.id)
    status = status_out(item, row, paired=has_active_token(db.session, item))
    tz = figures.zone(item.timezone)
    uptime = figures.board_figures(
        db.session, item, now=now, tz=tz, power=lambda a, b: power_spans(item.hours, tz, a, b)
    )
    headlines = _headlines(segments)
    if status["current_item"] is not None and status["current_item"] not in headlines:
        headlines.update(_headlines_of({status["current_item"]}))
    return render_template(
        "boards/detail.html",
        title=item.name,
        board=item,
        segments=segments,
        weekdays=WEEKDAY_LABELS,
        headlines=headlines,
        status=status,
        reported=row,
        commands=COMMAND_LABELS,
        uptime=uptime,
    )


COMMAND_LABELS = {
    "identify": _l("Identify"),
    "reload": _l("Reload"),
    "screenshot": _l("Screenshot"),
}


def _headlines(segments: list) -> dict[int, str]:
    return _headlines_of({e.item_id for s in segments for e in s.entries})


def _headlines_of(ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    from signage.content.models import ContentItem

    if not ids:
        return {}
    rows = db.session.execute(
        select(ContentItem.id, ContentItem.headline).where(ContentItem.id.in_(ids))
    )
    return dict(rows.all())


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_csv() -> ResponseReturnValue:
    """Import a CSV of boards: all rows or none, with every row's problem listed."""
    require_any(current_user(), "board.manage")
    form = ImportForm()
    problems: list[dict[str, Any]] = []

    def imported(report: Any) -> ResponseReturnValue:
        flash(_("%(n)s boards were imported.", n=report.boards), "success")
        return redirect(url_for("boards.boards"))

    return form_action(
        form,
        lambda: importer.import_boards(
            db.session, current_actor(), form.file.data.stream.read(), now=clock.now()
        ),
        done=imported,
        page=lambda error: render_template(
            "boards/import.html",
            title=_("Import boards"),
            form=form,
            error=error,
            problems=problems,
        ),
        listed=problems,
    )


@bp.route("/groups", methods=["GET", "POST"])
@login_required
def groups() -> ResponseReturnValue:
    """Groups of boards, and a form to add one."""
    me = current_user()
    require_any(me, "board.view")
    if request.method == "POST":
        require_any(me, "board.manage")
    form = GroupForm()

    def created(_group: Any) -> ResponseReturnValue:
        flash(_("The group was created."), "success")
        return redirect(url_for("boards.groups"))

    return form_action(
        form,
        lambda: services.create_group(
            db.session,
            current_actor(),
            code=form.code.data or "",
            name=form.name.data or "",
            area=area_field(form.area.data),
            now=clock.now(),
        ),
        done=created,
        page=lambda error: render_template(
            "boards/groups.html",
            title=_("Groups"),
            groups=list(db.session.scalars(services.visible_groups(me)).unique()),
            form=form,
            error=error,
        ),
    )


@bp.post("/groups/<code>/members")
@login_required
def group_members(code: str) -> ResponseReturnValue:
    """Add or remove one board (by code) in a group."""
    group = services.get_group(db.session, current_user(), code, "board.manage")
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(url_for("boards.groups"))
    board_code = request.form.get("board", "").strip()
    remove = bool(request.form.get("remove"))
    back = url_for("boards.groups")
    return form_action(
        None,
        lambda: services.change_members(
            db.session,
            current_actor(),
            group,
            add=[] if remove else [board_code],
            remove=[board_code] if remove else [],
            now=clock.now(),
        ),
        done=lambda _none: _members_changed(back, removed=remove),
        back=back,
    )


def _members_changed(back: str, *, removed: bool) -> ResponseReturnValue:
    if removed:
        flash(_("The board was taken out of the group."), "success")
    else:
        flash(_("The board was added to the group."), "success")
    return redirect(back)
