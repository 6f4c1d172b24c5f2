"""Console lists of content: the searchable content list, and the approval queue with bulk
approve/reject."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import false

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.accounts.models import User
from signage.content import queue as pending
from signage.content.models import CATEGORIES
from signage.content.search import TEXT_MAX, ContentQuery, authors, search_items
from signage.content.views import (
    PAGE_SIZE,
    STATE_LABELS,
    DecisionForm,
    bp,
    item_labels,
    on_air_now,
    status_of,
)
from signage.db import db
from signage.errors import ValidationFailed
from signage.http.access import require_any
from signage.http.areas import named_area
from signage.http.forms import form_action
from signage.http.paging import page_number, paginate
from signage.storage import media_store


def _query(me: Any, known: list[User]) -> tuple[ContentQuery, str | None]:
    """The list's filters from the query string, and the message for one that is not valid."""
    args = request.args
    state = args.get("state") or None
    category = args.get("category") or None
    if state not in (None, *STATE_LABELS) or state == "superseded":
        state = None
    if category not in (None, *CATEGORIES):
        category = None
    area, author, error = None, None, None
    code = (args.get("area") or "").strip()[:32]
    if code:
        try:
            area = named_area(db.session, me, code, action="content.view")
        except ValidationFailed as exc:
            error = exc.details[0]["message"]
    author_id = (args.get("author") or "").strip()
    if author_id:
        author = next((u for u in known if str(u.id) == author_id), None)
        if author is None:
            error = _("Choose an author from the list.")
    text = (args.get("q") or "")[:TEXT_MAX]
    return ContentQuery(text, state, category, area, author), error


@bp.get("/")
@login_required
def items() -> ResponseReturnValue:
    """Content items in the user's areas: search words, state, category, area and author."""
    me = current_user()
    require_any(me, "content.view")
    known = authors(db.session, me)
    query, error = _query(me, known)
    stmt = search_items(me, query)
    if error:
        stmt = stmt.where(false())
    page = paginate(db.session, stmt, page_number(request.args.get("page")), PAGE_SIZE)
    return render_template(
        "content/list.html",
        title=_("Content"),
        page=page,
        query=query,
        filters={
            "q": query.text,
            "state": query.state or "",
            "category": query.category or "",
            "area": (request.args.get("area") or "").strip()[:32],
            "author": query.author.id if query.author else "",
        },
        authors=known,
        error=error,
        on_air=on_air_now(page.items),
        status_of=status_of,
        queue=False,
        **item_labels(),
    ), (422 if error else 200)


@bp.get("/queue")
@login_required
def queue() -> ResponseReturnValue:
    """Pending items the approver may decide on, oldest submission first, with bulk decisions."""
    me = current_user()
    require_any(me, "content.approve")
    page = paginate(
        db.session, pending.pending_items(me), page_number(request.args.get("page")), PAGE_SIZE
    )
    return render_template(
        "content/queue.html",
        title=_("Approval queue"),
        page=page,
        form=DecisionForm(formdata=None),
        bulk_max=pending.BULK_MAX,
        **item_labels(),
    )


@bp.post("/queue/decide")
@login_required
def decide() -> ResponseReturnValue:
    """Approve or reject the ticked items with one comment; say which were not decided."""
    me = current_user()
    require_any(me, "content.approve")
    form = DecisionForm()
    back = url_for("content.queue")

    def done(outcome: pending.BulkOutcome) -> ResponseReturnValue:
        n = len(outcome.done)
        if n:
            if request.form.get("decision") == "approve":
                text = ngettext("%(num)d item approved.", "%(num)d items approved.", n)
            else:
                text = ngettext("%(num)d item rejected.", "%(num)d items rejected.", n)
            flash(text, "success")
        if outcome.failed:
            reasons = "; ".join(f"{label}: {why}" for label, why in outcome.failed)
            flash(_("Not decided: %(reasons)s", reasons=reasons), "warning" if n else "danger")
        return redirect(back)

    return form_action(
        form,
        lambda: pending.decide_many(
            db.session,
            current_actor(),
            request.form.getlist("item"),
            decision=request.form.get("decision", ""),
            comment=form.comment.data or "",
            store=media_store(),
            now=clock.now(),
        ),
        done=done,
        back=back,
    )
