"""The Vietnamese catalogue keeps to docs/glossary.md: no word of its "avoid" column."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import signage

ROOT = Path(signage.__file__).parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def avoided_words() -> dict[str, str]:
    """Each word of the glossary's "avoid" column, with the term it belongs to."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in (ROOT.parent / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("|")
    ]
    header, body = rows[0], [r for r in rows[2:] if len(r) == len(rows[0])]
    avoid = header.index("Avoid")
    return {w.strip().lower(): r[0] for r in body for w in r[avoid].split(";") if w.strip()}


def vietnamese_strings() -> list[tuple[str, str]]:
    """(msgid, msgstr) of every Vietnamese message, placeholders removed."""
    with open(ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale="vi")
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        out += [(msgid, PLACEHOLDER.sub(" ", s)) for s in strings if s]
    return out


def uses(text: str, word: str) -> bool:
    """True if the word or phrase appears as whole words (Vietnamese letters included)."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text.lower()) is not None


def test_the_glossary_names_words_to_avoid():
    words = avoided_words()
    assert {"máy phát", "bản dựng", "nhắm tới", "xoá"} <= set(words)


def test_vietnamese_messages_use_the_glossary_words():
    words = avoided_words()
    found = [
        f"{msgid!r}: {word!r} (glossary: {words[word]})"
        for msgid, text in vietnamese_strings()
        for word in words
        if uses(text, word)
    ]
    assert found == [], "\n".join(found)


def test_the_check_sees_an_avoided_word():
    assert uses("Hãy ghép nối lại Máy phát.", "máy phát")
    assert not uses("Hãy ghép nối lại thiết bị phát.", "máy phát")
    assert not uses("Đã xóa lịch phát.", "xoá")
