"""Player protocol fixtures: boards with tokens, connected Socket.IO test clients."""

from __future__ import annotations

import pytest

from signage.audit.services import SYSTEM
from signage.clock import system_clock
from signage.players.tokens import issue_token
from signage.realtime import socketio
from tests.schedules.conftest import make_board


@pytest.fixture(autouse=True)
def english(app) -> None:
    app.config["SIGNAGE"].default_locale = "en"


@pytest.fixture()
def admin(factory, tree):
    return factory.user("root-admin", ("admin", tree["vn"]), locale="en")


@pytest.fixture()
def board(session, tree):
    return make_board(session, "HK-1", tree["village"])


@pytest.fixture()
def token(session, board) -> str:
    secret = issue_token(session, SYSTEM, board, now=system_clock())
    session.flush()
    return secret


def auth(token: str, **extra) -> dict:
    return {
        "token": token,
        "protocol": 1,
        "player_version": "test-1",
        "manifest_version": "",
        "alerts": [],
        **extra,
    }


@pytest.fixture()
def connect(app, client):
    """Open a /player test client; closed after the test."""
    opened = []

    def open_(auth_payload):
        sio = socketio.test_client(
            app, namespace="/player", auth=auth_payload, flask_test_client=client
        )
        opened.append(sio)
        return sio

    yield open_
    for sio in opened:
        if sio.is_connected("/player"):
            sio.disconnect("/player")


@pytest.fixture()
def player(connect, token):
    sio = connect(auth(token))
    assert sio.is_connected("/player")
    return sio


def events(sio, name: str) -> list:
    return [m["args"][0] for m in sio.get_received("/player") if m["name"] == name]


def plays(session, board, *item_ids: int) -> None:
    """Store a manifest for the board that plays these item ids (heartbeats may name them)."""
    import hashlib
    import json
    from datetime import timedelta

    from signage.schedules.models import BoardManifest

    entries = [{"item": i, "revision": i, "sha256": "0" * 64} for i in item_ids]
    doc = json.dumps({"board": board.code, "segments": [{"entries": entries}]})
    row = session.get(BoardManifest, board.id)
    if row is None:
        row = BoardManifest(board_id=board.id, version="", document="")
        session.add(row)
    row.document, row.version = doc, hashlib.sha256(doc.encode()).hexdigest()
    row.valid_until = system_clock() + timedelta(days=1)
    session.flush()
