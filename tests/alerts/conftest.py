"""Alert fixtures: operators with grants, boards with tokens and connected players."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signage.alerts.models import Alert
from signage.audit.services import SYSTEM
from signage.clock import system_clock
from signage.players.tokens import issue_token
from tests.players_server import conftest as realtime
from tests.players_server.conftest import auth
from tests.schedules.conftest import make_board

connect = realtime.connect  # the /player test-client fixture, shared


@pytest.fixture(autouse=True)
def english(app) -> None:
    app.config["SIGNAGE"].default_locale = "en"


@pytest.fixture()
def hn_operator(factory, tree):
    return factory.user("hn-operator", ("operator", tree["hn"]), locale="en")


@pytest.fixture()
def hn_operator2(factory, tree):
    return factory.user("hn-operator2", ("operator", tree["hn"]), locale="en")


@pytest.fixture()
def hk_operator(factory, tree):
    return factory.user("hk-operator", ("operator", tree["hk"]), locale="en")


@pytest.fixture()
def admin(factory, tree):
    return factory.user("root-admin", ("admin", tree["vn"]), locale="en")


@pytest.fixture()
def boards(session, tree):
    """HK-1 (LED mono) and HK-LCD in Hoàn Kiếm, HK-TEST (a test board), HP-1 in Hải Phòng."""
    return {
        "hk": make_board(session, "HK-1", tree["hk"]),
        "lcd": make_board(session, "HK-LCD", tree["village"], profile="lcd-1920x1080"),
        "test": make_board(session, "HK-TEST", tree["hk"], is_test=True),
        "hp": make_board(session, "HP-1", tree["hp_commune"]),
    }


@pytest.fixture()
def tokens(session, boards) -> dict[str, str]:
    out = {k: issue_token(session, SYSTEM, b, now=system_clock()) for k, b in boards.items()}
    session.flush()
    return out


@pytest.fixture()
def players(connect, tokens):
    """A connected player per board, with its `state` already read."""
    out = {}
    for key, secret in tokens.items():
        sio = connect(auth(secret))
        assert sio.is_connected("/player")
        sio.get_received("/player")
        out[key] = sio
    return out


def alert_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Alert)) or 0


def summary_of(client, url: str, data: dict):
    """POST the alert form's Send button: a real alert answers with its summary page."""
    return client.post(url, data={**data, "step": "review"})


def confirmation(html: str) -> str:
    """The confirmation token on a summary page."""
    import re

    match = re.search(r'name="confirmation" value="([^"]+)"', html)
    assert match, "no confirmation token on the page"
    return match.group(1)


def send_confirmed(client, url: str, data: dict):
    """Send a real alert the way the console does: the summary, then its confirm button."""
    page = summary_of(client, url, data)
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    token = confirmation(page.get_data(as_text=True))
    return client.post(url, data={**data, "step": "send", "confirmation": token})
