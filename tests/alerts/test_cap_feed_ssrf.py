"""The CAP feed poller cannot be turned against the server's network (issue 10, item 14).

A real HTTP server on 127.0.0.1 serves the feeds; since tests run on loopback, the
administrator's `cap_feed_allow_private` is on except where the refusal itself is tested.
`127.0.0.1` and `localhost` reach the same server under two host names, which lets a test
see whether the poller followed a link to "another host".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signage.alerts.cap.feeds import Fetcher, RefusedURL, allowed_hosts, is_public, poll
from signage.clock import system_clock
from tests.alerts.conftest import alert_count
from tests.alerts.test_cap_api import message, t


class Upstream:
    """Documents by path; every request is logged as (Host header, path)."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[tuple[str, str]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                upstream.seen.append((self.headers.get("Host", ""), self.path))
                status, headers, body = upstream.docs.get(self.path, (404, {}, b"missing"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> None:
        self.docs[path] = (status, headers, body)

    def paths(self) -> list[str]:
        return [p for _h, p in self.seen]


@pytest.fixture()
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(timeout=5)


@pytest.fixture()
def settings(app):
    s = app.config["SIGNAGE"]
    s.cap_feed_allow_private = True  # the upstream runs on loopback in tests
    s.cap_feed_hosts = ""
    return s


def atom(*links: str) -> bytes:
    entries = "".join(
        f"<entry><id>{i}</id><title>e</title><updated>{t()}</updated>"
        f'<link rel="alternate" type="application/cap+xml" href="{href}"/></entry>'
        for i, href in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>x</id><title>t</title><updated>{t()}</updated>{entries}</feed>"
    ).encode()


def run(app, session, settings, url):
    store = app.extensions["signage_media"]
    return poll(session, url, now=system_clock(), store=store, settings=settings)


def test_entry_links_stay_on_the_feed_host(app, session, settings, upstream, boards):
    upstream.serve("/one.xml", message("SSRF-1"))
    upstream.serve("/two.xml", message("SSRF-2"))
    upstream.serve("/feed.atom", atom(
        "one.xml",  # relative: same host
        upstream.url("/two.xml", host="localhost"),  # same server, another host name
        "file:///etc/passwd",
        "ftp://127.0.0.1/x.xml",
    ))  # fmt: skip
    outcomes = run(app, session, settings, upstream.url("/feed.atom"))
    assert [o.result for o in outcomes] == ["created"]
    assert upstream.paths() == ["/feed.atom", "/one.xml"]
    assert alert_count(session) == 1


def test_the_allow_list_admits_another_host(app, session, settings, upstream, boards):
    settings.cap_feed_hosts = "example.invalid, LOCALHOST"
    upstream.serve("/two.xml", message("SSRF-3"))
    upstream.serve("/feed.atom", atom(upstream.url("/two.xml", host="localhost")))
    outcomes = run(app, session, settings, upstream.url("/feed.atom"))
    assert [o.result for o in outcomes] == ["created"]
    assert (f"localhost:{upstream.port}", "/two.xml") in upstream.seen


def test_redirects_to_other_hosts_are_refused(app, session, settings, upstream, boards):
    upstream.serve("/moved.xml", b"", 302, Location=upstream.url("/one.xml", host="localhost"))
    upstream.serve("/here.xml", b"", 301, Location="/one.xml")
    upstream.serve("/file.xml", b"", 302, Location="file:///etc/passwd")
    upstream.serve("/one.xml", message("SSRF-4"))
    upstream.serve("/feed.atom", atom("moved.xml", "file.xml"))
    assert run(app, session, settings, upstream.url("/feed.atom")) == []
    assert "/one.xml" not in upstream.paths()
    # A redirect on the same host is followed.
    (outcome,) = run(app, session, settings, upstream.url("/here.xml"))
    assert outcome.result == "created"
    fetch = Fetcher(allowed_hosts(settings, upstream.url("/")), allow_private=True)
    with pytest.raises(RefusedURL, match="redirect to a host that is not allowed"):
        fetch(upstream.url("/moved.xml"))


def test_private_and_loopback_addresses_are_refused_by_default(
    app, session, settings, upstream, boards, caplog
):
    settings.cap_feed_allow_private = False
    upstream.serve("/latest.xml", message("SSRF-5"))
    for host in ("127.0.0.1", "localhost"):  # a name that resolves to loopback as well
        assert run(app, session, settings, upstream.url("/latest.xml", host=host)) == []
    assert upstream.seen == []
    assert "private or loopback address" in caplog.text
    assert alert_count(session) == 0
    fetch = Fetcher({"127.0.0.1"})
    with pytest.raises(RefusedURL):
        fetch(upstream.url("/latest.xml"))
    with pytest.raises(RefusedURL, match="allowed host"):
        fetch(upstream.url("/latest.xml", host="localhost"))


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_address_classes(ip, public):
    assert is_public(ip) is public
