"""CAP 1.2: reading valid messages, writing CAP and Atom, and the round trip between them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest

from signage.alerts.cap.message import (
    MAX_CAP_BYTES,
    CapArea,
    CapError,
    CapInfo,
    CapMessage,
    atom_feed,
    format_time,
    parse,
    to_xml,
    validate,
)
from tests.alerts.capdocs import OASIS_EXAMPLES, STORM, storm

ICT = timezone(timedelta(hours=7))
CAP_NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


def test_storm_warning_parses_to_every_field() -> None:
    message = parse(STORM.encode())

    assert message == CapMessage(
        identifier="VN-KTTV-2026-0042",
        sender="canhbao@kttv.gov.vn",
        sent=datetime(2026, 11, 24, 8, 0, tzinfo=ICT),
        status="Actual",
        msg_type="Alert",
        scope="Public",
        references=(),
        note="Bản tin số 3",
        infos=(
            CapInfo(
                language="vi-VN",
                categories=("Met", "Safety"),
                event="Bão số 9",
                urgency="Immediate",
                severity="Extreme",
                certainty="Observed",
                headline="Bão số 9 đổ bộ Quảng Ngãi – Bình Định",
                description="Gió mạnh cấp 12, giật cấp 15 & mưa rất to (<300 mm).",
                instruction="Di dời người dân khỏi khu vực ven biển trước 12 giờ.",
                web="https://nchmf.gov.vn/",
                sender_name="Trung tâm Dự báo khí tượng thủy văn quốc gia",
                effective=datetime(2026, 11, 24, 1, 0, tzinfo=UTC),
                onset=datetime(2026, 11, 24, 5, 0, tzinfo=UTC),
                expires=datetime(2026, 11, 25, 1, 0, tzinfo=UTC),
                areas=(
                    CapArea(
                        desc="Tỉnh Quảng Ngãi",
                        geocodes=(("VN-PROVINCE", "51"),),
                        polygons=(
                            (
                                (15.0, 108.5),
                                (15.5, 108.5),
                                (15.5, 109.2),
                                (15.0, 109.2),
                                (15.0, 108.5),
                            ),
                        ),
                        circles=((14.8, 108.9, 25.0),),
                    ),
                ),
            ),
        ),
    )


def test_sent_keeps_the_senders_offset_and_info_times_are_utc() -> None:
    message = parse(STORM.encode())

    assert message.sent.utcoffset() == timedelta(hours=7)
    assert all(t.tzinfo is UTC for t in (message.infos[0].effective, message.infos[0].expires))


def test_minus_zero_offset_means_utc() -> None:
    message = parse(storm(("2026-11-24T08:00:00+07:00</sent>", "2026-11-24T01:00:00-00:00</sent>")))

    assert message.sent == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", OASIS_EXAMPLES, ids=lambda p: p.name)
def test_official_oasis_examples_parse_and_round_trip(path) -> None:
    # All four use numeric offsets (e.g. -07:00), so the no-"Z" rule accepts them unchanged.
    message = parse(path.read_bytes())

    assert parse(to_xml(message)) == message


def test_oasis_example_fields() -> None:
    hsas, thunderstorm, quake, amber = (parse(p.read_bytes()) for p in OASIS_EXAMPLES)

    assert hsas.infos[0].language == "en-US"  # absent: CAP's default
    assert thunderstorm.infos[0].areas[0].polygons[0][0] == (38.47, -120.14)
    assert [g[1] for g in thunderstorm.infos[0].areas[0].geocodes] == ["006109", "006009", "006003"]
    assert thunderstorm.infos[0].expires == datetime(2003, 6, 17, 23, 0, tzinfo=UTC)
    assert quake.msg_type == "Update"
    assert quake.references == (
        ("trinet@caltech.edu", "TRI13970876.1", datetime(2003, 6, 12, 3, 30, tzinfo=UTC)),
    )
    assert quake.infos[0].areas[0].circles == ((32.9525, -115.5527, 0.0),)
    assert [i.language for i in amber.infos] == ["en-US", "es-US"]
    assert amber.infos[1].event == "Abducción de Niño"


def test_update_with_several_references() -> None:
    refs = (
        "canhbao@kttv.gov.vn,VN-KTTV-2026-0040,2026-11-23T20:00:00+07:00 "
        "canhbao@kttv.gov.vn,VN-KTTV-2026-0041,2026-11-24T02:00:00+07:00"
    )
    data = storm(
        ("<msgType>Alert</msgType>", "<msgType>Update</msgType>"),
        (
            "<note>Bản tin số 3</note>",
            f"<note>Bản tin số 3</note>\n  <references>{refs}</references>",
        ),
    )

    message = parse(data)

    assert [r[1] for r in message.references] == ["VN-KTTV-2026-0040", "VN-KTTV-2026-0041"]
    assert message.references[0][2] == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def test_cancel_needs_no_info() -> None:
    start, end = STORM.index("<info>"), STORM.index("</info>") + len("</info>")
    ref = "<references>canhbao@kttv.gov.vn,VN-KTTV-2026-0041,2026-11-24T02:00:00+07:00</references>"
    data = (STORM[:start] + ref + STORM[end:]).replace("Alert</msgType>", "Cancel</msgType>")

    message = parse(data.encode())

    assert message.msg_type == "Cancel"
    assert message.infos == ()


def test_references_on_an_alert_are_accepted_and_returned() -> None:
    ref = "<references>canhbao@kttv.gov.vn,VN-KTTV-2026-0041,2026-11-24T02:00:00+07:00</references>"
    message = parse(storm(("<note>Bản tin số 3</note>", f"<note>Bản tin số 3</note>{ref}")))

    assert message.msg_type == "Alert"
    assert message.references[0][1] == "VN-KTTV-2026-0041"


def test_utf8_byte_order_mark_and_xmldsig_signature_are_accepted() -> None:
    # xmlschema checks the signature against its bundled (local) xmldsig schema.
    signature = (
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        '<Reference URI=""><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        "<DigestValue>AAAA</DigestValue></Reference></SignedInfo>"
        "<SignatureValue>AAAA</SignatureValue></Signature>"
    )
    data = b"\xef\xbb\xbf" + storm(("</info>\n</alert>", f"</info>{signature}</alert>"))

    assert parse(data).identifier == "VN-KTTV-2026-0042"


def test_a_message_just_under_the_size_limit_is_accepted() -> None:
    padding = "x" * (MAX_CAP_BYTES - len(STORM.encode()) - 20)
    data = storm(("<note>Bản tin số 3</note>", f"<note>{padding}</note>"))

    assert len(data) <= MAX_CAP_BYTES
    assert parse(data).note == padding


def test_to_xml_writes_a_valid_utf8_cap_document() -> None:
    data = to_xml(parse(STORM.encode()))

    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(data)
    assert root.tag == f"{CAP_NS}alert"
    assert root.find(f"{CAP_NS}sent").text == "2026-11-24T08:00:00+07:00"
    assert root.find(f"{CAP_NS}info/{CAP_NS}expires").text == "2026-11-25T01:00:00+00:00"
    assert "Quảng Ngãi".encode() in data
    validate(data)
    assert parse(data) == parse(STORM.encode())


def test_to_xml_escapes_xml_special_characters() -> None:
    message = parse(STORM.encode())
    info = message.infos[0]
    tricky = """<b>Lũ & sạt lở</b> "ngay" 'bây giờ' ]]> &amp;"""
    changed = CapMessage(
        **{**message.__dict__, "infos": (CapInfo(**{**info.__dict__, "headline": tricky}),)}
    )

    assert parse(to_xml(changed)).infos[0].headline == tricky


def test_to_xml_strips_characters_xml_cannot_carry() -> None:
    message = parse(STORM.encode())
    info = CapInfo(
        **{
            **message.infos[0].__dict__,
            "headline": "Bão\x00 số\x1b 9\ud800",
            "description": "a\r\nb\rc",
        }
    )

    again = parse(to_xml(CapMessage(**{**message.__dict__, "infos": (info,)})))

    assert again.infos[0].headline == "Bão số 9"
    assert again.infos[0].description == "a\nb\nc"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"identifier": "VN KTTV 42"}, "identifier"),
        ({"sender": "a,b"}, "sender"),
        ({"sent": datetime(2026, 11, 24, 8, 0)}, "sent"),
        ({"status": "Real"}, "status"),
        ({"msg_type": "Update"}, "references"),
    ],
)
def test_to_xml_refuses_what_cap_cannot_say(change, field) -> None:
    message = CapMessage(**{**parse(STORM.encode()).__dict__, **change})

    with pytest.raises(CapError) as info:
        to_xml(message)

    assert field in [p["field"] for p in info.value.problems]


def test_to_xml_refuses_an_open_polygon() -> None:
    message = parse(STORM.encode())
    area = CapArea(desc="x", polygons=(((1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0)),))
    info = CapInfo(**{**message.infos[0].__dict__, "areas": (area,)})

    with pytest.raises(CapError) as exc:
        to_xml(CapMessage(**{**message.__dict__, "infos": (info,)}))

    assert exc.value.problems[0]["field"] == "info[0].area[0].polygon[0]"


def test_validate_accepts_good_cap_and_refuses_bad() -> None:
    validate(STORM.encode())
    with pytest.raises(CapError):
        validate(STORM.replace("+07:00</sent>", "</sent>").encode())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 24, 8, 0, tzinfo=ICT), "2026-11-24T08:00:00+07:00"),
        (datetime(2026, 11, 24, 1, 0, tzinfo=UTC), "2026-11-24T01:00:00+00:00"),
        (datetime(2026, 11, 24, 1, 0, 5, 999999, tzinfo=UTC), "2026-11-24T01:00:05+00:00"),
        (
            datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
            "2026-01-01T00:00:00-03:30",
        ),
        (
            datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(seconds=25))),
            "2025-12-31T23:59:35+00:00",
        ),
    ],
)
def test_format_time_uses_a_numeric_offset_never_z(value, expected) -> None:
    assert format_time(value) == expected


def test_format_time_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_time(datetime(2026, 11, 24, 8, 0))


def _feed(entries) -> ET.Element:
    data = atom_feed(
        entries,
        feed_id="urn:uuid:0b7e4c1e-3f7d-4a52-9f1e-5c0de1a1e7a1",
        title="Cảnh báo khẩn cấp <Quảng Ngãi>",
        self_url="https://signage.example.vn/api/v1/cap/alerts",
        updated=datetime(2026, 11, 24, 8, 5, tzinfo=ICT),
    )
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(data)


def test_atom_feed_has_one_entry_per_message() -> None:
    storm_message = parse(STORM.encode())
    quake = parse(OASIS_EXAMPLES[2].read_bytes())
    url = "https://signage.example.vn/api/v1/cap/alerts/7.xml"

    feed = _feed([(storm_message, url), (quake, url.replace("7", "8"))])

    assert feed.tag == f"{ATOM_NS}feed"
    assert feed.find(f"{ATOM_NS}id").text == "urn:uuid:0b7e4c1e-3f7d-4a52-9f1e-5c0de1a1e7a1"
    assert feed.find(f"{ATOM_NS}title").text == "Cảnh báo khẩn cấp <Quảng Ngãi>"
    assert feed.find(f"{ATOM_NS}updated").text == "2026-11-24T08:05:00+07:00"
    assert feed.find(f"{ATOM_NS}link").attrib == {
        "rel": "self",
        "href": "https://signage.example.vn/api/v1/cap/alerts",
    }
    entries = feed.findall(f"{ATOM_NS}entry")
    assert len(entries) == 2
    first = entries[0]
    assert first.find(f"{ATOM_NS}id").text == url
    assert first.find(f"{ATOM_NS}title").text == "Bão số 9 đổ bộ Quảng Ngãi – Bình Định"
    assert first.find(f"{ATOM_NS}updated").text == "2026-11-24T08:00:00+07:00"
    assert first.find(f"{ATOM_NS}link").attrib == {
        "rel": "alternate",
        "type": "application/cap+xml",
        "href": url,
    }
    assert first.find(f"{ATOM_NS}summary").text.startswith("Gió mạnh cấp 12, giật cấp 15 & mưa")
    assert first.find(f"{ATOM_NS}author/{ATOM_NS}name").text.startswith("Trung tâm Dự báo")
    assert entries[1].find(f"{ATOM_NS}title").text == "EQ 3.4 Imperial County CA"


def test_atom_feed_without_entries_or_infos_is_still_well_formed() -> None:
    cancel = CapMessage(
        identifier="VN-1",
        sender="canhbao@kttv.gov.vn",
        sent=datetime(2026, 11, 24, 9, 0, tzinfo=ICT),
        status="Actual",
        msg_type="Cancel",
        scope="Public",
        references=(("canhbao@kttv.gov.vn", "VN-0", datetime(2026, 11, 24, 8, 0, tzinfo=ICT)),),
    )

    assert _feed([]).findall(f"{ATOM_NS}entry") == []
    entry = _feed([(cancel, "https://signage.example.vn/api/v1/cap/alerts/9.xml")]).find(
        f"{ATOM_NS}entry"
    )
    assert entry.find(f"{ATOM_NS}title").text == "Cancel VN-1"
    validate(to_xml(cancel))
