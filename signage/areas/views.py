"""Console pages for the area tree: browse one level at a time, search, add hand-made areas."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice, SelectField, StringField

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.accounts.models import User
from signage.areas import services
from signage.areas.models import Area
from signage.areas.services import MANUAL_KINDS
from signage.boards.services import visible_boards
from signage.boards.uptime.figures import AreaFigures, area_figures
from signage.db import bytewise, db
from signage.errors import PermissionDenied, ValidationFailed
from signage.http import areas as access
from signage.http.access import require_any
from signage.http.forms import at_most, form_action, required
from signage.http.labels import KIND_LABELS
from signage.http.paging import Page, page_number, paginate
from signage.i18n import local_tz
from signage.permissions import can
from signage.schedules.manifests import publisher
from signage.schedules.playlists import effective_fallback, fallback_choices, set_area_fallback

bp = Blueprint("areas", __name__)

CHILDREN_PAGE = 200
SEARCH_LIMIT = 100


class AreaCreateForm(FlaskForm):
    """A hand-made area (village, residential group, custom zone) under an existing one."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in MANUAL_KINDS])
    code = StringField(
        _l("Code"),
        validators=[required(), at_most(32)],
        description=_l("Unique and stable, e.g. 00070-TDP1."),
    )
    name = StringField(_l("Name"), validators=[required(), at_most(200)])


def search_areas(session: Session, user: User | None, query: str) -> list[Area]:
    """Areas in the user's view scope matching the query by name (any accents/case) or code."""
    return access.search_visible(session, user, query, limit=SEARCH_LIMIT)


def _children_page(area: Area, number: int) -> Page:
    stmt = select(Area).where(Area.parent_id == area.id).order_by(bytewise(Area.code))
    return paginate(db.session, stmt, number, CHILDREN_PAGE)


def _node_context(area: Area, form: AreaCreateForm | None = None) -> dict[str, Any]:
    user = current_user()
    children = _children_page(area, page_number(request.args.get("page")))
    counts = services.child_counts(db.session, [area.id, *(a.id for a in children.items)])
    manage = can(user, "area.manage", area)
    shown = can(user, "schedule.view", area)
    return {
        "uptime": _uptime(area) if can(user, "board.view", area) else None,
        "fallback_shown": shown,
        "fallback": effective_fallback(db.session, area) if shown else None,
        "fallback_choices": (
            fallback_choices(db.session, area) if can(user, "schedule.edit", area) else None
        ),
        "title": area.name,
        "area": area,
        "ancestors": services.ancestors(db.session, area),
        "children": children,
        "counts": counts,
        "form": form if form is not None else (AreaCreateForm() if manage else None),
        "error": None,
    }


def _uptime(area: Area) -> AreaFigures:
    """Uptime of the boards of the subtree that the user may see (never any other)."""
    boards = list(db.session.scalars(visible_boards(current_user(), area=area)).unique())
    return area_figures(db.session, boards, now=clock.now(), tz=local_tz())


def _viewable(code: str) -> Area:
    """The area if the user may view it; another province's answers 404 like a missing one."""
    return access.visible_area(db.session, current_user(), code)


@bp.get("/areas")
@login_required
def areas() -> ResponseReturnValue:
    """The top of the user's part of the tree, or search results when ?q= is given."""
    user = current_user()
    require_any(user, "area.view")
    if request.args.get("parent"):
        return redirect(url_for("areas.area", code=request.args["parent"]))
    query = request.args.get("q", "").strip()[:100]
    if query:
        results = search_areas(db.session, user, query)
        counts = services.child_counts(db.session, [a.id for a in results])
        return render_template(
            "areas/search.html",
            title=_("Search areas"),
            query=query,
            results=results,
            counts=counts,
            limit=SEARCH_LIMIT,
        )
    tops = access.visible_tops(db.session, user)
    if len(tops) == 1:
        return render_template("areas/node.html", **_node_context(tops[0]))
    return render_template(
        "areas/tops.html",
        title=_("Areas"),
        tops=tops,
        counts=services.child_counts(db.session, [a.id for a in tops]),
    )


@bp.get("/areas/<code>")
@login_required
def area(code: str) -> ResponseReturnValue:
    """One area: where it sits (breadcrumb) and its children, one page at a time."""
    return render_template("areas/node.html", **_node_context(_viewable(code)))


@bp.get("/areas/<code>/children")
@login_required
def area_children(code: str) -> ResponseReturnValue:
    """The children of an area as an HTML fragment, for expanding the tree in place."""
    parent = _viewable(code)
    children = _children_page(parent, 1)
    counts = services.child_counts(db.session, [a.id for a in children.items])
    return render_template("areas/_children.html", parent=parent, children=children, counts=counts)


@bp.post("/areas/<code>/children")
@login_required
def area_create(code: str) -> ResponseReturnValue:
    """Add a village, residential group or custom zone under this area."""
    parent = _viewable(code)
    form = AreaCreateForm()
    if not can(current_user(), "area.manage", parent):
        raise PermissionDenied()

    def added(created: Area) -> ResponseReturnValue:
        flash(
            _("Area %(name)s (%(code)s) was added.", name=created.name, code=created.code),
            "success",
        )
        return redirect(url_for("areas.area", code=parent.code))

    return form_action(
        form,
        lambda: services.create_area(
            db.session,
            current_actor(),
            code=form.code.data or "",
            name=form.name.data or "",
            kind=form.kind.data or "",
            parent_code=parent.code,
            now=clock.now(),
        ),
        done=added,
        page=lambda error: render_template(
            "areas/node.html", **{**_node_context(parent, form), "error": error}
        ),
    )


@bp.post("/areas/<code>/fallback-playlist")
@login_required
def area_fallback(code: str) -> ResponseReturnValue:
    """Choose the playlist this area's boards play when nothing is scheduled and past the end
    of their schedule (empty: inherit the area above's)."""
    area = _viewable(code)
    if not can(current_user(), "schedule.edit", area):
        raise PermissionDenied()
    if not FlaskForm().validate_on_submit():
        raise ValidationFailed(_("The form expired or was not sent from this site. Reload it."))
    raw = (request.form.get("playlist") or "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        raise ValidationFailed(
            details=[{"field": "playlist", "message": _("Choose a playlist from the list.")}]
        )
    chosen = set_area_fallback(
        db.session,
        current_actor(),
        area,
        int(raw) if raw else None,
        now=clock.now(),
        publisher=publisher(),
    )
    if chosen is None:
        flash(
            _("Boards in %(name)s now use the fallback of the area above.", name=area.name),
            "success",
        )
    else:
        flash(
            _(
                "Boards in %(area)s fall back on playlist %(name)s.",
                area=area.name,
                name=chosen.name,
            ),
            "success",
        )
    return redirect(url_for("areas.area", code=area.code))
