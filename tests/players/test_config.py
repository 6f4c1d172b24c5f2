"""The config file: valid examples load; every mistake names the key and exits non-zero."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from signage_player.config import EXAMPLE, ConfigError, load, read_token

GOOD = """
server = "http://127.0.0.1:8080/"
cache_dir = "cache"
token_file = "token"
disk_budget_mb = 64
[output]
kind = "frames"
dir = "frames"
width = 192
height = 96
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "player.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_config_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, GOOD))
    assert cfg.server == "http://127.0.0.1:8080"
    assert cfg.cache_dir == tmp_path / "cache"
    assert cfg.token_path == tmp_path / "token"
    assert cfg.disk_budget == 64 * 1024 * 1024
    assert (cfg.output.kind, cfg.output.width, cfg.output.height) == ("frames", 192, 96)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, EXAMPLE))
    assert cfg.output.kind == "window" and cfg.output.borderless


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cache_dir = 'c'", "server: required"),
        ("server = 'ftp://x'\ncache_dir = 'c'", "http:// or https://"),
        ("server = 'http://x'", "cache_dir: required"),
        ("server = 'http://x'\ncache_dir = 'c'\nport = 1", "unknown keys ['port']"),
        ("server = 'http://x'\ncache_dir = 'c'\ndisk_budget_mb = 'lots'", "disk_budget_mb"),
        ("server = 'http://x'\ncache_dir = 'c'\ndisk_budget_mb = -1", "greater than 0"),
        ("server = 'http://x'\ncache_dir = 'c'\nlog_level = 'LOUD'", "log_level"),
        ("server = 'http://x'\ncache_dir = 'c'\nheartbeat_s = true", "heartbeat_s"),
        ("server = 'http://x'\ncache_dir = 'c'\n[output]\nkind = 'tv'", "output.kind"),
        ("server = 'http://x'\ncache_dir = 'c'\n[output]\nkind = 'frames'", "output.dir"),
        ("server = 'http://x'\ncache_dir = 'c'\n[output]\nkind='window'\nwidth=10", "both"),
        ("server = 'http://x'\ncache_dir = 'c'\n[output]\nkind='window'\nx='0'", "output.x"),
        ("server = 'http://x'\ncache_dir = 'c'\noutput = 3", "[output] must be a table"),
        ("server = 'http://x'\ncache_dir = ", "not valid TOML"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=".*" + message.replace("[", r"\[").replace("]", r"\]")):
        load(write(tmp_path, text))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load(tmp_path / "nope.toml")


def test_a_bad_config_exits_non_zero_with_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, "server = 'http://x'\n")
    done = subprocess.run(
        [sys.executable, "-m", "signage_player", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "cache_dir: required" in done.stderr
    assert "Traceback" not in done.stderr


def test_token_file_accepts_a_bare_token_or_a_tokens_csv_line(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, GOOD))
    assert read_token(cfg) is None
    (tmp_path / "token").write_text("# board HK-1\nsgb_abc\n", encoding="utf-8")
    assert read_token(cfg) == "sgb_abc"
    (tmp_path / "token").write_text("HK-1,sgb_def\n", encoding="utf-8")
    assert read_token(cfg) == "sgb_def"
