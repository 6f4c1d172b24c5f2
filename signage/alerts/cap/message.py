"""CAP 1.2 (OASIS Common Alerting Protocol): parse safely, validate, publish as CAP and Atom.

Decisions (each pinned by a test under tests/alerts/):
- Every dateTime needs an explicit numeric offset; "Z" and naive values are refused. CAP 1.2's
  definitions of <sent>, <effective>, <onset> and <expires> say 'Alphabetic timezone designators
  such as "Z" MUST NOT be used. The timezone for UTC MUST be represented as "-00:00"', and the
  XSD pattern agrees. The four OASIS examples all use offsets and parse unchanged.
- `references` is required on Update and Cancel. On other message types it is optional, but when
  present it is still checked and returned; consumers act on it only for Update and Cancel.
- `sent` (and each reference's sent) keeps the sender's offset, so republished CAP matches what
  the sender wrote; effective, onset and expires are converted to UTC.
- to_xml strips characters XML 1.0 cannot carry (control characters, lone surrogates) and turns
  CR/CRLF into LF, which is what any XML parser would do; it refuses anything else invalid.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from signage.alerts.cap import rules
from signage.alerts.cap.rules import CAP12

log = logging.getLogger(__name__)

MAX_CAP_BYTES = 256 * 1024
MAX_PROBLEMS = 50  # enough to fix a message; a hostile one could otherwise yield thousands
ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class CapError(Exception):
    """Invalid CAP; `problems` lists {"field", "message"} and str() joins the messages."""

    problems: list[dict[str, str]]

    def __init__(self, problems: list[dict[str, str]]) -> None:
        self.problems = problems
        super().__init__(" ".join(p["message"] for p in problems))


@dataclass(frozen=True)
class CapArea:
    """An <area>: description, geocodes, closed (lat, lon) rings, (lat, lon, radius_km) circles."""

    desc: str
    geocodes: tuple[tuple[str, str], ...] = ()
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[tuple[float, float, float], ...] = ()


@dataclass(frozen=True)
class CapInfo:
    """An <info> block in one language."""

    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    sender_name: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    areas: tuple[CapArea, ...] = ()


@dataclass(frozen=True)
class CapMessage:
    """An <alert> with the fields the signage server uses."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    references: tuple[tuple[str, str, datetime], ...] = ()
    note: str = ""
    infos: tuple[CapInfo, ...] = ()


def parse(data: bytes) -> CapMessage:
    """Read a CAP 1.2 message from untrusted bytes; raises CapError and nothing else."""
    try:
        return _build(_checked_root(data))
    except CapError:
        raise
    except Exception:  # a bug must not take the server down or let a raw exception through
        log.exception("unexpected failure while parsing a CAP message")
        problems = [rules.problem("document", "The message could not be read as CAP 1.2.")]
        raise CapError(problems) from None


def validate(data: bytes) -> None:
    """Check bytes against the CAP 1.2 XSD and the rules it cannot express; raises CapError."""
    parse(data)


def format_time(dt: datetime) -> str:
    """A CAP dateTime such as "2026-11-24T08:00:00+07:00": seconds, numeric offset, never "Z"."""
    offset = dt.utcoffset()
    if offset is None:
        raise ValueError("CAP times must be timezone-aware")
    if offset.total_seconds() % 60:  # CAP offsets are hh:mm; fall back to UTC for odd zones
        dt = dt.astimezone(UTC)
    return dt.replace(microsecond=0).isoformat()


def to_xml(message: CapMessage) -> bytes:
    """The message as a UTF-8 CAP 1.2 document that passes validate(), or CapError."""
    problems: list[dict[str, str]] = []
    alert = ET.Element("alert", xmlns=CAP12)
    _add(alert, "identifier", message.identifier)
    _add(alert, "sender", message.sender)
    _add_time(alert, "sent", message.sent, "sent", problems)
    for name, value in (("status", message.status), ("msgType", message.msg_type)):
        _add(alert, name, value)
    _add(alert, "scope", message.scope)
    _add(alert, "note", message.note, optional=True)
    if message.references:
        triples = []
        for sender, identifier, sent in message.references:
            text = _time_text(sent, "references", problems)
            triples.append(f"{sender},{identifier},{text}")
        _add(alert, "references", " ".join(triples))
    for i, info in enumerate(message.infos):
        _add_info(alert, info, f"info[{i}]", problems)
    if problems:
        raise CapError(problems)
    data = _document(alert)
    validate(data)
    return data


def _add_info(alert: ET.Element, info: CapInfo, field: str, problems: list) -> None:
    """Append one <info> in XSD order."""
    elem = ET.SubElement(alert, "info")
    _add(elem, "language", info.language or "en-US")
    for category in info.categories:
        _add(elem, "category", category)
    _add(elem, "event", info.event)
    for name in ("urgency", "severity", "certainty"):
        _add(elem, name, getattr(info, name))
    for name in ("effective", "onset", "expires"):
        value = getattr(info, name)
        if value is not None:
            _add_time(elem, name, value, f"{field}.{name}", problems)
    _add(elem, "senderName", info.sender_name, optional=True)
    for name in ("headline", "description", "instruction", "web"):
        _add(elem, name, getattr(info, name), optional=True)
    for area in info.areas:
        area_elem = ET.SubElement(elem, "area")
        _add(area_elem, "areaDesc", area.desc)
        for ring in area.polygons:
            _add(area_elem, "polygon", " ".join(f"{_num(lat)},{_num(lon)}" for lat, lon in ring))
        for lat, lon, radius in area.circles:
            _add(area_elem, "circle", f"{_num(lat)},{_num(lon)} {_num(radius)}")
        for value_name, value in area.geocodes:
            geocode = ET.SubElement(area_elem, "geocode")
            _add(geocode, "valueName", value_name)
            _add(geocode, "value", value)


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: CR/CRLF become LF, other impossible characters are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML_CHAR.sub("", text)


def _add(parent: ET.Element, name: str, value: str, *, optional: bool = False) -> None:
    if optional and not value:
        return
    ET.SubElement(parent, name).text = xml_text(str(value))


def _time_text(value: datetime, field: str, problems: list) -> str:
    try:
        return format_time(value)
    except ValueError:
        problems.append(rules.problem(field, "The time has no time zone; CAP needs an offset."))
        return ""


def _add_time(parent: ET.Element, name: str, value: datetime, field: str, problems: list) -> None:
    _add(parent, name, _time_text(value, field, problems))


def _num(value: float) -> str:
    """Decimal degrees without exponent notation; reads back as the same float."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        return format(Decimal(text), "f")
    return text


def atom_feed(
    entries: Sequence[tuple[CapMessage, str]],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    updated: datetime,
) -> bytes:
    """An Atom 1.0 feed with one entry per (message, absolute URL of its CAP document)."""
    feed = ET.Element("feed", xmlns=ATOM)
    _atom(feed, "id", feed_id)
    _atom(feed, "title", title)
    _atom(feed, "updated", format_time(updated))
    ET.SubElement(feed, "link", rel="self", href=xml_text(self_url))
    _atom(ET.SubElement(feed, "author"), "name", title)
    for message, url in entries:
        first = message.infos[0] if message.infos else None
        entry = ET.SubElement(feed, "entry")
        _atom(entry, "id", url)
        headline = (first.headline or first.event) if first else ""
        _atom(entry, "title", headline or f"{message.msg_type} {message.identifier}")
        _atom(entry, "updated", format_time(message.sent))
        author = ET.SubElement(entry, "author")
        _atom(author, "name", (first.sender_name if first else "") or message.sender)
        link = {"rel": "alternate", "type": "application/cap+xml", "href": xml_text(url)}
        ET.SubElement(entry, "link", link)
        summary = (first.description or first.event) if first else message.note
        _atom(entry, "summary", summary or message.msg_type)
    return _document(feed)


def _document(root: ET.Element) -> bytes:
    """UTF-8 bytes with the XML declaration; the root carries its namespace as plain xmlns."""
    body = ET.tostring(root, encoding="unicode")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode("utf-8")


def _atom(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, name).text = xml_text(text)


def _checked_root(data: bytes) -> ET.Element:
    """The parsed <alert>, or CapError listing every problem found."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CapError([rules.problem("document", "The message must be bytes.")])
    root, problems = rules.read_xml(bytes(data), MAX_CAP_BYTES)
    if root is None:
        raise CapError(problems)
    problems = rules.check_root(root)
    if problems:
        raise CapError(problems)
    paths = rules.field_paths(root)
    own = rules.rule_problems(root, paths)
    own_fields = {p["field"] for p in own}
    # Our message on a bad dateTime is clearer than the XSD's pattern; keep one per field.
    problems = [p for p in rules.schema_problems(root, paths) if p["field"] not in own_fields]
    problems += own
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        summary = rules.problem("alert", f"… and {more:,} more problems of the same kinds.")
        problems = [*problems[:MAX_PROBLEMS], summary]
    if problems:
        raise CapError(problems)
    return root


def _utc(elem: ET.Element, name: str) -> datetime | None:
    child = rules.child(elem, name)
    if child is None:
        return None
    value, _ = rules.parse_time(child.text or "")
    return value.astimezone(UTC) if value is not None else None


def _build(root: ET.Element) -> CapMessage:
    """The dataclasses for a root that passed every check."""
    sent, _ = rules.parse_time(rules.text_of(root, "sent"))
    assert sent is not None  # checked
    references, _ = rules.parse_references(rules.text_of(root, "references"))
    return CapMessage(
        identifier=rules.text_of(root, "identifier"),
        sender=rules.text_of(root, "sender"),
        sent=sent,
        status=rules.text_of(root, "status"),
        msg_type=rules.text_of(root, "msgType"),
        scope=rules.text_of(root, "scope"),
        references=references,
        note=rules.text_of(root, "note"),
        infos=tuple(_build_info(info) for info in rules.children(root, "info")),
    )


def _build_info(info: ET.Element) -> CapInfo:
    return CapInfo(
        language=rules.text_of(info, "language", "en-US") or "en-US",
        categories=tuple(c.text or "" for c in rules.children(info, "category")),
        event=rules.text_of(info, "event"),
        urgency=rules.text_of(info, "urgency"),
        severity=rules.text_of(info, "severity"),
        certainty=rules.text_of(info, "certainty"),
        headline=rules.text_of(info, "headline"),
        description=rules.text_of(info, "description"),
        instruction=rules.text_of(info, "instruction"),
        web=rules.text_of(info, "web"),
        sender_name=rules.text_of(info, "senderName"),
        effective=_utc(info, "effective"),
        onset=_utc(info, "onset"),
        expires=_utc(info, "expires"),
        areas=tuple(_build_area(area) for area in rules.children(info, "area")),
    )


def _build_area(area: ET.Element) -> CapArea:
    polygons = tuple(rules.parse_polygon(p.text or "")[0] for p in rules.children(area, "polygon"))
    circles = tuple(rules.parse_circle(c.text or "")[0] for c in rules.children(area, "circle"))
    geocodes = tuple(
        (rules.text_of(g, "valueName"), rules.text_of(g, "value"))
        for g in rules.children(area, "geocode")
    )
    return CapArea(
        desc=rules.text_of(area, "areaDesc"),
        geocodes=geocodes,
        polygons=tuple(p for p in polygons if p is not None),
        circles=tuple(c for c in circles if c is not None),
    )
