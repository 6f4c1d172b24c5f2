"""Polling upstream CAP sources: a URL serving one CAP message, or an Atom feed of CAP links.

Configured by the administrator (`SIGNAGE_CAP_FEEDS`, URLs separated by spaces or commas) and
run by the scheduler every minute. Each message is applied in its own savepoint, so one bad
entry is logged and skipped without losing the others; messages seen before are duplicates.

The poller must not become a way into the server's network (SSRF): entry links and redirects
stay on the feed's own host or the hosts of `SIGNAGE_CAP_FEED_HOSTS`, and every connection is
made to an address checked to be public (unless `SIGNAGE_CAP_FEED_ALLOW_PRIVATE`), after DNS
resolution, so a name that resolves to 127.0.0.1 is refused as well.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from defusedxml import ElementTree as SafeET
from sqlalchemy.orm import Session

from signage.alerts.cap import message as cap
from signage.alerts.cap.ingest import Outcome, ingest
from signage.audit.services import Actor
from signage.errors import DomainError

log = logging.getLogger(__name__)
ATOM = "{http://www.w3.org/2005/Atom}"
CAP_NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
TIMEOUT = 10
MAX_ENTRIES = 50


def feed_urls(settings: Any) -> list[str]:
    """The configured sources (http and https only)."""
    raw = (settings.cap_feeds or "").replace(",", " ").split()
    return [u for u in raw if urlsplit(u).scheme in {"http", "https"}]


class RefusedURL(ValueError):
    """A link, redirect or address the poller may not follow."""


def allowed_hosts(settings: Any, feed_url: str) -> set[str]:
    """The feed's own host and the administrator's extra hosts (`SIGNAGE_CAP_FEED_HOSTS`)."""
    extra = (getattr(settings, "cap_feed_hosts", "") or "").replace(",", " ").split()
    hosts = {h.strip().lower().rstrip(".") for h in extra}
    own = urlsplit(feed_url).hostname
    if own:
        hosts.add(own.lower().rstrip("."))
    return hosts


def on_allowed_host(url: str, hosts: set[str]) -> bool:
    """True for an http(s) URL whose host is one of `hosts`."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and host in hosts


def is_public(ip: str) -> bool:
    """False for loopback, private, link-local, shared, reserved and multicast addresses."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


def _connector(allow_private: bool) -> Callable[..., socket.socket]:
    """`socket.create_connection` that connects only to the addresses it checked."""

    def create_connection(
        address: tuple[str, int], timeout: Any = TIMEOUT, source_address: Any = None, **_: Any
    ) -> socket.socket:
        host, port = address
        error: Exception = RefusedURL(f"{host[:100]}: no address")
        for family, kind, proto, _name, sockaddr in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        ):
            if not allow_private and not is_public(str(sockaddr[0])):
                error = RefusedURL(f"{host[:100]} is a private or loopback address ({sockaddr[0]})")
                continue
            sock = socket.socket(family, kind, proto)
            try:
                if isinstance(timeout, int | float):
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            return sock
        raise error

    return create_connection


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self._connect = _connector(allow_private)

    def http_open(self, req: Any) -> Any:
        def connection(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            conn = http.client.HTTPConnection(host, **kwargs)
            conn._create_connection = self._connect  # type: ignore[attr-defined]
            return conn

        return self.do_open(connection, req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self._connect = _connector(allow_private)

    def https_open(self, req: Any) -> Any:
        def connection(host: str, **kwargs: Any) -> http.client.HTTPSConnection:
            conn = http.client.HTTPSConnection(host, **kwargs)
            conn._create_connection = self._connect  # type: ignore[attr-defined]
            return conn

        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def __init__(self, hosts: set[str]) -> None:
        super().__init__()
        self.hosts = hosts

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:  # fmt: skip
        if not on_allowed_host(newurl, self.hosts):
            raise RefusedURL(f"redirect to a host that is not allowed: {newurl[:200]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def guarded_opener(
    *, allow_private: bool = False, redirect_hosts: frozenset[str] | set[str] = frozenset()
) -> urllib.request.OpenerDirector:
    """A urllib opener that connects only to addresses checked after DNS resolution (public
    ones unless allow_private), follows redirects only to redirect_hosts (none: every redirect
    is refused) and ignores proxies from the environment. Also used by outgoing webhooks."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _HTTP(allow_private),
        _HTTPS(allow_private),
        _Redirects(set(redirect_hosts)),
    )


def refuse_private_host(host: str, port: int) -> None:
    """RefusedURL unless every address `host` resolves to is public (a form's early check; the
    connection checks again, so a name re-pointed later is refused then)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise RefusedURL(f"{host[:100]}: no address ({exc})") from None
    for *_rest, sockaddr in found:
        if not is_public(str(sockaddr[0])):
            raise RefusedURL(f"{host[:100]} is a private or loopback address ({sockaddr[0]})")


class Fetcher:
    """GET with a timeout and a size limit, only to allowed hosts and (by default) public
    addresses; redirects only to allowed hosts; no proxies from the environment."""

    def __init__(self, hosts: set[str], *, allow_private: bool = False) -> None:
        self.hosts = hosts
        self.opener = guarded_opener(allow_private=allow_private, redirect_hosts=hosts)

    def __call__(self, url: str, limit: int = cap.MAX_CAP_BYTES) -> bytes:
        """The body of `url`, or RefusedURL / OSError."""
        if not on_allowed_host(url, self.hosts):
            raise RefusedURL(f"not an http(s) URL on an allowed host: {url[:200]}")
        req = urllib.request.Request(url, headers={"User-Agent": "signage-cap-poller"})  # noqa: S310
        with self.opener.open(req, timeout=TIMEOUT) as resp:
            data = resp.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"{url[:200]} sent more than {limit} bytes")
        return data


def cap_links(data: bytes, base: str) -> list[str] | None:
    """The CAP links of an Atom feed, or None if the document is a CAP message itself."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except Exception as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag == f"{CAP_NS}alert":
        return None
    if root.tag != f"{ATOM}feed":
        raise ValueError(f"neither a CAP message nor an Atom feed: {root.tag[:100]}")
    links = []
    for entry in root.findall(f"{ATOM}entry")[:MAX_ENTRIES]:
        chosen = None
        for link in entry.findall(f"{ATOM}link"):
            kind, href = link.get("type", ""), link.get("href", "")
            if href and ("cap" in kind or kind.endswith("xml")):
                chosen = href
                break
        if chosen:
            links.append(urljoin(base, chosen))
    return links


def poll(
    session: Session, url: str, *, now: Any, store: Any, settings: Any, get: Any = None
) -> list[Outcome]:
    """Fetch one source and apply every CAP message in it; the outcomes of those applied.

    Entry links on other hosts than the feed's (and the allow-list) are skipped and logged.
    """
    actor = Actor(None, "", label_override=f"cap:{urlsplit(url).netloc}"[:100])
    hosts = allowed_hosts(settings, url)
    if get is None:
        get = Fetcher(hosts, allow_private=bool(getattr(settings, "cap_feed_allow_private", 0)))
    try:
        data = get(url)
        links = cap_links(data, url)
    except (OSError, ValueError, urllib.error.URLError) as exc:
        log.warning("CAP source %s: %s", url, exc)
        return []
    documents = [(url, data)] if links is None else []
    for link in links or []:
        if not on_allowed_host(link, hosts):
            log.warning("CAP entry %s skipped: not on the feed's host or SIGNAGE_CAP_FEED_HOSTS",
                        link[:200])  # fmt: skip
            continue
        try:
            documents.append((link, get(link)))
        except (OSError, ValueError, urllib.error.URLError) as exc:
            log.warning("CAP entry %s: %s", link, exc)
    outcomes = []
    for where, body in documents:
        try:
            with session.begin_nested():
                outcomes.append(
                    ingest(
                        session,
                        actor,
                        body,
                        now=now,
                        store=store,
                        settings=settings,
                        source=where,
                        check_grants=False,
                    )
                )
        except (cap.CapError, DomainError) as exc:
            log.warning("CAP message %s rejected: %s", where, exc)
    return outcomes
