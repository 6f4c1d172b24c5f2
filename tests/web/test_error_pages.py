"""403/404/500 pages: the console layout, translated titles and messages, right statuses."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import login
from tests.web.conftest import text


def test_404_in_vietnamese(client, admin):
    login(client, "root-admin")
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    body = text(resp)
    assert "Không tìm thấy" in body
    assert 'id="error-message"' in body
    assert "Quay lại trang chính" in body


def test_404_in_english(client, admin):
    client.get("/lang/en")
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert "Not found" in text(resp)
    assert "does not exist" in text(resp)


def test_unknown_area_is_a_404_page(client, admin):
    login(client, "root-admin")
    resp = client.get("/areas/NOPE-99")
    assert resp.status_code == 404
    assert "NOPE-99" in text(resp)


def test_403_page(client, hk_editor):
    login(client, "hk-editor")
    resp = client.get("/users")
    assert resp.status_code == 403
    body = text(resp)
    assert "Không có quyền truy cập" in body
    assert "Bạn không có quyền thực hiện thao tác này." in body


def test_403_in_english(client, hk_editor):
    login(client, "hk-editor")
    client.get("/lang/en")
    resp = client.get("/audit")
    assert resp.status_code == 403
    assert "Access denied" in text(resp)


def test_json_clients_get_json_errors(client, admin):
    login(client, "root-admin")
    resp = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"


@pytest.fixture()
def broken_app(app: Flask) -> Flask:
    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    return app


def test_500_page(broken_app, admin, caplog):
    client = broken_app.test_client()
    login(client, "root-admin")
    resp = client.get("/__boom")
    assert resp.status_code == 500
    body = text(resp)
    assert "Lỗi máy chủ" in body
    assert "RuntimeError" not in body
    client.get("/lang/en")
    assert "Server error" in text(client.get("/__boom"))
