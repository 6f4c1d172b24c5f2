"""The network side under hostile input, refusals and commands (no real sockets here)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from signage_player import manifest as mf
from signage_player.backoff import Backoff
from signage_player.link import HOURLY_S, Link
from signage_player.player import Player
from tests.players.conftest import T0, FakeApi, document, entry, iso, png, segment, sha

RED = png((255, 0, 0))


def rig(config) -> tuple[Player, Link]:
    player = Player(config)
    player.set_mode("playing")
    player.remember_board("HK-1", "Bảng tin", "led-192x96-mono")
    player.cache.put(sha(RED), RED)
    seg = segment(T0 - timedelta(days=1), T0 + timedelta(days=3650), "programme", [entry(1, RED)])
    player.activate(mf.parse(document([seg]), "v1"))
    link = Link(player, threading.Event())
    return player, link


HOSTILE = [
    None,
    "state",
    12,
    [],
    {"board": "HK-1"},
    {"board": {"code": 5, "name": None}, "profile": ["x"], "server_time": "noon", "alerts": "all"},
    {"server_time": "9" * 10_000, "alerts": [None, 1, {"id": "x"}], "manifest_version": {"a": 1}},
    {"id": None, "name": "reload"},
    {"id": "x" * 10_000, "name": "format-disk"},
    {"batch_id": ["a"]},
    {"code": None, "message": {"nested": [1] * 1000}, "batch_id": 5},
    {"id": 1, "version": 1, "severity": "extreme", "headline": 5},
]


@pytest.mark.parametrize("data", HOSTILE)
def test_hostile_events_are_logged_and_playback_goes_on(config, data) -> None:
    player, link = rig(config)
    for name in (
        "state",
        "manifest",
        "command",
        "ack",
        "revoked",
        "error",
        "alert",
        "alert_cancel",
    ):
        if name == "revoked":
            continue
        Link._guard(name, getattr(link, f"on_{name}"))(data)
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append(key))
    assert shown[-1][0] == "entry"
    assert player.manifest.version == "v1"


def test_state_syncs_clock_board_alerts_and_asks_for_a_newer_manifest(config) -> None:
    player, link = rig(config)
    link.on_state(
        {
            "board": {"code": "HK-1", "name": "Bảng tin Hồ Gươm"},
            "profile": "led-256x128-3c",
            "manifest_version": "v2",
            "server_time": iso(T0),
            "alerts": [
                {"id": 4, "version": 1, "severity": "minor", "headline": "x", "images": {}},
                {"id": "bad"},
            ],
        }
    )
    assert player.size() == (256, 128)
    assert player.board["name"] == "Bảng tin Hồ Gươm"
    assert sorted(player.alerts.alerts) == [4]
    assert abs((player.clock.now() - T0).total_seconds()) < 5
    jobs = {link.sync.jobs.get_nowait()[0] for _ in range(link.sync.jobs.qsize())}
    assert jobs == {"alert_images", "manifest"}


def test_commands_are_answered(config) -> None:
    player, link = rig(config)
    sent: list[Any] = []
    player.send = link.emit = lambda event, payload, callback=None: sent.append(payload) or True  # type: ignore[method-assign]
    link.on_command({"id": "c1", "name": "identify"})
    link.on_command({"id": "c2", "name": "dance"})
    link.on_command({"id": "c3", "name": "reload"})
    assert sent[0] == {"command_id": "c1", "ok": True, "detail": "identified for 30 s"}
    assert sent[1]["ok"] is False and "dance" in sent[1]["detail"]
    assert sent[2]["ok"] is True

    api = FakeApi()
    link.sync.api = api  # type: ignore[assignment]
    link.sync.current_image = lambda: None
    link.sync._screenshot("c4")
    assert sent[-1] == {"command_id": "c4", "ok": False, "detail": "nothing on screen yet"}
    from PIL import Image

    link.sync.current_image = lambda: Image.new("RGB", (192, 96), "red")
    link.sync._screenshot("c5")
    assert sent[-1] == {"command_id": "c5", "ok": True, "detail": "/media/x.png"}
    assert api.uploads[0].startswith(b"\x89PNG")


class Stop:
    """A stop event that records waits and stops the loop after a few."""

    def __init__(self, rounds: int) -> None:
        self.rounds, self.waits = rounds, []

    def is_set(self) -> bool:
        return len(self.waits) >= self.rounds

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self.is_set()

    def set(self) -> None:
        self.rounds = 0


def loop(config, refusals: list[str], rounds: int) -> tuple[Link, Stop, list[str]]:
    player = Player(config)
    config.token_path.parent.mkdir(parents=True, exist_ok=True)
    config.token_path.write_text("sgb_one\n", encoding="utf-8")
    stop = Stop(rounds)
    link = Link(player, stop, backoff=Backoff(rand=lambda lo, hi: hi))  # type: ignore[arg-type]
    link.sync.start = lambda: None  # type: ignore[method-assign]
    calls: list[str] = []

    def session(token: str) -> float:
        link.refused = refusals.pop(0) if refusals else ""
        calls.append(token)
        return 0.0

    def pair() -> None:
        calls.append("pair")
        stop.wait(1)

    link.session, link.pair = session, pair  # type: ignore[method-assign]
    return link, stop, calls


def test_network_errors_back_off_exponentially(config) -> None:
    link, stop, calls = loop(config, ["", "", ""], rounds=4)
    link.run()
    assert calls == ["sgb_one"] * 4
    assert stop.waits == [1, 2, 4, 8]


def test_revoked_deletes_the_token_and_pairs_without_retrying(config) -> None:
    link, stop, calls = loop(config, ["revoked"], rounds=1)
    link.run()
    assert calls == ["sgb_one", "pair"]
    assert not config.token_path.exists()


def test_unauthorized_pairs_without_retrying_the_token(config) -> None:
    link, stop, calls = loop(config, ["unauthorized"], rounds=2)
    link.run()
    assert calls == ["sgb_one", "pair", "pair"]
    assert link.player.mode == "not_paired"


def test_unsupported_protocol_retries_hourly(config) -> None:
    link, stop, calls = loop(config, ["unsupported_protocol", "unsupported_protocol"], rounds=2)
    link.run()
    assert stop.waits == [HOURLY_S, HOURLY_S]
    assert link.player.mode == "update"


def test_a_revoked_event_stops_the_session_and_deletes_the_token(config) -> None:
    player, link = rig(config)
    config.token_path.write_text("sgb_gone\n", encoding="utf-8")
    link.token = "sgb_gone"
    link.on_revoked({"code": "revoked"})
    assert link.revoked and player.mode == "not_paired"
    assert not config.token_path.exists()
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append(key))
    assert shown[-1][0] == "pair"
