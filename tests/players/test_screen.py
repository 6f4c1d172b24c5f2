"""The screen: never blank, black when off, frames on change, the pygame window, proof of play."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from signage_player import manifest as mf
from signage_player.config import OutputConfig
from signage_player.outputs import FramesOutput, open_output
from signage_player.player import Player, geometry
from tests.players.conftest import T0, FakeClock, document, entry, png, segment, sha

RED, GREEN = png((255, 0, 0)), png((0, 255, 0))
WIDE = png((0, 0, 255), (600, 96))  # a ticker's strip: the first frame is shown for now


def rig(
    config, segments: list[dict[str, Any]], files=(RED, GREEN, WIDE)
) -> tuple[Player, FakeClock]:
    fake = FakeClock()
    player = Player(config, clock=mf.Clock(fake.mono, fake.wall))
    player.set_mode("playing")
    player.remember_board("HK-1", "Bảng tin Hồ Gươm", "led-192x96-mono")
    for f in files:
        player.cache.put(sha(f), f)
    player.activate(mf.parse(document(segments), "v1"))
    return player, fake


def lit(image: Image.Image) -> bool:
    return image.convert("RGB").getbbox() is not None


def test_geometry_comes_from_the_profile_key() -> None:
    assert geometry("led-192x96-mono") == (192, 96)
    assert geometry("lcd-1080x1920") == (1080, 1920)
    assert geometry("custom") is None and geometry("x-1x1") is None


def test_fallback_shows_name_clock_and_date_never_blank(config) -> None:
    player, _ = rig(config, [segment(T0, T0 + timedelta(hours=1), "fallback")])
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append((key, image)))
    key, image = shown[-1]
    assert key[:3] == ("fallback", "Phường Hoàn Kiếm", "08:00 01/01/2026")  # Ha Noi time
    assert image.size == (192, 96) and lit(image)


def test_no_manifest_at_all_still_shows_the_fallback(config) -> None:
    player = Player(config)
    player.set_mode("playing")
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append((key, image)))
    assert shown[-1][0][0] == "fallback" and lit(shown[-1][1])


def test_screen_off_is_a_black_frame(config) -> None:
    player, _ = rig(config, [segment(T0, T0 + timedelta(hours=1), "off")])
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append((key, image)))
    assert shown[-1][0][0] == "off" and not lit(shown[-1][1])


def test_entries_take_turns_and_each_airing_is_recorded(config) -> None:
    seg = segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, RED, 10), entry(2, GREEN, 5)])
    player, fake = rig(config, [seg])
    shown: list[Any] = []
    for _ in range(160):  # 16 s at 10 frames a second
        player.frame(lambda key, image: shown.append((key, image.getpixel((0, 0)))))
        fake.advance(0.1)
    assert [c for _, c in shown] == [(255, 0, 0), (0, 255, 0), (255, 0, 0)]
    player.journal.seal()
    [batch] = player.journal.pending()
    assert [(r["item_id"], r["revision_id"], r["start"]) for r in batch.records] == [
        (1, 10, "2026-01-01T01:00:00Z"),
        (2, 20, "2026-01-01T01:00:10Z"),
    ]
    assert [round(r["duration_s"]) for r in batch.records] == [10, 5]
    assert player.current_item == 1


def test_a_scrolling_entry_shows_its_first_frame_statically(config) -> None:
    seg = segment(T0, T0 + timedelta(hours=1), "programme", [entry(3, WIDE, 10, scrolls=True)])
    player, _ = rig(config, [seg])
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append(image))
    assert shown[-1].size == (192, 96) and shown[-1].getpixel((191, 95)) == (0, 0, 255)


def test_a_missing_or_corrupt_rendition_falls_back_instead_of_blanking(config) -> None:
    seg = segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, RED, 10)])
    player, _ = rig(config, [seg])
    asked: list[bool] = []
    player.want_files = lambda: asked.append(True)
    player.cache.path(sha(RED)).write_bytes(b"\x89PNG garbage")
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append((key, image)))
    assert shown[-1][0][0] == "error" and lit(shown[-1][1])  # the fallback screen, drawn
    assert asked == [True]  # and the file is fetched again
    player.frame(lambda key, image: shown.append((key, image)))
    assert shown[-1][0][0] == "fallback"  # the corrupt file was deleted
    player.cache.path(sha(RED)).unlink(missing_ok=True)
    player.frame(lambda key, image: shown.append((key, image)))
    assert len(shown) == 2 and asked == [True]  # no redraw, no second request within 30 s
    player.cache.put(sha(RED), RED)  # what the sync worker does
    player.frame(lambda key, image: shown.append((key, image)))
    assert shown[-1][0][0] == "entry"


def test_identify_shows_code_and_name_over_the_programme(config) -> None:
    seg = segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, RED, 10)])
    player, _ = rig(config, [seg])
    player.identify()
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append(key))
    assert shown[-1][:3] == ("identify", "HK-1", "Bảng tin Hồ Gươm")
    player.identify_until = 0  # 30 s later
    player.frame(lambda key, image: shown.append(key))
    assert shown[-1][0] == "entry"


def test_pairing_screen_shows_the_code(config) -> None:
    player = Player(config)
    player.set_mode("pairing", "K7M4QP")
    shown: list[Any] = []
    player.frame(lambda key, image: shown.append((key, image)))
    assert shown[-1][0][:2] == ("pair", "K7M4QP") and lit(shown[-1][1])


def test_frames_output_writes_only_when_the_picture_changes(tmp_path: Path) -> None:
    out = FramesOutput(tmp_path / "frames", (192, 96), max_files=3)
    a, b = Image.new("RGB", (192, 96), "red"), Image.new("RGB", (192, 96), "blue")
    for key, image in [("a", a), ("a", a), ("b", b), ("a", a), ("b", b), ("a", a)]:
        out.show(key, image)
    frames = sorted(p.name for p in (tmp_path / "frames").glob("frame-*.png"))
    assert frames == ["frame-000003.png", "frame-000004.png", "frame-000005.png"]
    with Image.open(tmp_path / "frames" / "current.png") as current:
        assert current.convert("RGB").getpixel((0, 0)) == (255, 0, 0)
    again = FramesOutput(tmp_path / "frames", (192, 96))  # numbering continues after a restart
    again.show("b", b)
    assert (tmp_path / "frames" / "frame-000006.png").exists()


def test_window_output_at_exact_geometry(monkeypatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    out = open_output(OutputConfig(kind="window", x=10, y=20, width=192, height=96), (192, 96))
    try:
        assert out.screen.get_size() == (192, 96)  # type: ignore[attr-defined]
        out.show("k", Image.new("RGB", (192, 96), (0, 255, 0)))
        assert tuple(out.screen.get_at((100, 50)))[:3] == (0, 255, 0)  # type: ignore[attr-defined]
        assert out.tick() is True
        out.resize((256, 128))  # type: ignore[attr-defined]
        assert out.screen.get_size() == (256, 128)  # type: ignore[attr-defined]
    finally:
        out.close()
