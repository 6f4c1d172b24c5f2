"""Console pages of the approval queue: the pending list with bulk approve/reject."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.content import queue as pending
from signage.content.views import PAGE_SIZE, DecisionForm, _labels, bp
from signage.db import db
from signage.http.access import require_any
from signage.http.forms import form_action
from signage.http.paging import page_number, paginate
from signage.storage import media_store


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
        **_labels(),
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
