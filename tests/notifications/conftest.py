"""Real servers for notification deliveries: an SMTP server (aiosmtpd) and a webhook receiver
(http.server) on 127.0.0.1, both stopped at the end of the test (no_stray_threads)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from signage.boards.models import Board, BoardStatus
from signage.content.models import ProfileRecord

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 in Hà Nội
PROFILE = "led-192x96-mono"


def free_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_board(session, code: str, area, *, last_seen=None, disconnected_at=None, hours=None):
    """A board with a status row: last heard of at last_seen (None: never connected)."""
    profile = session.scalar(select(ProfileRecord).where(ProfileRecord.key == PROFILE))
    board = Board(code=code, name=f"Bảng {code}", area=area, profile=profile, hours=hours or {})
    session.add(board)
    session.flush()
    session.add(
        BoardStatus(board_id=board.id, last_seen=last_seen, disconnected_at=disconnected_at)
    )
    session.flush()
    return board


def go_dark(session, board, at: datetime) -> None:
    """The board's last sign of life was at `at` and its socket closed then."""
    status = session.get(BoardStatus, board.id)
    status.last_seen = at
    status.disconnected_at = at
    session.flush()


def come_back(session, board, at: datetime) -> None:
    """The board reports again at `at`."""
    status = session.get(BoardStatus, board.id)
    status.last_seen = at
    status.connected_at = at
    status.disconnected_at = None
    session.flush()


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class SmtpInbox:
    """What the SMTP server received; `refuse` makes it answer 550 to every recipient."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False


class _Handler:
    def __init__(self, inbox: SmtpInbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.inbox.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.inbox.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture()
def smtp_server() -> Iterator[SmtpInbox]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), stopped after the test."""
    port = free_port()
    inbox = SmtpInbox("127.0.0.1", port)
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


# --- webhook receiver ---------------------------------------------------------------------------


@dataclass
class Hook:
    """The webhook receiver: the posts it got, whether their signatures verified, and how it
    answers (200, 500 or hang until the test ends)."""

    url: str
    secret: str = "s3cret-for-the-test-1234"
    mode: str = "ok"
    posts: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _receiver(hook: Hook) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            want = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
            got = self.headers.get("X-Signage-Signature", "")
            hook.posts.append(
                {"json": json.loads(body), "verified": hmac.compare_digest(want, got),
                 "path": self.path}
            )  # fmt: skip
            if hook.mode == "hang":
                hook.release.wait(10)
            status = 500 if hook.mode == "500" else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    return Receiver


@pytest.fixture()
def webhook() -> Iterator[Hook]:
    """A webhook receiver on 127.0.0.1 that checks X-Signage-Signature; stopped after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _receiver(Hook("")))
    hook = Hook(f"http://127.0.0.1:{server.server_address[1]}/hook")
    server.RequestHandlerClass = _receiver(hook)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver")
    thread.start()
    try:
        yield hook
    finally:
        hook.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def later(minutes: float) -> datetime:
    """NOW plus minutes."""
    return NOW + timedelta(minutes=minutes)
