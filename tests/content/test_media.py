"""Media upload: good images, deduplication, serving, and every kind of bad file."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.api.helpers import assert_error
from tests.content.helpers import counts, jpeg, media_files
from tests.content.test_ingest import png_bomb


@pytest.fixture()
def ed(factory, hk_editor):
    return factory.bearer(hk_editor)


def upload(client, headers, data: bytes, name: str = "photo.jpg", mimetype="image/jpeg"):
    return client.post(
        "/api/v1/media",
        data={"file": (io.BytesIO(data), name, mimetype)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_upload_store_and_serve(client, ed, store, session):
    resp = upload(client, ed, jpeg())
    assert resp.status_code == 201, resp.get_json()
    asset = resp.get_json()
    assert asset["ext"] == "jpg" and asset["width"] == 120
    assert len(media_files(store)) == 1
    assert client.get(asset["url"]).status_code == 404  # an upload is not public
    served = client.get(asset["url"], headers=ed)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "private, max-age=3600"
    assert served.headers["ETag"] == f'"{asset["sha256"]}"'
    again = client.get(asset["url"], headers={**ed, "If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_identical_uploads_share_one_asset(client, ed, store, session):
    first = upload(client, ed, jpeg()).get_json()
    before = counts(session)
    resp = upload(client, ed, jpeg(), name="copy.jpeg")
    assert resp.status_code == 200 and resp.get_json()["sha256"] == first["sha256"]
    assert counts(session)["media"] == before["media"] == 1
    assert len(media_files(store)) == 1


def test_raw_body_upload(client, ed):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(buffer, format="WEBP")
    resp = client.post(
        "/api/v1/media", data=buffer.getvalue(), headers={**ed, "Content-Type": "image/webp"}
    )
    assert resp.status_code == 201 and resp.get_json()["ext"] == "webp"


def test_image_item_from_uploaded_media(client, ed):
    sha = upload(client, ed, jpeg()).get_json()["sha256"]
    resp = client.post(
        "/api/v1/content",
        json={
            "kind": "image",
            "area": "00070",
            "category": "socio_economic",
            "headline": "Ảnh công trình",
            "media": sha,
        },
        headers=ed,
    )
    assert resp.status_code == 201, resp.get_json()
    png = client.get(resp.get_json()["revisions"][0]["renditions"]["led-192x96-mono"], headers=ed)
    assert Image.open(io.BytesIO(png.data)).size == (192, 96)


def _truncated_jpeg() -> bytes:
    data = jpeg(400, 300, (10, 200, 90))
    return data[: len(data) // 2]


def _polyglot() -> bytes:
    html = b"<html><script>alert(1)</script></html>"
    return html + jpeg()  # a web page first, then an image: neither format is trusted


BMP = io.BytesIO()
Image.new("RGB", (8, 8)).save(BMP, format="BMP")
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"just some notes, not a picture\n" * 20, "notes.jpg", 415, "media_not_an_image"),
        (_truncated_jpeg(), "cut.jpg", 415, "media_truncated"),
        (png_bomb(30_000, 30_000), "bomb.png", 413, "media_too_many_pixels"),
        (_polyglot(), "poly.jpg", 415, "media_not_an_image"),
        (SVG, "logo.svg", 415, "media_unsupported_format"),
        (BMP.getvalue(), "scan.bmp", 415, "media_unsupported_format"),
        (b"", "empty.jpg", 415, "media_empty"),
    ],
    ids=["renamed-text", "truncated", "bomb", "polyglot", "svg", "bmp", "zero-bytes"],
)
def test_bad_uploads_leave_nothing_behind(client, ed, store, session, data, name, status, code):
    before, files = counts(session), media_files(store)
    error = assert_error(upload(client, ed, data, name), status, code)
    assert error["message"]
    assert counts(session) == before
    assert media_files(store) == files


def test_upload_over_the_byte_limit_is_413(client, ed, store, session, app):
    app.config["SIGNAGE"].max_upload_bytes = 2_000
    before = counts(session)
    error = assert_error(upload(client, ed, jpeg(400, 400, (1, 2, 3)) + b"\0" * 3000), 413)
    assert "MB" in error["message"]
    big = client.post(
        "/api/v1/media", data=b"\xff" * 200_000, headers={**ed, "Content-Type": "image/jpeg"}
    )
    assert_error(big, 413, "media_too_large")
    assert counts(session) == before and media_files(store) == []


def test_upload_needs_edit_permission(client, factory, tree, store):
    viewer = factory.bearer(factory.user("v", ("viewer", tree["hk"])))
    assert_error(upload(client, viewer, jpeg()), 403)
    assert media_files(store) == []


def test_non_image_content_type_is_415(client, ed):
    resp = client.post("/api/v1/media", data=b"hello", headers={**ed, "Content-Type": "text/plain"})
    assert_error(resp, 415)


def test_unknown_media_is_404(client):
    assert client.get("/media/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/media/..%2f..%2fsecret.png").status_code == 404
