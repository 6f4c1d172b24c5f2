"""Banner alerts from the server: the strip per profile in the `alert` message, mode changes
on update, long text that scrolls, exercise labels, and the board's access to the files."""

from __future__ import annotations

import io

from PIL import Image

from signage.content.profiles import seed_profile
from tests.players_server.conftest import events

FLOOD_WATCH = {"template": None, "event": "Lũ", "headline": "Theo dõi lũ sông Hồng",
               "category": "Met", "urgency": "Expected", "severity": "Moderate",
               "certainty": "Likely", "groups": []}  # fmt: skip
TAKEOVER = {"urgency": "Immediate", "severity": "Severe", "certainty": "Observed"}


def send(client, factory, user, **body):
    return client.post("/api/v1/alerts", json={**FLOOD_WATCH, **body}, headers=factory.bearer(user))


def picture(client, url: str, headers=None) -> Image.Image:
    resp = client.get(url, headers=headers or {})
    assert resp.status_code == 200, url
    with Image.open(io.BytesIO(resp.data)) as image:
        return image.convert("RGB")


def test_a_flood_watch_carries_a_banner_for_every_profile(
    client, factory, hn_operator, boards, players, tokens
):
    resp = send(client, factory, hn_operator, boards=["HK-1", "HK-LCD"])
    assert resp.status_code == 201 and resp.get_json()["mode"] == "banner"
    (alert,) = events(players["hk"], "alert")
    assert alert["mode"] == "banner"
    for key in ("led-192x96-mono", "lcd-1920x1080"):
        profile, image = seed_profile(key), alert["images"][key]
        banner = image["banner"]
        assert image["url"] and banner["sha256"] != image["sha256"]  # full screen kept too
        assert (banner["y"], banner["height"]) == (
            profile.height - profile.banner_height,
            profile.banner_height,
        )
        assert "ticker" not in banner
        strip = picture(client, banner["url"], {"Authorization": f"Bearer {tokens['hk']}"})
        assert strip.size == (profile.width, profile.banner_height)
        if profile.palette:
            assert {c for _, c in strip.getcolors(1 << 20)} <= set(profile.palette)


def test_an_update_switches_the_mode_and_the_banner_follows(
    client, factory, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"]).get_json()
    events(players["hk"], "alert")
    url, auth = f"/api/v1/alerts/{alert['id']}", factory.bearer(hn_operator)
    assert client.patch(url, json=TAKEOVER, headers=auth).status_code == 200
    (update,) = events(players["hk"], "alert")
    assert update["mode"] == "takeover" and update["version"] == 2
    assert "banner" not in update["images"]["led-192x96-mono"]
    back = {"urgency": "Expected", "severity": "Moderate", "certainty": "Likely"}
    assert client.patch(url, json=back, headers=auth).status_code == 200
    (again,) = events(players["hk"], "alert")
    assert again["mode"] == "banner" and again["images"]["led-192x96-mono"]["banner"]["url"]


def test_long_banner_text_scrolls(client, factory, hn_operator, boards, players):
    body = "Mực nước sông Hồng tại Hà Nội đang lên, người dân ven sông chuẩn bị di dời. " * 20
    send(client, factory, hn_operator, boards=["HK-1"], description=body)
    (alert,) = events(players["hk"], "alert")
    ticker = alert["images"]["led-192x96-mono"]["banner"]["ticker"]
    assert ticker["strip_width"] > 192 and ticker["speed_px_s"] > 0 and ticker["x"] == 0
    assert picture(client, ticker["url"]).size == (ticker["strip_width"], 24)


def test_an_exercise_banner_keeps_its_label_fixed(client, factory, hn_operator, boards, players):
    resp = send(client, factory, hn_operator, areas=["00070"], status="Exercise",
                description="Diễn tập ứng phó lũ tại phường, không phải lũ thật. " * 5)  # fmt: skip
    assert resp.status_code == 201
    (alert,) = events(players["test"], "alert")
    banner = alert["images"]["led-192x96-mono"]["banner"]
    assert alert["mode"] == "banner" and banner["ticker"]["x"] > 0  # the label's width
