"""The player's TOML config file: where the server is, the token, the cache and the output."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EXAMPLE = """\
server = "http://127.0.0.1:8080"
token_file = "/var/lib/signage-player/token"
cache_dir = "/var/lib/signage-player/cache"
disk_budget_mb = 512
log_level = "INFO"

[output]
kind = "window"          # or "frames"
x = 0
y = 0
width = 192
height = 96
borderless = true
"""


class ConfigError(Exception):
    """The config file is missing, unreadable or holds a wrong value (message says which)."""


@dataclass(frozen=True)
class OutputConfig:
    """Where frames go: a pygame window at exact geometry, or PNG files in a directory."""

    kind: str = "frames"
    x: int = 0
    y: int = 0
    width: int | None = None
    height: int | None = None
    borderless: bool = True
    fullscreen: bool = False
    dir: Path | None = None
    max_files: int = 50


@dataclass(frozen=True)
class Config:
    """Everything the player reads from its config file."""

    server: str
    cache_dir: Path
    token: str | None = None
    token_file: Path | None = None
    disk_budget: int = 512 * 1024 * 1024
    log_level: str = "INFO"
    heartbeat_s: float = 30.0
    pairing_poll_s: float = 4.0
    proof_batch_s: float = 60.0
    frame_s: float = 0.1
    output: OutputConfig = field(default_factory=OutputConfig)
    status_file: Path | None = None

    @property
    def token_path(self) -> Path:
        """Where a token obtained by pairing is kept (mode 0600)."""
        return self.token_file or self.cache_dir / "token"


def _get(
    data: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any, where: str
) -> Any:
    if key not in data:
        return default
    value = data[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise ConfigError(f"{where}{key}: expected {kinds[0].__name__}, got {value!r}")
    if not isinstance(value, kinds):
        raise ConfigError(f"{where}{key}: expected {kinds[0].__name__}, got {value!r}")
    return value


def _positive(value: Any, name: str, *, lo: float = 0) -> Any:
    if value is not None and value <= lo:
        raise ConfigError(f"{name}: must be greater than {lo:g}, got {value!r}")
    return value


def _output(data: Any, base: Path) -> OutputConfig:
    if not isinstance(data, dict):
        raise ConfigError('[output] must be a table, e.g. [output] kind = "frames"')
    known = {"kind", "x", "y", "width", "height", "borderless", "fullscreen", "dir", "max_files"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"[output]: unknown keys {unknown}; known: {sorted(known)}")
    kind = _get(data, "kind", str, "frames", "output.")
    if kind not in ("frames", "window"):
        raise ConfigError(f'output.kind: must be "frames" or "window", got {kind!r}')
    out_dir = _get(data, "dir", str, None, "output.")
    if kind == "frames" and not out_dir:
        raise ConfigError('output.dir: the frames output needs a directory, e.g. dir = "frames"')
    width = _positive(_get(data, "width", int, None, "output."), "output.width")
    height = _positive(_get(data, "height", int, None, "output."), "output.height")
    if (width is None) != (height is None):
        raise ConfigError("output.width and output.height: give both or neither")
    if width is not None and (width > 16384 or height > 16384):
        raise ConfigError("output.width/height: at most 16384 pixels")
    return OutputConfig(
        kind=kind,
        x=_get(data, "x", int, 0, "output."),
        y=_get(data, "y", int, 0, "output."),
        width=width,
        height=height,
        borderless=_get(data, "borderless", bool, True, "output."),
        fullscreen=_get(data, "fullscreen", bool, False, "output."),
        dir=(base / out_dir) if out_dir else None,
        max_files=_positive(_get(data, "max_files", int, 50, "output."), "output.max_files"),
    )


def parse(data: dict[str, Any], base: Path) -> Config:
    """Validate a decoded TOML document; relative paths are taken from `base`."""
    known = {
        "server", "token", "token_file", "cache_dir", "disk_budget_mb", "log_level",
        "heartbeat_s", "pairing_poll_s", "proof_batch_s", "frame_s", "output", "status_file",
    }  # fmt: skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown keys {unknown}; known: {sorted(known)}")
    server = _get(data, "server", str, None, "")
    if not server:
        raise ConfigError('server: required, e.g. server = "https://signage.example.vn"')
    url = urlparse(server)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ConfigError(f"server: must be an http:// or https:// URL, got {server!r}")
    cache_dir = _get(data, "cache_dir", str, None, "")
    if not cache_dir:
        raise ConfigError('cache_dir: required, e.g. cache_dir = "/var/lib/signage-player"')
    token = _get(data, "token", str, None, "")
    token_file = _get(data, "token_file", str, None, "")
    level = _get(data, "log_level", str, "INFO", "").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"log_level: one of {LOG_LEVELS}, got {level!r}")
    budget = _get(data, "disk_budget_mb", (int, float), 512, "")
    _positive(budget, "disk_budget_mb")
    status_file = _get(data, "status_file", str, None, "")
    return Config(
        server=server.rstrip("/"),
        cache_dir=base / cache_dir,
        token=token or None,
        token_file=(base / token_file) if token_file else None,
        disk_budget=int(budget * 1024 * 1024),
        log_level=level,
        heartbeat_s=_positive(_get(data, "heartbeat_s", (int, float), 30.0, ""), "heartbeat_s"),
        pairing_poll_s=min(5.0, max(0.2, _get(data, "pairing_poll_s", (int, float), 4.0, ""))),
        proof_batch_s=_positive(
            _get(data, "proof_batch_s", (int, float), 60.0, ""), "proof_batch_s"
        ),
        frame_s=min(1.0, max(0.02, _get(data, "frame_s", (int, float), 0.1, ""))),
        output=_output(data.get("output", {"kind": "window"}), base),
        status_file=(base / status_file) if status_file else None,
    )


def load(path: str | Path) -> Config:
    """Read and validate a config file; ConfigError with a message a person can act on."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        return parse(data, path.resolve().parent)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def read_token(config: Config) -> str | None:
    """The board token: from the config, else from the token file (first non-empty line)."""
    if config.token:
        return config.token
    try:
        text = config.token_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        logging.getLogger(__name__).warning("cannot read token file %s: %s", config.token_path, exc)
        return None
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            # A line copied from tokens.csv ("board_code,token") works too.
            return line.split(",")[-1].strip()
    return None
