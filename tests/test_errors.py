"""errors.py: domain errors, JSON or HTML by what the client accepts, rollback on every error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signage.audit.models import AuditEntry
from signage.audit.services import SYSTEM, record
from signage.clock import system_clock
from signage.db import db
from signage.errors import Conflict, DomainError, NotFound, ValidationFailed


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture()
def routes(app):
    """Routes that write to the database and then fail in each way an error can happen."""

    def domain_error():
        record(db.session, SYSTEM, "test.write", "test", now=system_clock())
        raise Conflict("Already there.")

    def crash():
        record(db.session, SYSTEM, "test.write", "test", now=system_clock())
        raise RuntimeError("bug")

    def validation():
        raise ValidationFailed(details=[{"field": "name", "message": "Required."}])

    for rule, view in (
        ("/boom/domain", domain_error),
        ("/boom/crash", crash),
        ("/boom/422", validation),
    ):
        app.add_url_rule(rule, view.__name__, view)
        app.add_url_rule(f"/api/v1{rule}", f"api_{view.__name__}", view)
    app.config["SIGNAGE"].default_locale = "en"
    return app


def test_domain_errors_carry_status_code_and_message():
    exc = NotFound("No such board.")
    assert (exc.status, exc.code, exc.message) == (404, "not_found", "No such board.")
    assert str(ValidationFailed()) == "Some fields are not valid."  # rendered only when asked
    assert issubclass(Conflict, DomainError)


def test_a_domain_error_rolls_back_and_answers_json(client, session, routes):
    before = audit_count(session)
    resp = client.get("/api/v1/boom/domain")
    assert resp.status_code == 409
    assert resp.get_json() == {"error": {"code": "conflict", "message": "Already there."}}
    assert audit_count(session) == before


def test_a_bug_rolls_back_and_answers_a_generic_500(client, session, routes, caplog):
    before = audit_count(session)
    resp = client.get("/api/v1/boom/crash")
    assert resp.status_code == 500
    error = resp.get_json()["error"]
    assert error["code"] == "internal_error"
    assert "bug" not in error["message"]  # no internals leak to the client
    assert audit_count(session) == before
    assert "unhandled error on GET /api/v1/boom/crash" in caplog.text


def test_details_name_each_field(client, routes):
    resp = client.get("/api/v1/boom/422")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"] == [{"field": "name", "message": "Required."}]


def test_browsers_get_an_html_page_and_json_clients_json(client, session, routes):
    page = client.get("/boom/domain", headers={"Accept": "text/html"})
    assert (page.status_code, page.mimetype) == (409, "text/html")
    assert "Already there." in page.get_data(as_text=True)
    data = client.get("/boom/domain", headers={"Accept": "application/json"})
    assert (data.status_code, data.mimetype) == (409, "application/json")
    assert data.get_json()["error"]["code"] == "conflict"
    missing = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert missing.get_json()["error"]["code"] == "not_found"


def test_405_keeps_the_allow_header(client):
    resp = client.delete("/api/v1/openapi.json")
    assert resp.status_code == 405
    assert resp.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


def test_messages_follow_the_requested_language(client):
    english = client.get("/api/v1/me?lang=en").get_json()["error"]["message"]
    assert english == "Please sign in or provide a valid API token."
    vietnamese = client.get("/api/v1/me?lang=vi").get_json()["error"]["message"]
    assert vietnamese and vietnamese != english
