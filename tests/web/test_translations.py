"""The message catalogs: Vietnamese complete and compiled, English present, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import signage

TRANSLATIONS = Path(signage.__file__).parent / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _po(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def _mo(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        return read_mo(fh)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_vietnamese_catalog_is_complete_and_not_fuzzy():
    catalog = _po("vi")
    assert len(catalog) > 100
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not catalog.fuzzy


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_placeholders_survive_translation(lang):
    for message in _po(lang):
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        for translated in _strings(message):
            if translated:
                assert set(PLACEHOLDER.findall(translated)) <= set(PLACEHOLDER.findall(source)), (
                    message.id
                )
                assert set(PLACEHOLDER.findall(source)) - {"num"} <= set(
                    PLACEHOLDER.findall(translated)
                ), message.id


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_compiled_catalog_matches_the_po(lang):
    def norm(x):
        return tuple(x) if isinstance(x, (list, tuple)) else x

    po = {norm(m.id): norm(m.string) for m in _po(lang) if m.id}
    mo = {norm(m.id): norm(m.string) for m in _mo(lang) if m.id}
    assert po == mo, "run `make translations` (pybabel compile) after editing the .po"


def test_catalogs_cover_the_template():
    with open(TRANSLATIONS / "messages.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    for lang in ("vi", "en"):
        assert template <= {m.id for m in _po(lang) if m.id}, lang


def test_vietnamese_is_nfc():
    import unicodedata

    for message in _po("vi"):
        for s in _strings(message):
            assert unicodedata.is_normalized("NFC", s), message.id


def test_every_string_in_the_sources_is_translated():
    """New _()/_l() strings need a Vietnamese translation: run `make translations`, translate."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = Path(signage.__file__).parent
    with open(root.parent / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    # The browser player's page (players/web) is translated through the same catalogs.
    found = {
        (message if isinstance(message, str) else message[0], filename)
        for source in (root, root.parent / "players" / "web")
        for filename, _line, message, _comments, _context in extract_from_dir(
            str(source), method_map, options_map, keywords=keywords
        )
    }
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0]) for m in _po("vi") if m.id and all(_strings(m))
    }
    missing = sorted(f"{filename}: {msgid}" for msgid, filename in found if msgid not in translated)
    assert missing == [], "\n".join(missing)
