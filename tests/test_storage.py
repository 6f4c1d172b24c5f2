"""MediaStore: content addressing, atomic durable writes, dedup, no way out of the root."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signage.storage import InvalidMediaKey, MediaStore

DATA = b"\x89PNG\r\n\x1a\n not really, but bytes are bytes"
SHA = hashlib.sha256(DATA).hexdigest()


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_stores_bytes_under_sharded_hash(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)

    stored = store.put(DATA, "png")

    assert stored.sha256 == SHA
    assert stored.relpath == f"{SHA[:2]}/{SHA[2:4]}/{SHA}.png"
    assert stored.size == len(DATA)
    assert (tmp_path / stored.relpath).read_bytes() == DATA
    assert store.path(SHA, "png") == tmp_path / stored.relpath
    assert store.exists(SHA, "png")
    with store.open(SHA, "png") as handle:
        assert handle.read() == DATA
    assert all_files(tmp_path) == [tmp_path / stored.relpath]


def test_put_creates_a_missing_root(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")

    stored = store.put(DATA, "jpg")

    assert (tmp_path / "media" / stored.relpath).read_bytes() == DATA


def test_stored_files_are_readable_by_others(tmp_path: Path) -> None:
    stored = MediaStore(tmp_path).put(DATA, "png")

    assert (tmp_path / stored.relpath).stat().st_mode & 0o777 == 0o644


def test_same_bytes_are_stored_once_and_not_rewritten(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    first = store.put(DATA, "png")
    before = os.stat(tmp_path / first.relpath)

    second = store.put(DATA, "png")

    after = os.stat(tmp_path / second.relpath)
    assert second == first
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(all_files(tmp_path)) == 1


def test_a_damaged_copy_is_replaced(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    stored = store.put(DATA, "png")
    (tmp_path / stored.relpath).write_bytes(DATA[:5])

    store.put(DATA, "png")

    assert (tmp_path / stored.relpath).read_bytes() == DATA


def test_failed_rename_leaves_no_partial_or_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = MediaStore(tmp_path)

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)

    with pytest.raises(OSError, match="disk full"):
        store.put(DATA, "png")

    assert not store.exists(SHA, "png")
    assert all_files(tmp_path) == []


def test_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = MediaStore(tmp_path)

    def failing_fsync(fd: int) -> None:
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", failing_fsync)

    with pytest.raises(OSError, match="I/O error"):
        store.put(DATA, "png")

    assert all_files(tmp_path) == []


def test_put_fsyncs_the_file_and_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)

    stored = MediaStore(tmp_path).put(DATA, "png")

    shard = str(tmp_path / SHA[:2] / SHA[2:4])
    assert any(Path(p).name.startswith(".tmp-") for p in synced)  # the data, before rename
    assert synced[-1] == shard  # the directory entry, after rename
    assert (tmp_path / stored.relpath).exists()


def test_concurrent_puts_of_the_same_bytes_agree(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    data = os.urandom(1 << 20)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(store.put(data, "webp"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({r.relpath for r in results}) == 1
    assert all_files(tmp_path) == [tmp_path / results[0].relpath]
    assert (tmp_path / results[0].relpath).read_bytes() == data


def test_delete(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    store.put(DATA, "png")

    assert store.delete(SHA, "png") is True
    assert not store.exists(SHA, "png")
    assert store.delete(SHA, "png") is False
    with pytest.raises(FileNotFoundError):
        store.open(SHA, "png")


@pytest.mark.parametrize(
    ("sha", "ext"),
    [
        ("../../../../etc/passwd", "png"),
        ("..", "png"),
        ("/etc/passwd", "png"),
        (SHA[:-2] + "/x", "png"),
        (SHA.upper(), "png"),
        (SHA[:-1], "png"),
        (SHA + "0", "png"),
        (SHA + "\n", "png"),
        (SHA[:-1] + "\x00", "png"),
        ("", "png"),
        (SHA, "png/../../../x"),
        (SHA, "../x"),
        (SHA, "/png"),
        (SHA, "PNG"),
        (SHA, ".png"),
        (SHA, "html"),
        (SHA, "svg"),
        (SHA, ""),
        (SHA, "png\x00"),
    ],
)
def test_keys_that_could_escape_the_root_are_rejected(tmp_path: Path, sha: str, ext: str) -> None:
    store = MediaStore(tmp_path)

    for call in (store.path, store.exists, store.open, store.delete, store.relpath):
        with pytest.raises(InvalidMediaKey):
            call(sha, ext)


@pytest.mark.parametrize("ext", ["../x", "html", "png/x", ""])
def test_put_rejects_extensions_outside_the_whitelist(tmp_path: Path, ext: str) -> None:
    with pytest.raises(InvalidMediaKey):
        MediaStore(tmp_path).put(DATA, ext)
    assert all_files(tmp_path) == []


@given(sha=st.text(max_size=80), ext=st.text(max_size=12))
def test_any_accepted_key_stays_inside_the_root(sha: str, ext: str) -> None:
    root = Path("/srv/media")
    store = MediaStore(root)
    try:
        path = store.path(sha, ext)
    except InvalidMediaKey:
        return
    assert path.resolve().is_relative_to(root)
    assert path.parent.parent.parent == root
