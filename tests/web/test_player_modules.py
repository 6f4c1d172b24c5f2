"""The browser player is a tree of ES modules: every module its entry point imports is served
at /player/ as JavaScript (a module with another MIME type, or a 404, would stop the page)."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "players" / "web"
IMPORT = re.compile(r'^import\b[^;]*?from\s+"\./([\w.]+)"', re.M)


def _modules() -> set[str]:
    """player.js and everything it imports, transitively."""
    seen: set[str] = set()
    todo = ["player.js"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += IMPORT.findall((WEB / name).read_text(encoding="utf-8"))
    return seen


def test_the_page_loads_the_entry_point_as_a_module(client):
    html = client.get("/player").get_data(as_text=True)
    assert re.search(r'<script type="module" src="/player/player\.js[^"]*">', html), html


def test_every_imported_module_is_served_as_javascript(client):
    modules = _modules()
    assert {"player.js", "schedule.js", "cache.js", "link.js", "render.js"} <= modules
    for name in sorted(modules):
        resp = client.get(f"/player/{name}")
        assert resp.status_code == 200, name
        assert resp.mimetype == "text/javascript", name
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        resp.close()


def test_the_service_worker_keeps_every_module():
    sw = (WEB / "sw.js").read_text(encoding="utf-8")
    for name in _modules():
        assert f'"/player/{name}"' in sw, name
