"""Banner strips for alerts that do not take over: size per profile, exact LED colours,
scrolling text with a fixed exercise label, and the profile's banner fraction."""

from __future__ import annotations

import dataclasses

import pytest

from signage.content.banner import render_banner
from signage.content.profiles import SEED_PROFILES, seed_profile

LONG = "Nước sông Hồng dâng cao, người dân không đi qua ngầm tràn và theo dõi thông báo. " * 3


@pytest.mark.parametrize("profile", SEED_PROFILES, ids=lambda p: p.key)
def test_the_strip_is_the_profiles_banner_height_and_colours(profile) -> None:
    rendition = render_banner(profile, "Tin lũ: mực nước dâng")
    assert rendition.image.size == (profile.width, profile.banner_height)
    assert profile.banner_height == round(profile.height * profile.banner_fraction)
    assert rendition.ticker is None  # short text stands still
    colours = {c for _, c in rendition.image.getcolors(1 << 20)}
    if profile.palette:
        assert colours <= set(profile.palette)  # LED boards get exact diode colours
    assert len(colours) >= 2  # text on the strip


@pytest.mark.parametrize("profile", SEED_PROFILES, ids=lambda p: p.key)
def test_long_text_scrolls_and_the_exercise_label_stays(profile) -> None:
    rendition = render_banner(profile, LONG, label="DIỄN TẬP")
    ticker = rendition.ticker
    assert ticker is not None and ticker.strip.width > profile.width
    assert 0 < ticker.x < profile.width and ticker.y == 0
    assert ticker.width == profile.width - ticker.x
    assert rendition.frame(0).tobytes() == rendition.image.tobytes()
    frames = [rendition.frame(s) for s in (0, 1.5, 4)]
    label = (0, 0, ticker.x, profile.banner_height)
    assert len({f.crop(label).tobytes() for f in frames}) == 1
    assert len({f.tobytes() for f in frames}) == 3
    assert frames[0].crop(label).getcolors(1 << 20) and len(frames[0].crop(label).getcolors()) > 1


def test_the_same_text_gives_the_same_strip() -> None:
    led = seed_profile("led-192x96-mono")
    assert render_banner(led, LONG).png() == render_banner(led, LONG).png()


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.6, 1.0, -0.2])
def test_a_banner_fraction_out_of_range_is_refused(fraction) -> None:
    with pytest.raises(ValueError, match="banner_fraction"):
        dataclasses.replace(seed_profile("led-192x96-mono"), banner_fraction=fraction)


def test_profiles_carry_their_banner_fraction_through_the_api(client, factory, tree) -> None:
    admin = factory.bearer(factory.user("root", ("admin", tree["vn"])))
    listed = client.get("/api/v1/profiles", headers=admin).get_json()["profiles"]
    fractions = {p["key"]: p["banner_fraction"] for p in listed}
    assert fractions["led-192x96-mono"] == 0.25 and fractions["lcd-1920x1080"] == 0.15
    new = {"key": "led-128x64-mono", "name": "LED 128x64", "width": 128, "height": 64,
           "colour_mode": "mono", "palette": [[0, 0, 0], [255, 0, 0]], "kind": "led"}  # fmt: skip
    for bad in (0.9, "wide", None, -1):
        resp = client.post("/api/v1/profiles", json={**new, "banner_fraction": bad}, headers=admin)
        assert resp.status_code == 422 and "banner_fraction" in resp.get_data(as_text=True)
    resp = client.post("/api/v1/profiles", json={**new, "banner_fraction": 0.2}, headers=admin)
    assert resp.status_code == 201 and resp.get_json()["banner_fraction"] == 0.2
    listed = client.get("/api/v1/profiles", headers=admin).get_json()["profiles"]
    assert {p["key"]: p["banner_fraction"] for p in listed}["led-128x64-mono"] == 0.2
