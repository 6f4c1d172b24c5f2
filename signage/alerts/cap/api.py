"""CAP 1.2 endpoints: receive a message from an upstream system; publish every alert as CAP."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signage import clock
from signage.alerts.cap import message as cap
from signage.alerts.cap.ingest import ingest, to_message
from signage.alerts.models import Alert
from signage.db import db
from signage.errors import NotFound, ValidationFailed
from signage.http.api import PayloadTooLarge, UnsupportedMediaType, actor, api_blueprint, operations
from signage.storage import media_store

bp = api_blueprint("cap")
operation = operations(bp)

CAP_TYPES = {"application/cap+xml", "application/xml", "text/xml"}
FEED_SIZE = 100


@operation(
    "/cap",
    "POST",
    summary="Receive a CAP 1.2 message",
    tag="cap",
    status=201,
    errors=(404, 409, 413, 415, 422),
    scope="cap:write",
)
def receive_cap() -> ResponseReturnValue:
    """Body: one CAP 1.2 `<alert>` (`Content-Type: application/cap+xml`).

    `Alert` creates an alert targeted by the areas' geocodes (official area codes), polygons and
    circles (board coordinates); `Update` and `Cancel` act on the referenced alerts of the same
    sender; a message received before answers `200 {"result": "duplicate"}`.
    """
    if request.mimetype not in CAP_TYPES:
        raise UnsupportedMediaType(_l("Send the message as application/cap+xml."))
    if (request.content_length or 0) > cap.MAX_CAP_BYTES:
        raise PayloadTooLarge()
    data = request.get_data(cache=False)
    if len(data) > cap.MAX_CAP_BYTES:
        raise PayloadTooLarge()
    try:
        outcome = ingest(
            db.session,
            actor(),
            data,
            now=clock.now(),
            store=media_store(),
            settings=current_app.config["SIGNAGE"],
        )
    except cap.CapError as exc:
        raise ValidationFailed(_l("The CAP message is not valid."), details=exc.problems) from None
    return jsonify(outcome.as_json()), 201 if outcome.result == "created" else 200


def _xml(body: bytes, mimetype: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@operation("/cap/alerts", "GET", summary="Alerts that went on air, as an Atom feed of CAP",
           tag="cap", public=True)  # fmt: skip
def cap_feed() -> ResponseReturnValue:
    rows = list(
        db.session.scalars(
            select(Alert)
            .where(Alert.activated_at.is_not(None))  # never one waiting for confirmation
            .order_by(Alert.updated_at.desc(), Alert.id.desc())
            .limit(FEED_SIZE)
        )
    )
    entries = [
        (to_message(a), url_for("api.cap.cap_alert", alert_id=a.id, _external=True)) for a in rows
    ]
    body = cap.atom_feed(
        entries,
        feed_id=url_for("api.cap.cap_feed", _external=True),
        title="Signage CAP alerts",
        self_url=url_for("api.cap.cap_feed", _external=True),
        updated=rows[0].updated_at if rows else clock.now(),
    )
    return _xml(body, "application/atom+xml")


@operation("/cap/alerts/<int:alert_id>.xml", "GET", summary="One alert as CAP 1.2", tag="cap",
           public=True, errors=(404,))  # fmt: skip
def cap_alert(alert_id: int) -> ResponseReturnValue:
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.activated_at is None:
        raise NotFound(_l("No such alert."))
    return _xml(cap.to_xml(to_message(alert)), "application/cap+xml")
