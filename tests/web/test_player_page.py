"""The browser player's page and files at /player: served, translated, cacheable, locked down."""

from __future__ import annotations

import json
import re

import pytest

from signage.players.views import PLAYER_DIR


def _get(client, path: str, **kwargs):
    resp = client.get(path, **kwargs)
    resp.get_data()
    resp.close()
    return resp


def _config(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="player-config">(.*?)</script>', html, re.S
    )
    assert match, html[:500]
    return json.loads(match.group(1))


def test_player_files_are_found():
    assert (PLAYER_DIR / "templates" / "webplayer" / "index.html").is_file()
    assert (PLAYER_DIR / "vendor" / "socket.io" / "socket.io.min.js").is_file()


def test_page_is_vietnamese_by_default(client):
    resp = client.get("/player")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Mã ghép nối" in html
    assert "Màn hình này chưa được ghép nối với bảng tin nào." in html
    config = _config(html)
    assert config["lang"] == "vi"
    assert config["strings"]["revoked"].startswith("Quyền truy cập")
    assert config["scope"] == "/player"


@pytest.mark.parametrize(
    ("kwargs", "lang"),
    [
        ({"query_string": {"lang": "en"}}, "en"),
        ({"headers": {"Accept-Language": "en-US,en;q=0.9"}}, "en"),
        ({"headers": {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}}, "vi"),
        ({"headers": {"Accept-Language": "fr-FR"}}, "vi"),
        ({"query_string": {"lang": "vi"}, "headers": {"Accept-Language": "en"}}, "vi"),
    ],
)
def test_page_language(client, kwargs, lang):
    html = client.get("/player", **kwargs).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert _config(html)["lang"] == lang
    if lang == "en":
        assert "Pairing code" in html
        assert "This screen is not paired with a board yet." in html
        assert _config(html)["strings"]["not_paired"] == "Not paired"
    else:
        assert "Mã ghép nối" in html


def test_page_headers_allow_no_inline_script(client):
    resp = client.get("/player")
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "ws://localhost" in directives["connect-src"]
    assert resp.headers["Cache-Control"] == "no-cache"
    assert "Accept-Language" in resp.headers["Vary"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    html = resp.get_data(as_text=True)
    # Every executable script is a file; the one inline block is JSON data.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="' in tag or 'type="application/json"' in tag, tag
    assert " style=" not in html


def test_page_links_only_local_files(client):
    html = client.get("/player").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/player/"), url
        assert _get(client, url).status_code == 200, url


@pytest.mark.parametrize(
    ("path", "mimetype", "needle"),
    [
        ("/player/player.js", "text/javascript", b"PROTOCOL = 1"),
        ("/player/player.css", "text/css", b"image-rendering: pixelated"),
        ("/player/vendor/socket.io/socket.io.min.js", "text/javascript", b"Socket.IO v4"),
        ("/player/vendor/socket.io/LICENSE", "text/plain", b"MIT"),
        ("/player/sw.js", "text/javascript", b"signage-media-v1"),
        ("/player/font.ttf", "font/ttf", b""),
    ],
)
def test_assets(client, path, mimetype, needle):
    resp = _get(client, path)
    assert resp.status_code == 200
    assert resp.mimetype == mimetype
    assert needle in resp.data
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["ETag"]
    again = _get(client, path, headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_service_worker_may_control_the_page(client):
    resp = _get(client, "/player/sw.js")
    assert resp.headers["Service-Worker-Allowed"] == "/player"


@pytest.mark.parametrize(
    "path",
    [
        "/player/templates/webplayer/index.html",
        "/player/../pyproject.toml",
        "/player/vendor/nothing.js",
        "/player/sw.js.map",
    ],
)
def test_other_files_are_not_served(client, path):
    assert _get(client, path).status_code == 404
