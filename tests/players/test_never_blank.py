"""Never blank (docs/protocol.md): gaps play the area's fallback playlist; past the manifest's
horizon the fallback playlist, else the last programme, loops; only without either does the
fallback screen (name and clock) show. Proof of play marks plays no schedule asked for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from signage_player import manifest as mf
from signage_player.player import Player
from tests.players.conftest import T0, FakeClock, document, entry, png, segment, sha

H = timedelta(hours=1)
RED, GREEN, BLUE, WHITE = (
    png((255, 0, 0)),
    png((0, 255, 0)),
    png((0, 0, 255)),
    png((255, 255, 255)),
)
END = T0 + 3 * H  # the horizon in these manifests


def doc(*, fallback: list[dict[str, Any]] | None = None, last_off: bool = True) -> dict:
    segments = [
        segment(T0, T0 + H, "programme", [entry(1, RED, 10), entry(2, GREEN, 5)]),
        segment(T0 + H, T0 + 2 * H, "fallback"),
        segment(T0 + 2 * H, END, "off" if last_off else "fallback"),
    ]
    extra = {"fallback_playlist": {"playlist": 9, "entries": fallback}} if fallback else {}
    return document(segments, to=mf.EPOCH.isoformat().replace("+00:00", "Z"), **extra)


def parsed(d: dict) -> mf.Manifest:
    return mf.parse(d, "v1")


FALLBACK = [entry(7, BLUE, 20), entry(8, WHITE, 10)]


def test_past_the_horizon_the_fallback_playlist_loops_from_the_horizon() -> None:
    m = parsed(doc(fallback=FALLBACK))
    assert m.horizon == END
    week = END + timedelta(days=7)
    for offset, item in ((0, 7), (19, 7), (20, 8), (29, 8), (30, 7)):
        airing = mf.airing_at(m, week + timedelta(seconds=offset))
        assert (airing.kind, airing.entry.item if airing.entry else None) == ("programme", item)
        assert airing.source == mf.FALLBACK_PLAYLIST
    airing = mf.airing_at(m, week + timedelta(seconds=25))
    assert airing.started == week + timedelta(seconds=20)  # 7 days = whole 30 s loops
    assert airing.until == week + timedelta(seconds=30)


def test_past_the_horizon_without_a_fallback_playlist_the_last_programme_loops() -> None:
    m = parsed(doc())  # the last segments are a gap and screen off: the programme before them
    week = END + timedelta(days=7)
    seen = [mf.airing_at(m, week + timedelta(seconds=s)) for s in (0, 10, 15)]
    assert [(a.kind, a.entry.item if a.entry else None) for a in seen] == [
        ("programme", 1),
        ("programme", 2),
        ("programme", 1),
    ]
    assert {a.source for a in seen} == {mf.LAST_PROGRAMME}


def test_past_the_horizon_with_nothing_ever_scheduled_the_fallback_screen_shows() -> None:
    m = parsed(document([segment(T0, END, "fallback")]))
    assert mf.airing_at(m, END + timedelta(days=7)).kind == "fallback"
    assert mf.airing_at(None, END).kind == "fallback"


def test_inside_the_horizon_gaps_play_the_fallback_playlist_and_off_stays_off() -> None:
    m = parsed(doc(fallback=FALLBACK))
    assert mf.airing_at(m, T0 + timedelta(seconds=12)).entry.item == 2  # the schedule first
    assert mf.airing_at(m, T0 + timedelta(seconds=12)).source is None
    gap = mf.airing_at(m, T0 + H + timedelta(seconds=21))
    assert (gap.kind, gap.entry.item, gap.source) == ("programme", 8, mf.FALLBACK_PLAYLIST)
    assert gap.started == T0 + H + timedelta(seconds=20)  # looped from the gap's start
    assert mf.airing_at(m, T0 + 2 * H - timedelta(seconds=1)).until == T0 + 2 * H
    assert mf.airing_at(m, T0 + 2 * H + timedelta(seconds=5)).kind == "off"
    # Without a fallback playlist a gap keeps the fallback screen (the schedule meant it).
    assert mf.airing_at(parsed(doc()), T0 + H + timedelta(seconds=21)).kind == "fallback"


def test_before_the_first_segment_the_fallback_playlist_keeps_a_steady_loop() -> None:
    m = parsed(doc(fallback=FALLBACK))
    a = mf.airing_at(m, T0 - timedelta(seconds=100))
    b = mf.airing_at(m, T0 - timedelta(seconds=99))
    assert a.kind == "programme" and a.source == mf.FALLBACK_PLAYLIST
    assert a.started == b.started and a.entry == b.entry  # one play, not a new one per frame


def test_the_fallback_playlist_files_are_cached_with_the_manifest() -> None:
    files = parsed(doc(fallback=FALLBACK)).files()
    assert {sha(BLUE), sha(WHITE), sha(RED), sha(GREEN)} == set(files)


@pytest.mark.parametrize(
    "bad",
    [
        "a list of entries",
        {"entries": "none"},
        {"entries": [{"item": 1}]},
        {"entries": [{**entry(7, BLUE), "sha256": "../../etc/passwd"}]},
        {"entries": [{**entry(7, BLUE), "url": "//evil.example/x.png"}]},
        {"entries": [{**entry(7, BLUE), "duration_s": 0}]},
        {"entries": [entry(7, BLUE)] * 1001},
    ],
)
def test_a_malformed_fallback_playlist_is_refused_with_the_manifest(bad: Any) -> None:
    with pytest.raises(mf.ManifestError, match="fallback_playlist"):
        parsed({**doc(), "fallback_playlist": bad})


def rig(config, d: dict) -> tuple[Player, FakeClock]:
    fake = FakeClock()
    player = Player(config, clock=mf.Clock(fake.mono, fake.wall))
    player.set_mode("playing")
    player.remember_board("HK-1", "Bảng tin Hồ Gươm", "led-192x96-mono")
    for f in (RED, GREEN, BLUE, WHITE):
        player.cache.put(sha(f), f)
    player.activate(parsed(d))
    return player, fake


@pytest.mark.parametrize(
    ("fallback", "colours", "source"),
    [
        (FALLBACK, [(0, 0, 255), (255, 255, 255)], "fallback_playlist"),
        (None, [(255, 0, 0), (0, 255, 0)], "last_programme"),
    ],
)
def test_a_week_offline_the_screen_plays_and_proof_of_play_says_why(
    config, fallback, colours, source
) -> None:
    player, fake = rig(config, doc(fallback=fallback))
    fake.advance((END - T0).total_seconds() + 7 * 86400)  # a week past the horizon
    shown: list[Any] = []
    for _ in range(300):  # 30 s at 10 frames a second
        player.frame(lambda key, image: shown.append((key, image.getpixel((0, 0)))))
        fake.advance(0.1)
    assert [c for _, c in shown][:2] == colours
    assert all(key[0] == "entry" for key, _ in shown)
    player.close()
    player.journal.seal()
    records = [r for b in player.journal.pending() for r in b.records]
    assert records and {r["source"] for r in records} == {source}
    assert {r["item_id"] for r in records} <= {7, 8, 1, 2}


def test_scheduled_plays_carry_no_marker(config) -> None:
    player, fake = rig(config, doc(fallback=FALLBACK))
    for _ in range(120):
        player.frame(lambda key, image: None)
        fake.advance(0.1)
    player.close()
    player.journal.seal()
    records = [r for b in player.journal.pending() for r in b.records]
    assert records and all("source" not in r for r in records)
