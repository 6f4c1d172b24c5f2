"""Polling upstream CAP sources: a URL serving one CAP message, or an Atom feed of CAP links.

Configured by the administrator (`SIGNAGE_CAP_FEEDS`, URLs separated by spaces or commas) and
run by the scheduler every minute. Each message is applied in its own savepoint, so one bad
entry is logged and skipped without losing the others; messages seen before are duplicates.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlsplit

from defusedxml import ElementTree as SafeET
from sqlalchemy.orm import Session

from signage.alerts import cap
from signage.alerts.cap_ingest import Outcome, ingest
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


def fetch(url: str, limit: int = cap.MAX_CAP_BYTES) -> bytes:
    """GET a URL with a timeout and a size limit."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"not an http(s) URL: {url[:200]}")
    req = urllib.request.Request(url, headers={"User-Agent": "signage-cap-poller"})  # noqa: S310
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 - checked above
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
    session: Session, url: str, *, now: Any, store: Any, settings: Any, get: Any = fetch
) -> list[Outcome]:
    """Fetch one source and apply every CAP message in it; the outcomes of those applied."""
    actor = Actor(None, "", label_override=f"cap:{urlsplit(url).netloc}"[:100])
    try:
        data = get(url)
        links = cap_links(data, url)
    except (OSError, ValueError, urllib.error.URLError) as exc:
        log.warning("CAP source %s: %s", url, exc)
        return []
    documents = [(url, data)] if links is None else []
    for link in links or []:
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
