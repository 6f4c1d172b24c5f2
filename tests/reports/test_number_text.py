"""The indicator pages' quick number text reads exactly like Babel's format_decimal."""

from __future__ import annotations

import random

import pytest
from flask_babel import force_locale, format_decimal

from signage.reports.views.indicator_tables import Numbers, number_text, percent_text

EDGES = [0, 1, 7, 999, 1000, 1234567, 179451810, 0.05, 0.15, 0.25, 0.35, 2.45, 99.95, 100.0]
EDGES += [12.0, 0.0, 3.04, 1e9 + 0.05, -1.25, float("nan")]


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_numbers_read_as_babel_writes_them(app, locale):
    rng = random.Random(14)
    values = EDGES + [rng.randint(0, 10**9) for _ in range(500)]
    values += [round(rng.random() * 100, rng.randint(0, 6)) for _ in range(500)]
    with app.test_request_context(), force_locale(locale):
        numbers = Numbers()
        for value in values:
            for pattern in ("#,##0.#", "#,##0.0"):
                assert numbers.text(value, pattern) == str(format_decimal(value, format=pattern))


def test_vietnamese_and_english_separators(app):
    with app.test_request_context():
        with force_locale("vi"):
            assert number_text(1234567.25) == "1.234.567,2"
            assert percent_text(0.12345) == "12,3 %"
            assert number_text(None) == "" and percent_text(None) == "—"
        with force_locale("en"):
            assert number_text(1234567) == "1,234,567"
            assert percent_text(1.0) == "100.0 %"
