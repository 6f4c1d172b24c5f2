"""Console pages: playlists (editor with durations and up/down), schedules with a week grid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.boards.services import get_board
from signage.content.items import visible_items
from signage.content.models import ContentItem
from signage.content.renditions import profile_records
from signage.content.workflow import airing_revision
from signage.db import db
from signage.errors import ValidationFailed
from signage.http.access import require_any
from signage.http.areas import area_field
from signage.http.forms import form_action, form_int
from signage.http.period import parse_moment
from signage.i18n import local_tz
from signage.permissions import require
from signage.schedules import calendar as cal
from signage.schedules import playlists as lists
from signage.schedules import services
from signage.schedules.manifests import publisher
from signage.schedules.models import Playlist, Schedule
from signage.schedules.spans import ALL_DAY_TEXT, SpanError, all_day, parse_window, split_windows

bp = Blueprint("schedules", __name__)
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
TARGETS = {"area": _l("Area (whole subtree)"), "group": _l("Group"), "board": _l("Board")}


def _csrf_ok() -> bool:
    return FlaskForm().validate_on_submit()


@bp.route("/playlists/", methods=["GET", "POST"])
@login_required
def playlists() -> ResponseReturnValue:
    """Playlists in the user's areas, and a form to start one."""
    me = current_user()
    require_any(me, "schedule.view")
    if request.method == "POST":
        require_any(me, "schedule.edit")
    return form_action(
        None,
        lambda: lists.create_playlist(
            db.session,
            current_actor(),
            name=request.form.get("name", ""),
            area=area_field(request.form.get("area")),
            now=clock.now(),
        ),
        done=_created,
        page=lambda error: render_template(
            "schedules/playlists.html",
            title=_("Playlists"),
            playlists=list(db.session.scalars(lists.visible_playlists(me).limit(500)).unique()),
            error=error,
        ),
    )


def _created(playlist: Playlist) -> ResponseReturnValue:
    flash(
        _("The playlist %(name)s was created; add approved items to it.", name=playlist.name),
        "success",
    )
    return redirect(url_for("schedules.playlist", playlist_id=playlist.id))


def _playlist_entries(item: Any) -> list[tuple[int, int | None]]:
    """The playlist's entries after the posted durations and action (every number bounded)."""
    pairs: list[tuple[int, int | None]] = []
    for i, e in enumerate(item.entries):
        raw = request.form.get(f"duration-{i}")
        duration = e.duration_s if raw is None else form_int(raw, field=f"duration-{i}")
        pairs.append((e.item_id, duration))
    action, _sep, raw_index = request.form.get("action", "save").partition(":")
    if action in ("up", "down", "remove"):
        index = form_int(raw_index, field="action", maximum=max(len(pairs) - 1, 0))
        if action == "remove" and pairs:
            pairs.pop(index)
        elif pairs:
            j = index + (-1 if action == "up" else 1)
            if 0 <= j < len(pairs):
                pairs[index], pairs[j] = pairs[j], pairs[index]
    elif action == "add":
        raw_item = request.form.get("item", "")
        if raw_item.strip():
            pairs.append((form_int(raw_item, field="item", minimum=1), None))
    return pairs


@bp.route("/playlists/<int:playlist_id>", methods=["GET", "POST"])
@login_required
def playlist(playlist_id: int) -> ResponseReturnValue:
    """Edit a playlist: add approved items, set durations, move up/down, remove; preview."""
    me = current_user()
    item = lists.get_playlist(db.session, me, playlist_id)

    def page(error: Any) -> str:
        profiles = profile_records(db.session)
        chosen = request.args.get("profile") or (profiles[0].key if profiles else "")
        listed = {e.item_id for e in item.entries}
        offered = visible_items(me, state="approved").where(ContentItem.id.not_in(listed))
        approved = list(db.session.scalars(offered.limit(200)).unique())
        previews = {e.item_id: airing_revision(e.item) for e in item.entries}
        return render_template(
            "schedules/playlist.html",
            title=item.name,
            playlist=item,
            approved=approved,
            profiles=profiles,
            profile=chosen,
            previews=previews,
            error=error,
        )

    return form_action(
        None,
        lambda: lists.set_entries(
            db.session,
            current_actor(),
            item,
            _playlist_entries(item),
            now=clock.now(),
            publisher=publisher(),
        ),
        done=lambda _none: _entries_saved(item),
        page=page,
    )


def _entries_saved(item: Playlist) -> ResponseReturnValue:
    flash(_("The playlist was saved; the boards that play it were told."), "success")
    return redirect(
        url_for("schedules.playlist", playlist_id=item.id, profile=request.args.get("profile", ""))
    )


@bp.post("/playlists/<int:playlist_id>/delete")
@login_required
def delete_playlist(playlist_id: int) -> ResponseReturnValue:
    """Delete a playlist no schedule uses."""
    item = lists.get_playlist(db.session, current_user(), playlist_id, "schedule.edit")
    name = item.name
    return form_action(
        None,
        lambda: lists.delete_playlist(
            db.session, current_actor(), item, now=clock.now(), publisher=publisher()
        ),
        done=lambda _none: _deleted(name),
        back=url_for("schedules.playlist", playlist_id=playlist_id),
    )


def _deleted(name: str) -> ResponseReturnValue:
    flash(_("The playlist %(name)s was deleted.", name=name), "success")
    return redirect(url_for("schedules.playlists"))


@bp.get("/schedules/")
@login_required
def schedules() -> ResponseReturnValue:
    """Schedules in the user's areas."""
    me = current_user()
    require_any(me, "schedule.view")
    rows = list(db.session.scalars(services.visible_schedules(me).limit(500)).unique())
    labels = {s.id: services.target_label(db.session, s) for s in rows}
    return render_template(
        "schedules/list.html",
        title=_("Schedules"),
        schedules=rows,
        labels=labels,
        targets=TARGETS,
        weekdays=WEEKDAYS,
    )


def _local(form: Any, field: str) -> datetime | None:
    label = {"valid_from": _l("Valid from"), "valid_to": _l("Valid to")}[field]
    return parse_moment(form.get(field, ""), field=field, label=label, tz=local_tz())


@bp.route("/schedules/new", methods=["GET", "POST"])
@login_required
def new_schedule() -> ResponseReturnValue:
    """Schedule a playlist on an area, group or board."""
    require_any(current_user(), "schedule.edit")
    return _schedule_form(None, _("New schedule"))


@bp.route("/schedules/<int:schedule_id>/edit", methods=["GET", "POST"])
@login_required
def edit_schedule(schedule_id: int) -> ResponseReturnValue:
    """Change a schedule: the boards it leaves and the boards it reaches are both told."""
    item = services.get_schedule(db.session, current_user(), schedule_id)
    require(current_user(), "schedule.edit", item.area)
    return _schedule_form(item, _("Edit schedule #%(id)s", id=item.id))


def _as_form(item: Schedule) -> dict[str, Any]:
    def local(value: datetime | None) -> str:
        return value.astimezone(local_tz()).strftime("%d/%m/%Y %H:%M") if value else ""

    return {
        "name": item.name,
        "target_kind": item.target_kind,
        "target": services.target_label(db.session, item).split(" ", 1)[0],
        "playlist": str(item.playlist_id),
        "valid_from": local(item.valid_from),
        "valid_to": local(item.valid_to),
        "windows": "" if all_day(item.windows) else ", ".join(item.windows),
        "all_day": "1" if all_day(item.windows) else "",
        "priority": item.priority,
    }


def _schedule_form(item: Schedule | None, title: str) -> ResponseReturnValue:
    me = current_user()
    form: Any = request.form if request.method == "POST" else (_as_form(item) if item else {})
    if request.method == "POST":
        days = request.form.getlist("weekdays")
    else:
        days = [str(d) for d in (item.weekdays if item else range(7))]

    def save() -> Schedule:
        data = services.ScheduleInput(
            target_kind=form.get("target_kind", ""),
            target=form.get("target", ""),
            playlist_id=form_int(form.get("playlist") or "0", field="playlist"),
            windows=[ALL_DAY_TEXT]
            if form.get("all_day")
            else split_windows(form.get("windows", "")),
            weekdays=[form_int(d, field="weekdays", maximum=6) for d in days],
            priority=form.get("priority", "normal"),
            name=form.get("name", ""),
            valid_from=_local(form, "valid_from"),
            valid_to=_local(form, "valid_to"),
        )
        return services.save_schedule(
            db.session, current_actor(), data, now=clock.now(), publisher=publisher(), schedule=item
        )

    def saved(schedule: Schedule) -> ResponseReturnValue:
        flash(_("The schedule was saved; the boards were told."), "success")
        return redirect(url_for("schedules.schedule", schedule_id=schedule.id))

    return form_action(
        None,
        save,
        done=saved,
        page=lambda error: render_template(
            "schedules/form.html",
            title=title,
            form=form,
            chosen_days=days,
            playlists=list(db.session.scalars(lists.visible_playlists(me).limit(500)).unique()),
            targets=TARGETS,
            weekdays=WEEKDAYS,
            error=error,
        ),
    )


def week_grid(windows: list[str], weekdays: list[int]) -> list[list[bool]]:
    """7 x 24 cells: True where a window covers (part of) that local hour."""
    grid = [[False] * 24 for _ in range(7)]
    for text in windows:
        try:
            w = parse_window(text)
        except SpanError:
            continue
        start = w.start.hour * 60 + w.start.minute
        end = w.end.hour * 60 + w.end.minute + (1440 if w.crosses_midnight else 0)
        for d in weekdays:
            for minute in range(start, end):
                grid[(d + minute // 1440) % 7][(minute % 1440) // 60] = True
    return grid


@bp.get("/schedules/<int:schedule_id>")
@login_required
def schedule(schedule_id: int) -> ResponseReturnValue:
    """A schedule with its weekly calendar."""
    item = services.get_schedule(db.session, current_user(), schedule_id)
    return render_template(
        "schedules/detail.html",
        title=_("Schedule #%(id)s", id=item.id),
        schedule=item,
        target=services.target_label(db.session, item),
        targets=TARGETS,
        weekdays=WEEKDAYS,
        grid=week_grid(item.windows, item.weekdays),
    )


@bp.post("/schedules/<int:schedule_id>/delete")
@login_required
def delete_schedule(schedule_id: int) -> ResponseReturnValue:
    """Delete a schedule; its boards are told."""
    item = services.get_schedule(db.session, current_user(), schedule_id)
    if _csrf_ok():
        services.delete_schedule(
            db.session, current_actor(), item, now=clock.now(), publisher=publisher()
        )
        flash(_("The schedule was deleted."), "success")
    return redirect(url_for("schedules.schedules"))


@bp.get("/schedules/calendar")
@login_required
def calendar() -> ResponseReturnValue:
    """A week or month calendar of the schedules that play on a board or in an area."""
    me = current_user()
    args = request.args
    today = clock.now().astimezone(local_tz()).date()
    raw_start = args.get("start", "")
    start = cal.parse_date(raw_start) if raw_start.strip() else today
    per = cal.period(args.get("view", "week"), start)
    if args.get("board"):
        board = get_board(db.session, me, args["board"])
        subject, tz, hours = f"{board.code} {board.name}", board.timezone, board.hours
        found = cal.board_schedules(db.session, board)
        which = {"board": board.code}
    elif args.get("area"):
        area = area_field(args["area"], action="schedule.view")
        subject, tz, hours = f"{area.code} {area.name}", str(local_tz()), None
        found = cal.area_schedules(db.session, area)
        which = {"area": area.code}
    else:
        raise ValidationFailed(
            details=[{"field": "board", "message": _l("Choose a board or an area.")}]
        )
    labels = {s.id: services.target_label(db.session, s) for s in found}
    return render_template(
        "schedules/calendar.html",
        title=_("Calendar: %(subject)s", subject=subject),
        per=per,
        which=which,
        days=cal.days(found, per, tz=tz, hours=hours),
        schedules=found,
        labels=labels,
        targets=TARGETS,
        weekdays=WEEKDAYS,
        today=today,
    )
