"""Console fixtures: users with typical roles on the small test tree."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.audit.models import AuditEntry
from tests.conftest import csrf_token


@pytest.fixture()
def admin(factory, tree):
    """An installation-wide admin."""
    return factory.user("root-admin", ("admin", tree["vn"]))


@pytest.fixture()
def hn_admin(factory, tree):
    """An admin of Hà Nội only."""
    return factory.user("hn-admin", ("admin", tree["hn"]))


@pytest.fixture()
def hk_editor(factory, tree):
    """An editor of Phường Hoàn Kiếm."""
    return factory.user("hk-editor", ("editor", tree["hk"]))


@pytest.fixture()
def hp_viewer(factory, tree):
    """A viewer (auditor) of Hải Phòng."""
    return factory.user("hp-viewer", ("viewer", tree["hp"]))


def post_form(client: FlaskClient, page: str, action: str, data: dict, **kwargs):
    """Post a form the way a browser does: with the CSRF token of the page it is on."""
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)}, **kwargs)


def audit_count(session: Session, action: str) -> int:
    """How many audit entries with this action exist."""
    return session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0


def text(resp) -> str:
    """The response body as text."""
    return resp.get_data(as_text=True)
