"""What airs when: segments by time, entries looping from the segment start, clock skew."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from signage_player import manifest as mf
from tests.players.conftest import T0, FakeClock, document, entry, png, segment

A, B = png((255, 0, 0)), png((0, 255, 0))


def sample() -> mf.Manifest:
    h = timedelta(hours=1)
    return mf.parse(
        document(
            [
                segment(T0 - h, T0, "off"),
                segment(T0, T0 + h, "programme", [entry(1, A, 10), entry(2, B, 5)]),
                segment(T0 + h, T0 + 2 * h, "fallback"),
            ]
        ),
        "v1",
    )


@pytest.mark.parametrize(
    ("offset_s", "kind", "item"),
    [
        (-7200, "fallback", None),  # before the manifest: never blank
        (-1, "off", None),
        (0, "programme", 1),
        (9.9, "programme", 1),
        (10, "programme", 2),
        (14.9, "programme", 2),
        (15, "programme", 1),  # the playlist loops
        (3600 - 1, "programme", 2),  # 3599 % 15 == 14: the second entry
        (3600, "fallback", None),
        (7200, "fallback", None),  # after the manifest
    ],
)
def test_airing_by_time(offset_s: float, kind: str, item: int | None) -> None:
    airing = mf.airing_at(sample(), T0 + timedelta(seconds=offset_s))
    assert airing.kind == kind
    assert (airing.entry.item if airing.entry else None) == item


def test_an_entry_reports_when_it_started_and_ends() -> None:
    airing = mf.airing_at(sample(), T0 + timedelta(seconds=37))  # loop 3 (30 s), item 1 at +7 s
    assert airing.started == T0 + timedelta(seconds=30)
    assert airing.until == T0 + timedelta(seconds=40)


def test_an_entry_is_cut_at_the_segment_end() -> None:
    airing = mf.airing_at(sample(), T0 + timedelta(seconds=3598))
    assert airing.until == T0 + timedelta(hours=1)


def test_no_manifest_means_the_fallback() -> None:
    assert mf.airing_at(None, T0).kind == "fallback"


def test_the_clock_is_monotonic_and_corrected_by_server_time() -> None:
    fake = FakeClock()
    clock = mf.Clock(mono=fake.mono, wall=fake.wall)
    assert clock.now() == T0
    fake.mono_t += 5  # the wall clock is stuck (or jumps); the monotonic one is trusted
    fake.wall_t -= 3600
    assert clock.now() == T0 + timedelta(seconds=5)
    server = T0 + timedelta(minutes=10)
    skew = clock.sync(server)
    assert skew == pytest.approx(600 + 3600)  # server minus the (stuck, set back) wall clock
    assert clock.now() == server
    fake.mono_t += 2
    assert clock.now() == server + timedelta(seconds=2)


def test_skew_picks_the_segment_the_server_means() -> None:
    fake = FakeClock(T0 - timedelta(minutes=30))  # the box's clock is 30 min slow: "off"
    clock = mf.Clock(mono=fake.mono, wall=fake.wall)
    assert mf.airing_at(sample(), clock.now()).kind == "off"
    clock.sync(T0 + timedelta(seconds=12))
    airing = mf.airing_at(sample(), clock.now())
    assert (airing.kind, airing.entry.item) == ("programme", 2)


def test_an_empty_programme_is_the_fallback_and_segments_are_sorted() -> None:
    h = timedelta(hours=1)
    m = mf.parse(
        document([segment(T0 + h, T0 + 2 * h, "off"), segment(T0, T0 + h, "programme", [])]), "v"
    )
    assert [s.kind for s in m.segments] == ["fallback", "off"]


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        {"segments": None},
        document(
            [
                segment(T0, T0 + timedelta(hours=2), "off"),
                segment(T0 + timedelta(hours=1), T0 + timedelta(hours=3), "off"),
            ]
        ),
        document([{"start": "yesterday", "end": "today", "kind": "off"}]),
        document([{"start": "2026-01-01T00:00:00", "end": "2026-01-01T01:00:00", "kind": "off"}]),
        document(
            [segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, A) | {"item": True}])]
        ),
        document(
            [segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, A) | {"item": 2**40}])]
        ),
        document(
            [segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, A) | {"duration_s": 0}])]
        ),
        document(
            [segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, A) | {"scrolls": "yes"}])]
        ),
        document(
            [segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, A) | {"url": "//evil/x"}])]
        ),
        document([segment(T0, T0 + timedelta(hours=1), "programme", ["entry"])]),
        document([segment(T0, T0 + timedelta(hours=1), "off")] * 2),
        document([]) | {"fallback": "x" * 10_000},
        document([]) | {"to": 12},
    ],
)
def test_malformed_documents_are_refused_with_a_reason(doc) -> None:
    with pytest.raises(mf.ManifestError):
        mf.parse(doc, "v1")


def test_an_unknown_zone_falls_back_to_viet_nam() -> None:
    m = mf.parse(document([]) | {"tz": "Mars/Olympus"}, "v")
    assert mf.zone(m.tz).key == "Asia/Ho_Chi_Minh"
    assert datetime(2026, 1, 1, tzinfo=UTC).astimezone(m.zone).hour == 7
