"""Content-addressed media storage: the only code that knows where media files live.

A file is named by the SHA-256 of its bytes and sharded by the first two bytes of the hash:
`ab/cd/abcd....ext`. Writes go to a temporary file in the target directory, are flushed and
fsynced, then renamed over the final name, and the directory is fsynced: a crash leaves either
the whole file or nothing under its final name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

DEFAULT_EXTENSIONS = frozenset({"jpg", "png", "webp"})
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".tmp-"


class InvalidMediaKey(ValueError):
    """A hash or extension that does not name a media file (and could escape the root)."""


@dataclass(frozen=True)
class StoredFile:
    """A file in the store: its hash, path relative to the root (POSIX style) and size."""

    sha256: str
    relpath: str
    size: int


class MediaStore:
    """Content-addressed files under `root`, written atomically and durably."""

    def __init__(self, root: Path, extensions: Iterable[str] = DEFAULT_EXTENSIONS) -> None:
        self.root = Path(root)
        self.extensions = frozenset(extensions)

    def relpath(self, sha256: str, ext: str) -> str:
        """Path of a file relative to the root, e.g. 'ab/cd/abcd...ef.png'."""
        self._check(sha256, ext)
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"

    def path(self, sha256: str, ext: str) -> Path:
        """Absolute path of a file, whether or not it exists."""
        return self.root / self.relpath(sha256, ext)

    def exists(self, sha256: str, ext: str) -> bool:
        """True if the file is stored."""
        return self.path(sha256, ext).is_file()

    def open(self, sha256: str, ext: str) -> BinaryIO:
        """Open a stored file for reading (FileNotFoundError if absent)."""
        return self.path(sha256, ext).open("rb")

    def delete(self, sha256: str, ext: str) -> bool:
        """Remove a file; False if it was not there. Shard directories are kept."""
        try:
            self.path(sha256, ext).unlink()
        except FileNotFoundError:
            return False
        return True

    def put(self, data: bytes, ext: str) -> StoredFile:
        """Store bytes under their hash; an existing complete copy is not rewritten."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256, ext)
        stored = StoredFile(sha256, self.relpath(sha256, ext), len(data))
        try:
            if target.stat().st_size == len(data):
                return stored
        except FileNotFoundError:
            pass
        self._make_dirs(target.parent)
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.chmod(temp_name, 0o644)  # mkstemp makes 0600; the web server must read media
            os.replace(temp_name, target)
        except BaseException:
            try:
                os.unlink(temp_name)
            except FileNotFoundError:
                pass
            raise
        _fsync_dir(target.parent)
        return stored

    def _check(self, sha256: str, ext: str) -> None:
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise InvalidMediaKey(f"not a lowercase hex SHA-256: {sha256!r}")
        if ext not in self.extensions:
            raise InvalidMediaKey(f"extension {ext!r} is not one of {sorted(self.extensions)}")

    def _make_dirs(self, directory: Path) -> None:
        """Create missing shard directories, fsyncing each parent so the entries persist."""
        missing = []
        current = directory
        while not current.is_dir():
            missing.append(current)
            if current == self.root:
                break
            current = current.parent
        for new in reversed(missing):
            new.mkdir(exist_ok=True)
            _fsync_dir(new.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def init_app(app: Flask) -> None:
    """Build the app's media store from settings."""
    app.extensions["signage_media"] = MediaStore(app.config["SIGNAGE"].media_dir)


def media_store() -> MediaStore:
    """The current app's media store."""
    store: MediaStore = current_app.extensions["signage_media"]
    return store
