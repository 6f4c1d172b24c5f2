"""CAP 1.2 bad input: each case is refused with a clear, located problem and nothing else escapes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signage.alerts.cap.message import MAX_CAP_BYTES, CapError, parse
from tests.alerts.capdocs import STORM, problem_for, problems_of, storm

CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request made to it (there must be none)."""
    requests: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<!ENTITY leak 'fetched'>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- Not a readable XML document --------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\t "], ids=["empty", "whitespace"])
def test_empty_body(data: bytes) -> None:
    assert "empty" in problem_for(data, "document")


def test_body_over_the_size_limit() -> None:
    data = storm(("<note>Bản tin số 3</note>", f"<note>{'x' * MAX_CAP_BYTES}</note>"))

    assert "limit is 262,144 bytes" in problem_for(data, "document")


def test_not_utf8() -> None:
    data = STORM.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("cp1258", "replace")

    assert "not valid UTF-8" in problem_for(data, "document")


def test_utf16_document() -> None:
    assert "not valid UTF-8" in problem_for(STORM.encode("utf-16"), "document")


def test_declared_encoding_other_than_utf8() -> None:
    data = STORM.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("ascii", "replace")

    assert "must be UTF-8" in problem_for(data, "document")


@pytest.mark.parametrize(
    "data", [b"hello", b'{"alert": 1}', b"<alert>"], ids=["text", "json", "open"]
)
def test_not_xml(data: bytes) -> None:
    assert "not well-formed XML" in problem_for(data, "document")


def test_truncated_xml() -> None:
    data = STORM.encode()[: len(STORM) // 2]

    assert "not well-formed XML" in problem_for(data, "document")


def test_control_character_in_text() -> None:
    data = storm(("<note>Bản tin số 3</note>", "<note>Bản tin\x01</note>"))

    assert "not well-formed XML" in problem_for(data, "document")


def test_str_instead_of_bytes() -> None:
    with pytest.raises(CapError, match="must be bytes"):
        parse(STORM)  # type: ignore[arg-type]


# --- DTDs and entities: refused before anything is expanded or fetched ----------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>
"""


def _with_doctype(doctype: str, *replacements: tuple[str, str]) -> bytes:
    return storm(
        (
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<?xml version="1.0" encoding="UTF-8"?>{doctype}',
        ),
        *replacements,
    )


def test_billion_laughs() -> None:
    assert "DTDs are not allowed" in problem_for(BILLION_LAUGHS, "document")


def test_external_entity_file(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    data = _with_doctype(doctype, ("<note>Bản tin số 3</note>", "<note>&xxe;</note>"))

    problems = problems_of(data)

    assert problems[0]["message"].startswith("DTDs are not allowed")
    assert "TOP-SECRET" not in repr(problems)


def test_external_entity_http_is_never_fetched(listener) -> None:
    url, requests = listener
    doctype = f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{url}/xxe">]>'
    data = _with_doctype(doctype, ("<note>Bản tin số 3</note>", "<note>&xxe;</note>"))

    assert "DTDs are not allowed" in problem_for(data, "document")
    assert requests == []


def test_external_parameter_entity_is_never_fetched(listener) -> None:
    url, requests = listener
    doctype = f'<!DOCTYPE alert [<!ENTITY % remote SYSTEM "{url}/dtd"> %remote;]>'

    assert "DTDs are not allowed" in problem_for(_with_doctype(doctype), "document")
    assert requests == []


@pytest.mark.parametrize(
    "doctype",
    [
        "<!DOCTYPE alert>",
        '<!DOCTYPE alert SYSTEM "cap.dtd">',
        "<!DOCTYPE alert [<!ELEMENT alert ANY>]>",
    ],
)
def test_any_dtd(doctype: str) -> None:
    assert "DTDs are not allowed" in problem_for(_with_doctype(doctype), "document")


def test_schema_location_hint_is_never_fetched(listener) -> None:
    url, requests = listener
    hint = (
        f'<alert xmlns="{CAP12}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{CAP12} {url}/cap.xsd">'
    )

    assert parse(storm((f'<alert xmlns="{CAP12}">', hint))).identifier == "VN-KTTV-2026-0042"
    assert requests == []


# --- XML that is not CAP 1.2 ------------------------------------------------------------------


def test_non_cap_xml() -> None:
    data = '<html xmlns="http://www.w3.org/1999/xhtml"><body>Bão</body></html>'.encode()

    assert "not a CAP message: the root element is <html>" in problem_for(data, "alert")


def test_cap_1_1() -> None:
    data = STORM.replace(CAP12, "urn:oasis:names:tc:emergency:cap:1.1").encode()

    assert problem_for(data, "alert").startswith("CAP 1.1 is not supported; send CAP 1.2")


def test_cap_1_0() -> None:
    data = STORM.replace(CAP12, "http://www.incident.com/cap/1.0").encode()

    assert problem_for(data, "alert").startswith("CAP 1.0 is not supported")


def test_wrong_namespace() -> None:
    data = STORM.replace(CAP12, "urn:example:alerts").encode()

    assert "namespace 'urn:example:alerts', not CAP 1.2" in problem_for(data, "alert")


def test_no_namespace() -> None:
    data = STORM.replace(f' xmlns="{CAP12}"', "").encode()

    assert "has no namespace" in problem_for(data, "alert")


def test_cap_namespace_but_not_an_alert() -> None:
    data = f'<info xmlns="{CAP12}"><event>x</event></info>'.encode()

    assert "root element is <info>" in problem_for(data, "alert")


def test_deeply_nested_elements() -> None:
    depth = 5000
    data = storm(
        ("<note>Bản tin số 3</note>", "<note>" + "<x>" * depth + "</x>" * depth + "</note>")
    )

    assert "nested more than 32 levels deep" in problem_for(data, "alert")


def test_huge_attribute() -> None:
    data = storm((f'<alert xmlns="{CAP12}">', f'<alert xmlns="{CAP12}" data="{"A" * 200_000}">'))

    problems = problems_of(data)

    assert "'data' attribute not allowed" in problems[0]["message"]
    assert sum(len(p["message"]) for p in problems) < 1000


def test_huge_attribute_over_the_limit() -> None:
    data = storm(
        (f'<alert xmlns="{CAP12}">', f'<alert xmlns="{CAP12}" data="{"A" * MAX_CAP_BYTES}">')
    )

    assert "limit is" in problem_for(data, "document")


def test_thousands_of_problems_are_summarised() -> None:
    area = "<area><areaDesc>x</areaDesc><circle>1,1 -1</circle></area>"
    data = storm(("<area>", area * 3000 + "<area>"))

    problems = problems_of(data)

    assert len(problems) == 51
    assert problems[-1] == {
        "field": "alert",
        "message": "… and 2,950 more problems of the same kinds.",
    }


def test_schema_is_loaded_once_from_the_package() -> None:
    import subprocess
    import sys

    # In a fresh interpreter: importing loads nothing; the first parse loads it; later ones reuse it.
    code = (
        "from signage.alerts.cap import message as cap, rules as cap_rules\n"
        "assert cap_rules.cap_schema.cache_info().currsize == 0\n"
        "from tests.alerts.capdocs import STORM\n"
        "cap.parse(STORM.encode()); cap.parse(STORM.encode())\n"
        "info = cap_rules.cap_schema.cache_info()\n"
        "assert (info.misses, info.hits) == (1, 1), info\n"
        "assert cap_rules.cap_schema().url.endswith('signage/alerts/data/CAP-v1.2.xsd')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
