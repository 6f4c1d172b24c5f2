"""The on-disk cache: manifests, renditions by SHA-256, the active manifest pointer, a disk budget.

Layout under the cache dir:
    media/<sha256>.png        renditions and alert images, verified before they are kept
    manifests/<version>.json  HTTP answers {"version", "manifest"} as received
    active                    the version of the manifest being played (written last)

Every write is temp file + fsync + rename, so a crash leaves the old file or the new one, never
half of one; a manifest becomes active only once every file it needs is here and verified.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from signage_player import manifest as mf

log = logging.getLogger(__name__)
_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class HashMismatch(ValueError):
    """Downloaded bytes do not hash to the SHA-256 the server announced."""


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `path` atomically: temp file in the same dir, fsync, rename, fsync dir."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


class Cache:
    """Renditions by hash and manifests, under one directory, within a disk budget (bytes)."""

    def __init__(self, root: Path, budget: int) -> None:
        self.root, self.budget = Path(root), budget
        self.media = self.root / "media"
        self.manifests = self.root / "manifests"
        for d in (self.root, self.media, self.manifests):
            d.mkdir(parents=True, exist_ok=True)

    # --- media -----------------------------------------------------------------------------
    def path(self, sha: str) -> Path:
        """Where the file with this hash lives (whether or not it is there)."""
        if not mf.SHA256.match(sha):
            raise ValueError(f"not a SHA-256: {sha[:80]!r}")
        return self.media / f"{sha}.png"

    def has(self, sha: str) -> bool:
        """True when the file is cached (not re-hashed; `read` verifies)."""
        return self.path(sha).is_file()

    def put(self, sha: str, data: bytes) -> Path:
        """Keep `data` under its hash after checking it; HashMismatch when it is not `sha`."""
        actual = sha256_of(data)
        if actual != sha:
            raise HashMismatch(f"expected {sha}, got {actual} ({len(data)} bytes)")
        path = self.path(sha)
        atomic_write(path, data)
        return path

    def read(self, sha: str) -> bytes | None:
        """The verified bytes of a cached file; a corrupt file is deleted and None returned."""
        path = self.path(sha)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if sha256_of(data) != sha:
            log.warning("cached file %s is corrupt; deleting it", path.name)
            path.unlink(missing_ok=True)
            return None
        return data

    def missing(self, shas: Iterable[str]) -> list[str]:
        """Hashes among `shas` that are not cached or fail verification, in order."""
        return [s for s in dict.fromkeys(shas) if self.read(s) is None]

    def usage(self) -> int:
        """Bytes used by cached media."""
        total = 0
        for p in self.media.glob("*.png"):
            try:
                total += p.stat().st_size
            except OSError:
                pass
        return total

    def evict(self, keep: set[str]) -> list[str]:
        """Within the budget: delete least recently written files not in `keep`; their hashes."""
        files = []
        for p in self.media.glob("*.png"):
            try:
                st = p.stat()
            except OSError:
                continue
            files.append((st.st_mtime, p, st.st_size))
        total = sum(size for _, _, size in files)
        gone: list[str] = []
        for _mtime, p, size in sorted(files, key=lambda f: (f[0], f[1].name)):
            if total <= self.budget:
                break
            if p.stem in keep:
                continue
            p.unlink(missing_ok=True)
            total -= size
            gone.append(p.stem)
        if total > self.budget:
            log.warning(
                "cache holds %d bytes of needed files, over the %d budget", total, self.budget
            )
        for tmp in self.media.glob(".*.tmp"):  # leftovers of a crash mid-write
            tmp.unlink(missing_ok=True)
        return gone

    # --- manifests -----------------------------------------------------------------------
    def save_manifest(self, version: str, body: bytes) -> None:
        """Keep a manifest's HTTP answer (not active yet)."""
        if not _VERSION.match(version):
            raise ValueError(f"bad manifest version {version[:80]!r}")
        atomic_write(self.manifests / f"{version}.json", body)

    def activate(self, version: str) -> None:
        """Point `active` at a saved manifest (the last write of a swap); drop older manifests."""
        if not (self.manifests / f"{version}.json").is_file():
            raise FileNotFoundError(f"manifest {version} is not saved")
        atomic_write(self.root / "active", version.encode())
        for p in self.manifests.glob("*.json"):
            if p.stem != version:
                p.unlink(missing_ok=True)

    def active_version(self) -> str | None:
        """The version named by the `active` pointer, if any."""
        try:
            version = (self.root / "active").read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return version if _VERSION.match(version) else None

    def load_active(self) -> mf.Manifest | None:
        """The active manifest, parsed; None when absent or unreadable (logged)."""
        version = self.active_version()
        if version is None:
            return None
        try:
            body = json.loads((self.manifests / f"{version}.json").read_bytes())
            return mf.parse(body, version)
        except (OSError, ValueError) as exc:
            log.warning("cached manifest %s is unusable: %s", version, exc)
            return None
