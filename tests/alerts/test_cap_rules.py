"""CAP 1.2: the official XSD's checks and the rules it cannot express, each with a located problem."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from signage.alerts.cap.message import parse
from tests.alerts.capdocs import STORM, problem_for, problems_of, storm

SENT = "<sent>2026-11-24T08:00:00+07:00</sent>"
POLYGON = "<polygon>15.0,108.5 15.5,108.5 15.5,109.2 15.0,109.2 15.0,108.5</polygon>"
CIRCLE = "<circle>14.8,108.9 25</circle>"
REF = "canhbao@kttv.gov.vn,VN-KTTV-2026-0041,2026-11-24T02:00:00+07:00"


def _without(element: str) -> bytes:
    start = STORM.index(f"<{element}>")
    end = STORM.index(f"</{element}>", start) + len(f"</{element}>")
    return (STORM[:start] + STORM[end:]).encode()


def _as(msg_type: str, references: str | None = None) -> bytes:
    replacements = [("<msgType>Alert</msgType>", f"<msgType>{msg_type}</msgType>")]
    if references is not None:
        note = "<note>Bản tin số 3</note>"
        replacements.append((note, f"{note}<references>{references}</references>"))
    return storm(*replacements)


# --- The XSD -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "field"),
    [
        ("identifier", "alert"),
        ("sender", "alert"),
        ("sent", "alert"),
        ("status", "alert"),
        ("msgType", "alert"),
        ("scope", "alert"),
        ("event", "info[0]"),
        ("urgency", "info[0]"),
        ("severity", "info[0]"),
        ("certainty", "info[0]"),
        ("areaDesc", "info[0].area[0]"),
        ("valueName", "info[0].area[0].geocode[0]"),
    ],
)
def test_missing_required_element(element: str, field: str) -> None:
    message = problem_for(_without(element), field)

    assert f"<{element}>" in message
    assert "missing" in message
    assert "{" not in message  # no raw {namespace} in what users read


def test_missing_category() -> None:
    data = STORM.replace("<category>Met</category>", "").replace("<category>Safety</category>", "")

    assert "<category> (or it is out of order)" in problem_for(data.encode(), "info[0]")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("<status>Actual</status>", "<status>Real</status>", "status"),
        ("<msgType>Alert</msgType>", "<msgType>Warning</msgType>", "msgType"),
        ("<scope>Public</scope>", "<scope>Everyone</scope>", "scope"),
        ("<category>Met</category>", "<category>Weather</category>", "info[0].category[0]"),
        ("<urgency>Immediate</urgency>", "<urgency>Now</urgency>", "info[0].urgency"),
        ("<severity>Extreme</severity>", "<severity>High</severity>", "info[0].severity"),
        ("<certainty>Observed</certainty>", "<certainty>Sure</certainty>", "info[0].certainty"),
        ("<language>vi-VN</language>", "<language>tiếng Việt</language>", "info[0].language"),
    ],
)
def test_value_outside_the_schema(old: str, new: str, field: str) -> None:
    assert problem_for(storm((old, new)), field)


def test_enumeration_message_lists_the_allowed_values() -> None:
    message = problem_for(storm(("<status>Actual</status>", "<status>Real</status>")), "status")

    assert message.startswith("'Real': value must be one of")
    assert "Actual" in message and "Exercise" in message


def test_unknown_element() -> None:
    data = storm(("<scope>Public</scope>", "<scope>Public</scope><priority>1</priority>"))

    assert "<alert> does not allow <priority> here" in problem_for(data, "alert")


# --- identifier and sender (CAP 1.2 §3.2.1) ----------------------------------------------------


@pytest.mark.parametrize(
    "identifier", ["VN KTTV 42", "VN,42", "VN&amp;42", "VN&lt;42", "VN\t42", ""], ids=repr
)
def test_identifier_characters(identifier: str) -> None:
    data = storm(
        ("<identifier>VN-KTTV-2026-0042</identifier>", f"<identifier>{identifier}</identifier>")
    )

    assert "identifier must not" in problem_for(data, "identifier")


def test_sender_characters() -> None:
    data = storm(("<sender>canhbao@kttv.gov.vn</sender>", "<sender>KTTV Quảng Ngãi</sender>"))

    assert "spaces, commas, '<' or '&'" in problem_for(data, "sender")


# --- dateTimes: explicit numeric offset --------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "field"),
    [
        ("sent", "sent"),
        ("effective", "info[0].effective"),
        ("onset", "info[0].onset"),
        ("expires", "info[0].expires"),
    ],
)
def test_z_suffixed_datetime(element: str, field: str) -> None:
    old = STORM[STORM.index(f"<{element}>") : STORM.index(f"</{element}>")]
    data = storm((old, f"<{element}>2026-11-24T01:00:00Z"))

    message = problem_for(data, field)  # exactly one problem: ours, not the XSD's pattern too

    assert "ends in 'Z', which CAP 1.2 does not allow" in message
    assert "-00:00" in message


@pytest.mark.parametrize(("element", "field"), [("sent", "sent"), ("expires", "info[0].expires")])
def test_naive_datetime(element: str, field: str) -> None:
    old = STORM[STORM.index(f"<{element}>") : STORM.index(f"</{element}>")]
    data = storm((old, f"<{element}>2026-11-24T08:00:00"))

    assert "has no time zone offset" in problem_for(data, field)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-24T08:00:00.5+07:00",
        "2026-11-24 08:00:00+07:00",
        "24/11/2026 08:00",
        "2026-11-24T08:00+07:00",
    ],
)
def test_datetime_in_another_form(value: str) -> None:
    assert "not a CAP date and time" in problem_for(storm((SENT, f"<sent>{value}</sent>")), "sent")


def test_impossible_date() -> None:
    assert "not a valid date" in problem_for(
        storm((SENT, "<sent>2026-02-30T08:00:00+07:00</sent>")), "sent"
    )


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-07:00"])
def test_datetime_at_the_edge_of_the_calendar(value: str) -> None:
    data = storm(("<onset>2026-11-24T12:00:00+07:00</onset>", f"<onset>{value}</onset>"))

    assert "out of the range" in problem_for(data, "info[0].onset")


def test_expires_before_sent() -> None:
    data = storm(
        ("<effective>2026-11-24T08:00:00+07:00</effective>", ""),
        ("<onset>2026-11-24T12:00:00+07:00</onset>", ""),
        (
            "<expires>2026-11-25T08:00:00+07:00</expires>",
            "<expires>2026-11-24T07:59:59+07:00</expires>",
        ),
    )

    assert "expires before it was sent" in problem_for(data, "info[0].expires")


def test_expires_before_effective() -> None:
    data = storm(
        (
            "<effective>2026-11-24T08:00:00+07:00</effective>",
            "<effective>2026-11-26T08:00:00+07:00</effective>",
        ),
    )

    assert "expires before it takes effect" in problem_for(data, "info[0].expires")


def test_expires_compares_instants_across_offsets() -> None:
    # 01:30 at -00:00 is 08:30 in Viet Nam: after the 08:00+07:00 sending time; 00:30 is before.
    effective = ("<effective>2026-11-24T08:00:00+07:00</effective>", "")
    expires = "<expires>2026-11-25T08:00:00+07:00</expires>"
    later = storm(effective, (expires, "<expires>2026-11-24T01:30:00-00:00</expires>"))
    earlier = storm(effective, (expires, "<expires>2026-11-24T00:30:00-00:00</expires>"))

    assert parse(later).infos[0].expires == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    assert "expires before it was sent" in problem_for(earlier, "info[0].expires")


# --- references and info -----------------------------------------------------------------------


@pytest.mark.parametrize("msg_type", ["Update", "Cancel"])
def test_update_and_cancel_need_references(msg_type: str) -> None:
    article = "An" if msg_type == "Update" else "A"

    assert f"{article} {msg_type} message must name" in problem_for(_as(msg_type), "references")


@pytest.mark.parametrize("msg_type", ["Update", "Cancel"])
def test_empty_references(msg_type: str) -> None:
    assert "must name the message" in problem_for(_as(msg_type, ""), "references")


@pytest.mark.parametrize(
    ("references", "expected"),
    [
        ("canhbao@kttv.gov.vn,VN-KTTV-2026-0041", "is not 'sender,identifier,sent'"),
        ("VN-KTTV-2026-0041", "is not 'sender,identifier,sent'"),
        (f"{REF},extra", "is not 'sender,identifier,sent'"),
        ("canhbao@kttv.gov.vn,VN-KTTV-2026-0041,2026-11-24T02:00:00Z", "ends in 'Z'"),
        ("canhbao@kttv.gov.vn,VN-KTTV-2026-0041,2026-11-24T02:00:00", "no time zone offset"),
        ("canhbao@kttv.gov.vn,,2026-11-24T02:00:00+07:00", "identifier must not be empty"),
        ("canhbao&amp;x,VN-1,2026-11-24T02:00:00+07:00", "sender must not contain"),
    ],
)
def test_malformed_references(references: str, expected: str) -> None:
    assert expected in problem_for(_as("Update", f"{REF} {references}"), "references")


def test_second_malformed_reference_is_numbered() -> None:
    assert problem_for(_as("Cancel", f"{REF} nonsense"), "references").startswith("Reference 2")


@pytest.mark.parametrize("msg_type", ["Alert", "Update"])
def test_alert_and_update_need_an_info(msg_type: str) -> None:
    start, end = STORM.index("<info>"), STORM.index("</info>") + len("</info>")
    data = (STORM[:start] + STORM[end:]).replace("<msgType>Alert", f"<msgType>{msg_type}")
    if msg_type == "Update":
        data = data.replace("</note>", f"</note><references>{REF}</references>")

    assert "needs at least one <info>" in problem_for(data.encode(), "info")


# --- Areas -------------------------------------------------------------------------------------

FIELD = "info[0].area[0].polygon[0]"


@pytest.mark.parametrize(
    ("polygon", "expected"),
    [
        ("15.0,108.5 15.5,108.5 15.5,109.2 15.0,109.2", "not closed"),
        ("15.0,108.5 15.5,108.5 15.0,108.5", "at least 4 points"),
        ("", "this one has 0"),
        ("95.0,108.5 15.5,108.5 15.5,109.2 95.0,108.5", "latitude 95.0 is outside -90 to 90"),
        ("15.0,181 15.5,108.5 15.5,109.2 15.0,181", "longitude 181 is outside -180 to 180"),
        (
            "15.0;108.5 15.5,108.5 15.5,109.2 15.0;108.5",
            "point 1: '15.0;108.5' is not 'latitude,longitude'",
        ),
        ("15.0,108.5 15.5 108.5 15.5,109.2 15.0,108.5", "point 2"),
        ("nan,108.5 15.5,108.5 15.5,109.2 nan,108.5", "not 'latitude,longitude'"),
        ("1e1,108.5 15.5,108.5 15.5,109.2 1e1,108.5", "not 'latitude,longitude'"),
    ],
)
def test_bad_polygon(polygon: str, expected: str) -> None:
    assert expected in problem_for(storm((POLYGON, f"<polygon>{polygon}</polygon>")), FIELD)


@pytest.mark.parametrize(
    ("circle", "expected"),
    [
        ("14.8,108.9", "is not a circle"),
        ("14.8 108.9 25", "is not a circle"),
        ("14.8,108.9 -5", "radius -5 is negative"),
        ("14.8,108.9 25 km", "is not a circle"),
        ("91,108.9 25", "latitude 91 is outside"),
        ("14.8,-190 25", "longitude -190 is outside"),
        ("14.8,108.9 inf", "is not a circle"),
    ],
)
def test_bad_circle(circle: str, expected: str) -> None:
    data = storm((CIRCLE, f"<circle>{circle}</circle>"))

    assert expected in problem_for(data, "info[0].area[0].circle[0]")


def test_problems_are_located_in_the_right_info_area_and_polygon() -> None:
    second_area = (
        "<area><areaDesc>Tỉnh Gia Lai</areaDesc>"
        f"{POLYGON}<polygon>13.0,108.0 13.5,108.0 13.5,108.5 13.0,108.5</polygon></area>"
    )
    info = STORM[STORM.index("<info>") : STORM.index("</info>") + len("</info>")]
    second_info = info.replace("</area>", "</area>" + second_area, 1)
    data = storm(("</info>", "</info>" + second_info))

    problem_for(data, "info[1].area[1].polygon[1]")


def test_every_problem_is_reported_at_once() -> None:
    data = storm(
        ("<identifier>VN-KTTV-2026-0042</identifier>", "<identifier>VN 42</identifier>"),
        (SENT, "<sent>2026-11-24T01:00:00Z</sent>"),
        ("<status>Actual</status>", "<status>Real</status>"),
        (POLYGON, "<polygon>1,1 2,2 3,3</polygon>"),
    )

    fields = {p["field"] for p in problems_of(data)}

    assert fields == {"identifier", "sent", "status", FIELD}
