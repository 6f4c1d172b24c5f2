"""Alert images are public only once the alert went on air (issue 10, item 17)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from signage.alerts.models import Alert


def test_pending_alert_images_are_not_public_until_confirmed(
    app, client, factory, session, hn_operator, hn_operator2, boards
):
    resp = client.post(
        "/api/v1/alerts",
        json={"template": "storm", "areas": ["01"]},
        headers=factory.bearer(hn_operator),
    )
    assert resp.status_code == 201 and resp.get_json()["state"] == "pending_confirmation"
    alert = session.scalar(select(Alert).where(Alert.id == resp.get_json()["id"]))
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    sha = app.extensions["signage_media"].put(buf.getvalue(), "png").sha256
    alert.images = {"x": {"url": f"/media/{sha}.png", "sha256": sha}}  # never on air
    session.flush()
    assert client.get(f"/media/{sha}.png").status_code == 404
    got = client.get(f"/media/{sha}.png", headers=factory.bearer(hn_operator2))
    assert got.status_code == 200
    confirm = f"/api/v1/alerts/{alert.id}/confirm"
    version = {"version": resp.get_json()["version"]}
    assert (
        client.post(confirm, json=version, headers=factory.bearer(hn_operator2)).status_code == 200
    )
    session.expire_all()
    urls = [img["url"] for img in session.get(Alert, alert.id).images.values()]
    assert urls
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200 and "public" in resp.headers["Cache-Control"]
