"""Safe reading of CAP 1.2: defused XML, the official XSD, and the rules the XSD cannot express.

Everything here reports problems as {"field", "message"} dicts; `message.py` turns them into
CapError.
Nothing in this module touches the network or any file other than the shipped XSD.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from importlib import resources

import defusedxml.ElementTree as DET
import xmlschema
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
CAP11 = "urn:oasis:names:tc:emergency:cap:1.1"
CAP10 = "http://www.incident.com/cap/1.0"
MAX_DEPTH = 32  # CAP itself nests 5 deep; xmldsig signatures a few more
Problem = dict[str, str]

# Elements that may repeat get an index in field paths ("info[0].area[1].polygon[0]").
_REPEATING = {"code", "info", "category", "responseType", "eventCode", "parameter", "resource"}
_REPEATING |= {"area", "polygon", "circle", "geocode"}
_TIME_FIELDS = ("effective", "onset", "expires")
_CAP_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
_NAIVE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?")
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_POINT = re.compile(rf"({_NUM}),({_NUM})")
_CIRCLE = re.compile(rf"({_NUM}),({_NUM})\s+({_NUM})")
_ENCODING_DECL = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_FORBIDDEN_ID_CHARS = re.compile(r"[\s,<&]")


def problem(field: str, message: str) -> Problem:
    """One problem in the shape CapError carries."""
    return {"field": field, "message": message}


def shorten(value: str, limit: int = 60) -> str:
    """Quote user input in a message without letting a huge value through."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def local_name(tag: str) -> str:
    """The tag without its {namespace}."""
    return tag.rsplit("}", 1)[-1]


def read_xml(data: bytes, max_bytes: int) -> tuple[ET.Element | None, list[Problem]]:
    """Parse bytes with DTDs, entities and external references forbidden."""
    if len(data) > max_bytes:
        msg = f"The message is {len(data):,} bytes; the limit is {max_bytes:,} bytes."
        return None, [problem("document", msg)]
    if not data.strip():
        return None, [problem("document", "The message is empty; send a CAP 1.2 XML document.")]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"The message is not valid UTF-8 (bad byte at offset {exc.start}); CAP must be UTF-8."
        return None, [problem("document", msg)]
    declared = _ENCODING_DECL.match(data)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        name = declared.group(1).decode("ascii", "replace")
        msg = f"The message declares encoding '{shorten(name)}'; CAP messages must be UTF-8."
        return None, [problem("document", msg)]
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        msg = "DTDs are not allowed in CAP messages; remove the <!DOCTYPE> declaration."
        return None, [problem("document", msg)]
    except EntitiesForbidden:
        return None, [problem("document", "Entity declarations are not allowed in CAP messages.")]
    except ExternalReferenceForbidden:
        return None, [problem("document", "External references are not allowed in CAP messages.")]
    except ET.ParseError as exc:
        msg = f"The message is not well-formed XML ({exc})."
        return None, [problem("document", msg)]
    return root, []


def check_root(root: ET.Element) -> list[Problem]:
    """The document must be a CAP 1.2 <alert>, no deeper than any CAP message needs."""
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    name = local_name(root.tag)
    if name == "alert" and namespace == CAP11:
        return [problem("alert", f'CAP 1.1 is not supported; send CAP 1.2 (xmlns="{CAP12}").')]
    if name == "alert" and namespace == CAP10:
        return [problem("alert", f'CAP 1.0 is not supported; send CAP 1.2 (xmlns="{CAP12}").')]
    if name == "alert" and not namespace:
        msg = f'The <alert> element has no namespace; CAP 1.2 needs xmlns="{CAP12}".'
        return [problem("alert", msg)]
    if name == "alert" and namespace != CAP12:
        msg = f"The <alert> element is in namespace '{shorten(namespace)}', not CAP 1.2 ({CAP12})."
        return [problem("alert", msg)]
    if namespace != CAP12 or name != "alert":
        msg = (
            f"This is not a CAP message: the root element is <{shorten(name)}>; "
            f'expected <alert xmlns="{CAP12}">.'
        )
        return [problem("alert", msg)]
    depth = _depth(root)
    if depth > MAX_DEPTH:
        msg = f"Elements are nested more than {MAX_DEPTH} levels deep; no CAP message needs that."
        return [problem("alert", msg)]
    return []


def _depth(root: ET.Element) -> int:
    """Nesting depth, without recursion (the input may be hostile)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        elem, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in elem)
    return deepest


def field_paths(root: ET.Element) -> dict[int, str]:
    """Map id(element) to its location, e.g. "info[0].area[1].polygon[0]"."""
    paths = {id(root): "alert"}
    stack = [(root, "")]
    while stack:
        elem, prefix = stack.pop()
        seen: dict[str, int] = {}
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            name = local_name(child.tag)
            index = seen.get(name, 0)
            seen[name] = index + 1
            step = f"{name}[{index}]" if name in _REPEATING else name
            path = f"{prefix}.{step}" if prefix else step
            paths[id(child)] = path
            stack.append((child, path))
    return paths


@functools.cache
def cap_schema() -> xmlschema.XMLSchema:
    """The official CAP 1.2 XSD shipped with the package, loaded once; never fetches anything."""
    path = resources.files("signage.alerts").joinpath("data/CAP-v1.2.xsd")
    with resources.as_file(path) as file:
        return xmlschema.XMLSchema(str(file), allow="sandbox", defuse="always")


def schema_problems(root: ET.Element, paths: dict[int, str]) -> list[Problem]:
    """Every XSD violation, located by field path."""
    resource = xmlschema.XMLResource(root, allow="none", defuse="always")
    problems = []
    for error in cap_schema().iter_errors(resource, use_location_hints=False):
        field = paths.get(id(error.elem), "alert") if error.elem is not None else "alert"
        problems.append(problem(field, _schema_message(error)))
    return problems


_MISPLACED = re.compile(
    r"Unexpected child with tag '(\w+)' at position \d+\.(?: Tag '(\w+)' expected\.)?"
)
_INCOMPLETE = re.compile(r"The content of element '(\w+)' is not complete\. Tag '(\w+)' expected\.")


def _schema_message(error: xmlschema.XMLSchemaValidationError) -> str:
    """The validator's reason as a sentence about CAP elements, without namespaces."""
    reason = str(error.reason or error.message or "does not match the CAP 1.2 schema")
    reason = reason.replace("{" + CAP12 + "}", "").replace("cap:", "")
    parent = local_name(error.elem.tag) if error.elem is not None else "alert"
    if match := _MISPLACED.fullmatch(reason):
        found, expected = match.groups()
        if expected:
            return f"<{parent}> is missing <{expected}> (or it is out of order): found <{found}>."
        return f"<{parent}> does not allow <{found}> here (unknown element or wrong order)."
    if match := _INCOMPLETE.fullmatch(reason):
        return f"<{match.group(1)}> is incomplete: <{match.group(2)}> is missing."
    if isinstance(error.obj, str):
        reason = f"'{shorten(error.obj.strip(), 40)}': {reason}"
    reason = shorten(reason[:1].upper() + reason[1:], 300)
    return reason if reason.endswith(".") else reason + "."


def parse_time(text: str) -> tuple[datetime | None, str | None]:
    """A CAP dateTime with an explicit numeric offset, or the reason it is not one."""
    value = text.strip()
    shown = shorten(value, 40)
    if _CAP_TIME.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value)
            parsed.astimezone(UTC)  # years 1 and 9999 can overflow once the offset is applied
        except ValueError:
            return None, f"'{shown}' is not a valid date and time."
        except OverflowError:
            return None, f"'{shown}' is out of the range of dates this server can handle."
        return parsed, None
    if value.endswith(("Z", "z")) and _NAIVE_TIME.fullmatch(value[:-1]):
        return None, (
            f"'{shown}' ends in 'Z', which CAP 1.2 does not allow; "
            "write the offset instead, e.g. -00:00 or +07:00."
        )
    if _NAIVE_TIME.fullmatch(value):
        return None, f"'{shown}' has no time zone offset; CAP 1.2 requires one, e.g. +07:00."
    return None, f"'{shown}' is not a CAP date and time; use the form 2026-11-24T08:00:00+07:00."


def parse_point(token: str) -> tuple[float, float] | str:
    """One "lat,lon" pair in WGS 84 decimal degrees, or the reason it is not one."""
    match = _POINT.fullmatch(token)
    if not match:
        return f"'{shorten(token, 40)}' is not 'latitude,longitude' in decimal degrees"
    lat, lon = float(match.group(1)), float(match.group(2))
    if not -90 <= lat <= 90:
        return f"latitude {match.group(1)} is outside -90 to 90"
    if not -180 <= lon <= 180:
        return f"longitude {match.group(2)} is outside -180 to 180"
    return lat, lon


def parse_polygon(text: str) -> tuple[tuple[tuple[float, float], ...] | None, str | None]:
    """A closed ring of at least 4 points, or the reason it is not one."""
    points = []
    for number, token in enumerate(text.split(), start=1):
        point = parse_point(token)
        if isinstance(point, str):
            return None, f"Polygon point {number}: {point}."
        points.append(point)
    if len(points) < 4:
        return None, (
            f"A polygon needs at least 4 points (the first repeated as the last); "
            f"this one has {len(points)}."
        )
    if points[0] != points[-1]:
        return None, "The polygon is not closed: its last point must repeat its first point."
    return tuple(points), None


def parse_circle(text: str) -> tuple[tuple[float, float, float] | None, str | None]:
    """A "lat,lon radius" circle (radius in km), or the reason it is not one."""
    match = _CIRCLE.fullmatch(text.strip())
    if not match:
        shown = shorten(text.strip(), 40)
        return None, f"'{shown}' is not a circle; write 'latitude,longitude radius_km'."
    point = parse_point(f"{match.group(1)},{match.group(2)}")
    if isinstance(point, str):
        return None, f"Circle centre: {point}."
    radius = float(match.group(3))
    if radius < 0:
        return None, f"The circle radius {match.group(3)} is negative; it must be 0 or more km."
    return (point[0], point[1], radius), None


def check_identity(field: str, value: str) -> str | None:
    """CAP 1.2 §3.2.1: identifier and sender are non-empty, without spaces, commas, < or &."""
    if not value:
        return f"The {field} must not be empty."
    if _FORBIDDEN_ID_CHARS.search(value):
        return f"The {field} must not contain spaces, commas, '<' or '&' (CAP 1.2 §3.2.1)."
    return None


def parse_references(text: str) -> tuple[tuple[tuple[str, str, datetime], ...], list[str]]:
    """Whitespace-separated "sender,identifier,sent" triples, and the reasons any is malformed."""
    references, reasons = [], []
    for number, token in enumerate(text.split(), start=1):
        parts = token.split(",")
        if len(parts) != 3:
            reasons.append(
                f"Reference {number} ('{shorten(token, 40)}') is not 'sender,identifier,sent'."
            )
            continue
        sender, identifier, sent_text = parts
        bad = check_identity("sender", sender) or check_identity("identifier", identifier)
        sent, time_reason = parse_time(sent_text)
        if bad or time_reason or sent is None:
            reasons.append(f"Reference {number}: {bad or time_reason}")
            continue
        references.append((sender, identifier, sent))
    return tuple(references), reasons


def child(elem: ET.Element, name: str) -> ET.Element | None:
    """The first CAP child element called name, if any."""
    return elem.find(f"{{{CAP12}}}{name}")


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    """Every CAP child element called name."""
    return elem.findall(f"{{{CAP12}}}{name}")


def text_of(elem: ET.Element, name: str, default: str = "") -> str:
    """The text of the first CAP child called name ("" if empty, default if absent)."""
    found = child(elem, name)
    return found.text or "" if found is not None else default


def rule_problems(root: ET.Element, paths: dict[int, str]) -> list[dict[str, str]]:
    """The CAP 1.2 rules the XSD cannot express."""
    problems = []
    for name in ("identifier", "sender"):
        elem = child(root, name)
        reason = check_identity(name, elem.text or "") if elem is not None else None
        if reason:
            problems.append(problem(name, reason))
    sent_elem = child(root, "sent")
    sent = None
    if sent_elem is not None:
        sent, reason = parse_time(sent_elem.text or "")
        if reason:
            problems.append(problem("sent", reason))
    msg_type = text_of(root, "msgType")
    references = child(root, "references")
    if references is not None:
        _, reasons = parse_references(references.text or "")
        problems += [problem("references", reason) for reason in reasons]
    if msg_type in ("Update", "Cancel") and (references is None or not (references.text or "")):
        msg = f"{_a(msg_type)} message must name the message(s) it replaces in <references>."
        problems.append(problem("references", msg))
    infos = children(root, "info")
    if msg_type in ("Alert", "Update") and not infos:
        msg = f"{_a(msg_type)} message needs at least one <info> block."
        problems.append(problem("info", msg))
    for info in infos:
        problems += _info_problems(info, sent, paths)
    return problems


def _a(word: str) -> str:
    return f"An {word}" if word[:1] in "AEIOU" else f"A {word}"


def _info_problems(info: ET.Element, sent: datetime | None, paths: dict[int, str]) -> list:
    problems, times = [], {}
    for name in ("effective", "onset", "expires"):
        elem = child(info, name)
        if elem is not None:
            times[name], reason = parse_time(elem.text or "")
            if reason:
                problems.append(problem(paths[id(elem)], reason))
    expires, effective = times.get("expires"), times.get("effective")
    if expires is not None:
        field = paths[id(child(info, "expires"))]
        if sent is not None and expires < sent:
            problems.append(problem(field, "The alert expires before it was sent."))
        elif effective is not None and expires < effective:
            problems.append(problem(field, "The alert expires before it takes effect."))
    for area in children(info, "area"):
        for elem in children(area, "polygon"):
            _, reason = parse_polygon(elem.text or "")
            if reason:
                problems.append(problem(paths[id(elem)], reason))
        for elem in children(area, "circle"):
            _, reason = parse_circle(elem.text or "")
            if reason:
                problems.append(problem(paths[id(elem)], reason))
    return problems
