"""Alert templates in the console: everyone who sees alerts lists and previews them; only
administrators create, edit and delete them, through the API's service, validation and audit."""

from __future__ import annotations

import re

from sqlalchemy import select

from signage.alerts.models import AlertTemplate
from signage.audit.models import AuditEntry
from tests.conftest import login
from tests.web.conftest import csrf_token, text

NEW = "/alerts/templates/new"


def template_data(client, url: str = NEW, **extra) -> dict:
    base = {"csrf_token": csrf_token(client, url), "key": "cold", "name": "Rét đậm",
            "event": "Rét đậm rét hại", "category": "Met", "urgency": "Expected",
            "severity": "Moderate", "certainty": "Likely", "headline": "RÉT ĐẬM",
            "description": "Nhiệt độ dưới 10 độ.", "instruction": "Giữ ấm cho trẻ nhỏ.",
            "expires_minutes": "1440"}  # fmt: skip
    return {**base, **extra}


def audit(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_operators_list_and_preview_but_do_not_edit(client, hn_operator):
    login(client, "hn-operator")
    assert 'id="templates-link"' in text(client.get("/alerts/"))
    page = text(client.get("/alerts/templates/"))
    assert "Bão" in page and "full screen" in page and "12 hours" in page
    assert 'id="new-template"' not in page and "/edit" not in page
    preview = text(client.get("/alerts/templates/storm"))
    profiles = re.findall(r'<figure class="mb-0" data-profile="([^"]+)"', preview)
    assert len(profiles) >= 2 and "lcd-1920x1080" in profiles  # every display profile
    assert preview.count('src="data:image/png;base64,') == len(profiles)
    assert "Extreme threat to life or property" in preview and "Extreme<" not in preview
    assert 'id="delete-template"' not in preview
    assert client.get(NEW).status_code == 403
    assert client.get("/alerts/templates/storm/edit").status_code == 403
    token = csrf_token(client, "/alerts/templates/storm")
    assert (
        client.post("/alerts/templates/storm/delete", data={"csrf_token": token}).status_code == 403
    )
    assert client.get("/alerts/templates/nope").status_code == 404


def test_an_admin_creates_edits_and_deletes_a_template(client, session, admin):
    login(client, "root-admin")
    resp = client.post(NEW, data=template_data(client))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/alerts/templates/cold")
    row = session.scalar(select(AlertTemplate).where(AlertTemplate.key == "cold"))
    assert (row.name, row.expires_minutes, row.severity) == ("Rét đậm", 1440, "Moderate")
    assert len(audit(session, "template.save")) == 1
    preview = text(client.get("/alerts/templates/cold"))
    assert "banner over the programme" in preview and "1 days" in preview
    edit = "/alerts/templates/cold/edit"
    form = text(client.get(edit))
    assert 'value="RÉT ĐẬM"' in form and 'name="key"' not in form
    resp = client.post(edit, data=template_data(client, edit, headline="RÉT HẠI", key="other"))
    assert resp.status_code == 302
    session.expire_all()
    assert row.headline == "RÉT HẠI" and row.key == "cold"  # the key never changes
    token = csrf_token(client, "/alerts/templates/cold")
    resp = client.post("/alerts/templates/cold/delete", data={"csrf_token": token})
    assert resp.status_code == 302
    session.expire_all()
    assert row.is_active is False and len(audit(session, "template.delete")) == 1
    listed = text(client.get("/alerts/templates/"))
    assert "The template Rét đậm was deleted." in listed
    assert 'data-template="cold"' not in text(client.get("/alerts/templates/"))
    assert client.get("/alerts/templates/cold").status_code == 404


def test_hostile_template_input_is_refused_and_writes_nothing(client, session, admin):
    login(client, "root-admin")
    before = session.scalar(select(AlertTemplate).where(AlertTemplate.key == "storm")).headline
    for extra, status, message in (
        ({"key": "x y"}, 422, "Letters, digits and dashes."),
        ({"key": "../storm"}, 422, "Letters, digits and dashes."),
        ({"key": "bão"}, 422, "Letters, digits and dashes."),
        ({"key": ""}, 422, "Letters, digits and dashes."),
        ({"key": "storm"}, 422, "A template already uses this name."),
        ({"expires_minutes": "0"}, 422, "from 1 to 10080"),
        ({"expires_minutes": "9" * 500}, 422, "Enter a whole number."),
        ({"expires_minutes": "²"}, 422, "Enter a whole number."),
        ({"urgency": "Past"}, 422, "Check the highlighted fields."),
        ({"severity": "<script>"}, 422, "Check the highlighted fields."),
        ({"headline": ""}, 422, "Check the highlighted fields."),
        ({"name": "x" * 201}, 422, "Check the highlighted fields."),
    ):
        resp = client.post(NEW, data=template_data(client, **extra))
        assert resp.status_code == status, extra
        assert message in text(resp), extra
    assert client.post(NEW, data={k: v for k, v in template_data(client).items()
                                   if k != "csrf_token"}).status_code == 400  # fmt: skip
    session.expire_all()
    assert session.scalar(select(AlertTemplate).where(AlertTemplate.key == "storm")).headline == (
        before
    )
    assert session.scalar(select(AlertTemplate).where(AlertTemplate.key == "cold")) is None
    assert audit(session, "template.save") == []
