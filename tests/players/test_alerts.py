"""Alerts: which one shows, rotation, expiry, cancel, persistence, preemption, receipts."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from signage_player import alerts as al
from signage_player import manifest as mf
from signage_player.link import Link
from signage_player.player import Player
from tests.players.conftest import T0, FakeClock, document, entry, iso, png, segment, sha

PICTURE = png((255, 255, 0))


def alert(id_: int, severity: str = "severe", version: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "version": version,
        "category": "storm",
        "severity": severity,
        "headline": f"Bão số {id_}",
        "body": "Người dân không ra khơi.",
        "expires_at": None,
        "images": {},
        **extra,
    }


def held(*docs: dict[str, Any]) -> al.AlertSet:
    s = al.AlertSet()
    for d in docs:
        s.upsert(al.parse(d))
    return s


def test_the_most_severe_shows_first_then_the_newest() -> None:
    s = held(alert(1, "minor"), alert(2, "extreme"), alert(3, "extreme"), alert(4, "severe"))
    assert [a.id for a in s.active(T0)] == [3, 2, 4, 1]
    assert s.showing(T0, 0).id == 3


def test_equally_severe_alerts_take_turns_every_ten_seconds() -> None:
    s = held(alert(1, "severe"), alert(2, "severe"), alert(3, "minor"))
    shown = [s.showing(T0, t).id for t in (0, 9.9, 10, 19.9, 20, 30)]
    assert shown == [2, 2, 1, 1, 2, 1]


def test_an_alert_stops_by_itself_at_expiry() -> None:
    s = held(alert(1, expires_at=iso(T0 + timedelta(minutes=5))), alert(2, "minor"))
    assert s.showing(T0, 0).id == 1
    later = T0 + timedelta(minutes=5)
    assert s.showing(later, 0).id == 2
    assert [a.id for a in s.prune(later)] == [1]


def test_cancel_and_versions() -> None:
    s = held(alert(1, version=2))
    assert s.upsert(al.parse(alert(1, version=1))) is False  # an older version is ignored
    assert s.cancel(1, 1) is None  # a cancel older than what we show is ignored
    assert s.cancel(1, 3).version == 2
    assert s.showing(T0, 0) is None
    assert s.cancel(1, 3) is None  # cancelling twice is harmless


def test_state_replaces_the_whole_set() -> None:
    s = held(alert(1), alert(2))
    dropped = s.replace([al.parse(alert(2)), al.parse(alert(3))])
    assert [a.id for a in dropped] == [1]
    assert sorted(s.alerts) == [2, 3]


def test_alerts_survive_a_restart_until_cancel(tmp_path) -> None:
    path = tmp_path / "alerts.json"
    s = al.AlertSet(path)
    s.upsert(al.parse(alert(7, "extreme")))
    assert al.AlertSet(path).showing(T0, 0).id == 7
    s.cancel(7, 2)
    assert al.AlertSet(path).showing(T0, 0) is None
    path.write_text("[{]", encoding="utf-8")
    assert al.AlertSet(path).alerts == {}  # an unreadable file costs nothing but the alerts


@pytest.mark.parametrize(
    "doc",
    [
        None,
        "alert",
        alert(1) | {"id": "1"},
        alert(1) | {"id": True},
        alert(1) | {"id": -3},
        alert(1) | {"version": None},
        alert(1) | {"severity": "apocalyptic"},
        alert(1) | {"headline": ["x"]},
        alert(1) | {"expires_at": "soon"},
        alert(1) | {"images": []},
    ],
)
def test_malformed_alerts_are_refused(doc) -> None:
    with pytest.raises(al.AlertError):
        al.parse(doc)


def test_a_malformed_image_costs_the_picture_not_the_alert() -> None:
    a = al.parse(alert(1, images={"led-192x96-mono": {"url": "http://evil/x.png", "sha256": "00"}}))
    assert a.images == {} and a.headline == "Bão số 1"
    huge = al.parse(alert(2, headline="B" * 100_000))
    assert len(huge.headline) == al.MAX_TEXT


def playing(config) -> tuple[Player, FakeClock]:
    fake = FakeClock()
    player = Player(config, clock=mf.Clock(fake.mono, fake.wall))
    player.set_mode("playing")
    player.remember_board("HK-1", "Bảng tin Hồ Gươm", "led-192x96-mono")
    red = png((255, 0, 0))
    player.cache.put(sha(red), red)
    doc = document([segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, red, 60)])])
    player.activate(mf.parse(doc, "v1"))
    return player, fake


def test_an_alert_preempts_the_programme_on_the_next_frame_and_cancel_returns(config) -> None:
    player, fake = playing(config)
    link = Link(player, threading.Event())
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append(key))
    assert shown[-1][0] == "entry"

    link.on_alert(alert(12, "extreme"))  # mid-item: no waiting for the item to end
    fake.advance(0.1)
    player.frame(lambda key, image: shown.append((key, image)))
    key, image = shown[-1]
    assert key[:4] == ("alert", 12, 1, "text")  # no picture cached: the player draws the text
    assert image.getpixel((0, 0)) == (200, 0, 0)
    assert player.current_item is None

    link.on_alert_cancel({"id": 12, "version": 2})
    fake.advance(0.1)
    player.frame(lambda key, image: shown.append(key))
    assert shown[-1][0] == "entry"
    # Offline: both receipts wait on disk for the next connection.
    assert player.receipts.take() == [
        ("alert_receipt", {"id": 12, "version": 1, "status": "displayed"}),
        ("alert_receipt", {"id": 12, "version": 2, "status": "cleared"}),
    ]


def test_the_profile_picture_is_shown_once_fetched_and_verified(config) -> None:
    player, fake = playing(config)
    link = Link(player, threading.Event())
    digest = sha(PICTURE)
    images = {"led-192x96-mono": {"url": f"/media/{digest}.png", "sha256": digest}}
    link.on_alert(alert(5, images=images))
    keys: list[Any] = []
    player.frame(lambda key, image: keys.append(key))
    assert keys[-1][3] == "text"
    player.cache.put(digest, PICTURE)  # what the sync worker does
    fake.advance(0.1)
    player.frame(lambda key, image: keys.append((key, image)))
    key, image = keys[-1]
    assert key[3] == "image" and image.getpixel((5, 5)) == (255, 255, 0)


def test_receipts_go_out_at_once_when_connected(config) -> None:
    player, _ = playing(config)
    sent: list[Any] = []
    player.send = lambda event, payload: sent.append((event, payload)) or True
    player.connected = True
    Link(player, threading.Event()).on_alert(alert(3))
    player.send = lambda event, payload: sent.append((event, payload)) or True  # Link rebinds
    player.frame(lambda key, image: None)
    assert sent == [("alert_receipt", {"id": 3, "version": 1, "status": "displayed"})]
    assert player.receipts.take() == []


@pytest.mark.parametrize("into_turn", [0.1, 5.0, 9.9])
@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        (alert(9), (9, 1)),  # a new alert, newest of its severity
        (alert(3), (3, 1)),  # a new alert that sorts last among its peers (a lower id)
        (alert(5, version=2), (5, 2)),  # a new version of the alert waiting for its turn
    ],
)
def test_a_new_alert_of_equal_severity_shows_on_the_next_frame(
    config, into_turn, arrival, expected
) -> None:
    player, fake = playing(config)
    link = Link(player, threading.Event())
    link.on_alert(alert(5))
    link.on_alert(alert(7))
    keys: list[Any] = []

    def tick(seconds: float) -> tuple[int, int]:
        fake.advance(seconds)
        player.frame(lambda key, image: keys.append(key))
        return player.shown_key[1], player.shown_key[2]

    assert tick(0) == (7, 1)  # the newest first
    assert tick(into_turn) == (7, 1)
    link.on_alert(arrival)
    assert tick(0.1) == expected  # the next frame, wherever the rotation was
    assert tick(9.8) == expected  # a whole turn for it
    rest = [a for a in (9, 7, 5, 3) if a in player.alerts.alerts]
    after = rest[(rest.index(expected[0]) + 1) % len(rest)]
    assert tick(0.2)[0] == after  # then the rotation goes on from it


def test_a_less_severe_alert_waits_and_a_more_severe_one_does_not(config) -> None:
    player, fake = playing(config)
    link = Link(player, threading.Event())
    link.on_alert(alert(5, "severe"))
    keys: list[Any] = []
    player.frame(lambda key, image: keys.append(key))
    link.on_alert(alert(8, "minor"))
    for _ in range(30):  # 30 s: the severe one holds the screen, turn after turn
        fake.advance(1.0)
        player.frame(lambda key, image: keys.append(key))
    assert player.shown_key[1] == 5
    link.on_alert(alert(2, "extreme"))  # more severe: at once, despite its lower id
    fake.advance(0.1)
    player.frame(lambda key, image: keys.append(key))
    assert player.shown_key[1] == 2
    link.on_alert_cancel({"id": 2, "version": 1})
    link.on_alert_cancel({"id": 5, "version": 1})
    fake.advance(0.1)
    player.frame(lambda key, image: keys.append(key))
    assert player.shown_key[1] == 8  # its turn comes once the more severe ones end


def test_an_alert_new_in_the_state_list_shows_at_once_and_a_held_one_keeps_its_turn() -> None:
    s = held(alert(4), alert(6))
    assert s.showing(T0, 1003.0).id == 6
    s.replace([al.parse(alert(4)), al.parse(alert(6))])  # a reconnect: nothing changed
    assert s.showing(T0, 1004.0).id == 6
    s.replace([al.parse(alert(4)), al.parse(alert(6)), al.parse(alert(2))])
    assert s.showing(T0, 1004.1).id == 2
    assert s.showing(T0, 1014.0).id == 2 and s.showing(T0, 1014.2).id == 6
