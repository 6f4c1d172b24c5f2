"""Every console page speaks to people: no ISO timestamps, raw codes, internal ids or English.

A crawler follows the same-origin links of the menu and of the first rows of every list page,
as two roles, over the demo data plus an alert, a pairing and plays, and reads the visible text
(tags stripped; attribute values, <code>, <pre>, <textarea>, <script> and <style> ignored).
"""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from signage import clock
from signage.accounts.models import User
from signage.alerts import models as alert_models
from signage.alerts.lifecycle import cancel_alert, create_alert
from signage.alerts.targets import Targets
from signage.alerts.text import AlertText
from signage.areas.services import get_by_code
from signage.audit.services import Actor
from signage.boards.models import Board, PlayBatch, PlayRecord
from signage.content import models as content_models
from signage.content.profiles import SEED_PROFILES
from signage.demo import seed
from signage.demo_programme import seed_programme
from signage.notifications import models as notification_models
from signage.players import pairing
from signage.schedules import models as schedule_models
from signage.storage import media_store
from tests.conftest import TEST_PASSWORD, login

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}")
INTERNAL_ID = re.compile(r"\b(?:area|board|group|alert|item|user):\d+\b")
LEFTOVER = re.compile(r"[{}]|%\(\w+\)")
# Vietnamese writes 0,1 giờ: hours with a decimal point are a number formatted in English.
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d+(?= giờ)")
UNIT = re.compile(r"\b\d+(?:[.,]\d+)? ?(?:h|min|s)\b")
# English words that showed through the Vietnamese pages before; each is a whole word.
ENGLISH = (
    "Actual",
    "Exercise",
    "landscape",
    "portrait",
    "red",
    "colour",
    "modules",
    "targets",
    "Public",
    "Alert",
    "Update",
    "Cancel",
    "min",
    "ago",
    "days",
    "hours",
    "minutes",
    "seconds",
    "None",
    "True",
    "False",
)
# Pages no menu links to with the demo's data (a report grouped otherwise than by default).
EXTRA_STARTS = ("/reports/plays?group_by=item", "/reports/plays?group_by=board")
SKIP = re.compile(
    r"^/(api|static|media|logout|login|lang)\b|/export|\.(csv|xlsx|json|xml|png|jpg|zip)$|download|/cap\b"
)
MAX_PAGES = 160


def _enum_codes() -> set[str]:
    """Every code stored by the models that a page could print as is."""
    codes: set[str] = set()
    for values in (
        alert_models.STATES,
        alert_models.STATUSES,
        alert_models.URGENCIES,
        alert_models.SEVERITIES,
        alert_models.CERTAINTIES,
        alert_models.CAP_CATEGORIES,
        content_models.CATEGORIES,
        content_models.PRIORITIES,
        content_models.ITEM_STATES,
        content_models.REVISION_STATES,
        schedule_models.TARGET_KINDS,
        notification_models.KINDS,
        notification_models.CHANNELS,
        ("online", "offline", "never"),  # board status
        ("programme", "fallback"),  # timeline segments
        ("pending_confirmation", "Alert", "Update", "Cancel", "Public", "Restricted", "Private"),
    ):
        codes.update(values)
    codes.update(p.key for p in SEED_PROFILES)
    # Codes that are also ordinary words of a Vietnamese page's chrome or of the demo's names.
    return {c for c in codes if c not in {"Other", "Unknown"}}


class _VisibleText(HTMLParser):
    """The text a person reads: no attributes, no code, no scripts."""

    HIDDEN = {"code", "pre", "textarea", "script", "style", "kbd", "samp"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))


def _read(html: str) -> _VisibleText:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser


def _pattern(url: str) -> str:
    """One representative per kind of page: numbers, codes and query values blanked."""
    parts = urlsplit(url)
    path = re.sub(r"/[^/]*\d[^/]*", "/N", parts.path)
    keys = sorted({kv.split("=", 1)[0] for kv in parts.query.split("&") if kv})
    return path + "?" + "&".join(keys)


def offenders(text: str, codes: set[str], *, vietnamese: bool = True) -> list[str]:
    """What on a page a person should never read (on an English page: only what no English
    word can be, such as health_epidemic or lcd-1920x1080)."""
    if not vietnamese:
        codes = {c for c in codes if "_" in c or "-" in c}
    found = [m.group(0) for m in ISO_TIME.finditer(text)]
    found += [m.group(0) for m in INTERNAL_ID.finditer(text)]
    found += [m.group(0) for m in LEFTOVER.finditer(text)]
    found += [m.group(0) for m in UNIT.finditer(text)]
    found += [m.group(0) for m in DECIMAL_POINT.finditer(text)]
    for word in sorted(codes | set(ENGLISH if vietnamese else ())):
        if re.search(rf"(?<![\w/.-]){re.escape(word)}(?![\w/-]|:\d)", text):
            found.append(word)
    return found


def crawl(client, *, vietnamese: bool = True) -> dict[str, list[str]]:
    """Visit the menu's pages and the first links of each page kind; the offenders by page."""
    codes = _enum_codes()
    seen_patterns: set[str] = set()
    queue: deque[str] = deque(["/", *EXTRA_STARTS])
    bad: dict[str, list[str]] = {}
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        resp = client.get(url)
        visited += 1
        if resp.status_code != 200 or not resp.mimetype == "text/html":
            continue
        page = _read(resp.get_data(as_text=True))
        found = offenders(page.text, codes, vietnamese=vietnamese)
        if found:
            bad[url] = sorted(set(found))
        for href in page.links:
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIP.search(parts.path) or re.search(r"\b(format|lang)=", parts.query):
                continue
            pattern = _pattern(local)
            if pattern in seen_patterns:
                continue
            seen_patterns.add(pattern)
            queue.append(local)
    assert visited > 20, f"the crawl reached only {visited} pages"
    return bad


@pytest.fixture()
def demo(app, session, monkeypatch):
    """The demo installation with an alert, a pairing and plays on every demo board."""
    monkeypatch.setenv("SIGNAGE_DEMO_PASSWORD", TEST_PASSWORD)
    now = clock.now()
    settings = app.config["SIGNAGE"]
    seed(session, settings, echo=lambda _m: None, now=now)
    session.flush()
    store = media_store()
    seed_programme(session, store, now=now, echo=lambda _m: None)
    boards = list(session.scalars(select(Board).order_by(Board.code)))
    admin = session.scalar(select(User).where(User.username == "admin"))
    operator = Actor(admin)
    alerts = [
        create_alert(
            session,
            operator,
            AlertText(
                event="Bão",
                headline=headline,
                description="Bão số 3 đổ bộ.",
                instruction="Ở trong nhà.",
                sender_name="UBND thành phố Hà Nội",
            ),
            Targets(areas=[get_by_code(session, "01")]),
            expires=now + timedelta(hours=6),
            now=now - timedelta(hours=1),
            store=store,
            settings=settings,
            status=status,
            two_person_exempt=True,
        )
        for headline, status in (
            ("CẢNH BÁO BÃO", "Actual"),
            ("DIỄN TẬP BÃO", "Exercise"),
            ("LŨ ĐÃ QUA", "Actual"),
        )
    ]
    cancel_alert(session, operator, alerts[-1], now=now)  # so the history has one
    ticket = pairing.start(session, now=now)
    pairing.pair(session, operator, boards[0], ticket.code, now=now)
    item_id = session.scalar(select(content_models.ContentItem.id))
    for n, board in enumerate(boards):
        batch = PlayBatch(
            board_id=board.id,
            batch_id=f"demo-{n}",
            received_at=now - timedelta(minutes=5),
            records=3,
        )
        session.add(batch)
        session.flush()
        session.add_all(
            PlayRecord(
                batch_id=batch.id,
                board_id=board.id,
                item_id=item_id,
                revision_id=1,
                start=now - timedelta(hours=2, minutes=k),
                duration_s=30.0,
            )
            for k in range(3)
        )
    session.commit()


@pytest.mark.parametrize("username", ["admin", "viewer"])
def test_console_pages_show_people_formats(client, demo, username):
    assert login(client, username).status_code == 302
    bad = crawl(client)
    assert bad == {}, "\n".join(f"{url}: {words}" for url, words in bad.items())


def test_english_console_pages_show_no_codes_or_iso_times(client, demo):
    login(client, "admin")
    client.get("/lang/en")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    bad = crawl(client, vietnamese=False)
    assert bad == {}, "\n".join(f"{url}: {words}" for url, words in bad.items())


def test_the_checker_catches_what_people_should_not_read():
    codes = _enum_codes()
    text = _read(
        "<p>Lần cuối: 2026-11-25T20:33:27+00:00 · targets: ['area:6'] · Actual · {x}</p>"
        "<p>LCD (lcd-1920x1080) <code>Actual</code><input value='emergency'> 15 s · 0.1 giờ</p>"
    ).text
    assert set(offenders(text, codes)) == {
        "2026-11-25T20",
        "area:6",
        "{",
        "}",
        "Actual",
        "targets",
        "lcd-1920x1080",
        "15 s",
        "0.1",
    }
