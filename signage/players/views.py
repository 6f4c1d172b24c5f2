"""The browser player for LCD kiosks, served at /player from the files in players/web.

The player is a plain client of docs/protocol.md: this blueprint only serves its page (a
Jinja template, so its strings go through the translation layer), its script, style, service
worker, vendored socket.io client and font, under a strict Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from signage.i18n import LANGUAGES


def player_dir() -> Path:
    """The player's files: the copy inside the wheel, else players/web of the source tree."""
    packaged = Path(__file__).parent / "webplayer"  # setup.py's build_py copies it there
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "players" / "web"


PLAYER_DIR = player_dir()
SCOPE = "/player"
# Files the page may load; everything else under players/web (templates) stays private.
ASSETS = {
    "player.js": "text/javascript",  # an ES module; it imports the four below
    "schedule.js": "text/javascript",
    "cache.js": "text/javascript",
    "link.js": "text/javascript",
    "render.js": "text/javascript",
    "player.css": "text/css",
    "vendor/socket.io/socket.io.min.js": "text/javascript",
    "vendor/socket.io/LICENSE": "text/plain",
    "vendor/VERSIONS.txt": "text/plain",
}
FONT = "BeVietnamPro-SemiBold.ttf"

bp = Blueprint("player", __name__, template_folder=str(PLAYER_DIR / "templates"))


def _locale() -> str:
    """?lang=, else the browser's Accept-Language, else Vietnamese."""
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(list(LANGUAGES), default="vi") or "vi"


def _csp() -> str:
    host = request.host
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob: data:",
            "font-src 'self'",
            f"connect-src 'self' ws://{host} wss://{host}",
            "worker-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def _harden(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = _csp()
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@bp.get(SCOPE)
def page() -> ResponseReturnValue:
    """The kiosk page: pairing, playback, alerts; strings in the kiosk's language."""
    lang = _locale()
    with force_locale(lang):
        html = render_template(
            "webplayer/index.html", lang=lang, version=current_app.config["SIGNAGE_VERSION"]
        )
    resp = Response(html, mimetype="text/html")
    # Revalidated on every load; the service worker keeps a copy for offline reloads.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Vary"] = "Accept-Language"
    return _harden(resp)


@bp.get(f"{SCOPE}/sw.js")
def service_worker() -> ResponseReturnValue:
    """The service worker; allowed to control /player itself, not only /player/."""
    resp = send_from_directory(PLAYER_DIR, "sw.js", mimetype="text/javascript", max_age=0)
    resp.headers["Service-Worker-Allowed"] = SCOPE
    resp.headers["Cache-Control"] = "no-cache"
    return _harden(resp)


@bp.get(f"{SCOPE}/font.ttf")
def font() -> ResponseReturnValue:
    """Be Vietnam Pro from the installed font package: covers every Vietnamese letter."""
    from signage.content.fonts import FONT_DIR

    resp = send_from_directory(FONT_DIR, FONT, mimetype="font/ttf", max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return _harden(resp)


@bp.get(f"{SCOPE}/<path:filename>")
def asset(filename: str) -> ResponseReturnValue:
    """The page's script, style and vendored client (revalidated: they change on upgrade)."""
    mimetype = ASSETS.get(filename)
    if mimetype is None:
        abort(404)
    resp = send_from_directory(PLAYER_DIR, filename, mimetype=mimetype, max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return _harden(resp)


def init_app(app: Flask) -> None:
    """Register the /player blueprint."""
    app.register_blueprint(bp)
