"""User text: NFC normalisation and rejection of controls that hide or reorder text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signage.content.ingest import BIDI_CONTROLS, TextRejected, normalise_text


def test_text_is_nfc_normalised_and_trimmed() -> None:
    decomposed = unicodedata.normalize("NFD", "  Cảnh báo bão số 3: người dân không ra khơi  ")

    text = normalise_text(decomposed, max_len=200, field="headline")

    assert text == "Cảnh báo bão số 3: người dân không ra khơi"
    assert unicodedata.is_normalized("NFC", text)


def test_stacked_diacritics_compose_to_single_code_points() -> None:
    for letter in ("ệ", "ở", "ặ", "ỹ"):
        nfd = unicodedata.normalize("NFD", letter)
        assert len(nfd) > 1
        assert normalise_text(nfd, max_len=5, field="headline") == letter


def test_body_keeps_newlines_and_tabs_and_collapses_crlf() -> None:
    text = normalise_text("Dòng một\r\n\tDòng hai\rDòng ba", max_len=100, field="body")

    assert text == "Dòng một\n\tDòng hai\nDòng ba"


@pytest.mark.parametrize(
    "text", ["Tin\nkhẩn", "Tin\tkhẩn", "Tin\x00khẩn", "Tin\x1bkhẩn", "Tin\x85khẩn"]
)
def test_control_characters_are_rejected_in_headlines(text: str) -> None:
    with pytest.raises(TextRejected) as caught:
        normalise_text(text, max_len=100, field="headline")

    assert caught.value.code == "control_character"
    assert caught.value.params["field"] == "headline"
    assert caught.value.params["position"] == 3


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x7f", "\x9b", "\u2028", "\ud800"])
def test_control_characters_are_rejected_in_body(char: str) -> None:
    with pytest.raises(TextRejected) as caught:
        normalise_text(f"Nội{char}dung", max_len=100, field="body", multiline=False)

    assert caught.value.code == "control_character"


@pytest.mark.parametrize("point", sorted(BIDI_CONTROLS))
def test_bidi_overrides_embeddings_and_isolates_are_rejected(point: int) -> None:
    with pytest.raises(TextRejected) as caught:
        normalise_text(f"Số tiền: {chr(point)}000.001", max_len=100, field="body")

    assert caught.value.code == "bidi_control"
    assert caught.value.params["char"] == f"U+{point:04X}"


def test_direction_marks_are_allowed() -> None:
    assert normalise_text("a\u200eb\u200fc", max_len=10, field="body") == "a\u200eb\u200fc"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", "\u3000"])
def test_blank_text_is_rejected(text: str) -> None:
    with pytest.raises(TextRejected) as caught:
        normalise_text(text, max_len=10, field="body")

    assert caught.value.code == "blank"


def test_text_over_max_len_is_rejected_after_normalisation() -> None:
    assert normalise_text(unicodedata.normalize("NFD", "ệệệ"), max_len=3, field="body") == "ệệệ"

    with pytest.raises(TextRejected) as caught:
        normalise_text("ệệệệ", max_len=3, field="body")

    assert caught.value.code == "too_long"
    assert caught.value.params == {"field": "body", "length": 4, "max_len": 3}


@given(st.text(max_size=60))
def test_accepted_text_is_always_clean(raw: str) -> None:
    try:
        text = normalise_text(raw, max_len=50, field="body")
    except TextRejected as error:
        assert error.code in {"blank", "too_long", "control_character", "bidi_control"}
        return
    assert unicodedata.is_normalized("NFC", text)
    assert 0 < len(text) <= 50
    assert text == text.strip()
    assert not any(ord(c) in BIDI_CONTROLS for c in text)
    assert all(c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs") for c in text)
    assert "\r" not in text
