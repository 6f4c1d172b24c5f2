"""HTTP answers from a hostile or broken server: refused with ApiError, never trusted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signage_player.api import Api, ApiError

ANSWERS: dict[str, tuple[int, bytes]] = {}


class Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        status, body = ANSWERS.get(self.path, (404, b'{"error": {"code": "not_found"}}'))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def api() -> Iterator[Api]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Api(f"http://127.0.0.1:{server.server_address[1]}", "sgb_t")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        ANSWERS.clear()


@pytest.mark.parametrize(
    "answer",
    [
        (201, b"not json"),
        (201, b"[1, 2]"),
        (201, b'{"pairing_code": 123456, "claim_id": "c"}'),
        (201, b'{"pairing_code": "K7M4QP"}'),
        (201, b'{"pairing_code": "<script>alert(1)</script>", "claim_id": "c"}'),
        (429, b'{"error": {"code": "rate_limited"}}'),
    ],
)
def test_bad_pairing_answers_are_refused(api: Api, answer) -> None:
    ANSWERS["/api/v1/pairing"] = answer
    with pytest.raises(ApiError):
        api.start_pairing()


def test_pairing_poll(api: Api) -> None:
    path = "/api/v1/pairing/c%2F..%2Fx"
    ANSWERS[path] = (200, b'{"status": "pending"}')
    assert api.poll_pairing("c/../x") is None  # the claim id is quoted, not a path
    ANSWERS[path] = (200, b'{"status": "paired", "board": "HK-1"}')
    with pytest.raises(ApiError, match="without a usable token"):
        api.poll_pairing("c/../x")
    ANSWERS[path] = (200, b'{"status": "paired", "board": "HK-1", "token": "sgb_x"}')
    assert api.poll_pairing("c/../x") == ("HK-1", "sgb_x")
    ANSWERS[path] = (410, b'{"error": {"code": "pairing_expired"}}')
    with pytest.raises(ApiError) as exc:
        api.poll_pairing("c/../x")
    assert (exc.value.status, exc.value.code) == (410, "pairing_expired")


def test_manifest_and_files(api: Api) -> None:
    ANSWERS["/api/v1/boards/HK-1/manifest"] = (200, b'{"manifest": {}}')
    with pytest.raises(ApiError, match="no version"):
        api.manifest("HK-1", None)
    ANSWERS["/api/v1/boards/HK-1/manifest"] = (304, b"")
    assert api.manifest("HK-1", "v1") is None
    ANSWERS["/media/big.png"] = (200, b"x" * 5000)
    with pytest.raises(ApiError, match="more than 1000 bytes"):
        api.fetch("/media/big.png", limit=1000)
    assert api.fetch("/media/big.png", limit=5000) == b"x" * 5000
    for bad in ("http://evil.example/x", "//evil.example/x", "media/x"):
        with pytest.raises(ApiError, match="not a path"):
            api.fetch(bad)


def test_an_unreachable_server_is_an_api_error() -> None:
    with pytest.raises(ApiError):
        Api("http://127.0.0.1:9").start_pairing()
