"""Cache: verified files, atomic manifest swap, corrupt files, eviction, restarts, bad input."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from signage_player.cache import Cache, HashMismatch
from signage_player.player import Player
from signage_player.sync import Sync
from tests.players.conftest import T0, FakeApi, answer, document, entry, png, segment, sha

RED, GREEN, BLUE = png((255, 0, 0)), png((0, 255, 0)), png((0, 0, 255))


def programme(*files: bytes) -> dict:
    return document(
        [
            segment(
                T0,
                T0 + timedelta(hours=10),
                "programme",
                [entry(i + 1, f) for i, f in enumerate(files)],
            )
        ]
    )


def rig(config) -> tuple[Player, FakeApi, Sync]:
    player = Player(config)
    player.board = {"code": "HK-1", "name": "Bảng tin", "profile": "led-192x96-mono"}
    api = FakeApi()
    return player, api, Sync(player, api, threading.Event())  # type: ignore[arg-type]


def serve(api: FakeApi, *files: bytes) -> None:
    for f in files:
        api.files[f"/media/{sha(f)}.png"] = f


def test_put_refuses_bytes_that_do_not_match_the_hash(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10**6)
    with pytest.raises(HashMismatch):
        cache.put(sha(RED), GREEN)
    assert not cache.has(sha(RED))
    cache.put(sha(RED), RED)
    assert cache.read(sha(RED)) == RED
    assert not list((tmp_path / "media").glob(".*.tmp"))


def test_a_corrupt_cached_file_is_deleted_and_reported_missing(tmp_path: Path) -> None:
    cache = Cache(tmp_path, 10**6)
    cache.put(sha(RED), RED)
    cache.path(sha(RED)).write_bytes(RED[:-10])  # a truncated file (disk trouble)
    assert cache.missing([sha(RED)]) == [sha(RED)]
    assert not cache.has(sha(RED))


def test_a_manifest_is_activated_only_when_every_file_is_verified(config) -> None:
    player, api, sync = rig(config)
    version, body = answer(programme(RED, GREEN))
    api.manifests.append((version, body))
    serve(api, RED)
    api.files[f"/media/{sha(GREEN)}.png"] = BLUE  # the server (or a proxy) sends wrong bytes
    sync._manifest(False)
    assert player.manifest is None and player.cache.active_version() is None

    api.manifests.append((version, body))
    serve(api, GREEN)
    sync._manifest(False)
    assert player.manifest is not None and player.manifest.version == version
    assert player.cache.active_version() == version
    assert api.fetched.count(f"/media/{sha(RED)}.png") == 1  # kept from the first try


def test_the_old_manifest_keeps_playing_until_the_new_one_is_complete(config) -> None:
    player, api, sync = rig(config)
    old, old_body = answer(programme(RED))
    serve(api, RED)
    api.manifests.append((old, old_body))
    sync._manifest(False)
    new, new_body = answer(programme(GREEN))
    api.manifests.append((new, new_body))  # GREEN is not served: the download fails
    sync._manifest(False)
    assert player.manifest.version == old
    assert player.cache.active_version() == old
    assert sync.retry_at > 0  # and it will try again


def test_an_interrupted_swap_leaves_the_old_manifest_active(config) -> None:
    player, api, sync = rig(config)
    old, old_body = answer(programme(RED))
    serve(api, RED)
    api.manifests.append((old, old_body))
    sync._manifest(False)
    new, new_body = answer(programme(GREEN))
    player.cache.save_manifest(new, new_body)  # the crash comes before the pointer is written
    assert Cache(config.cache_dir, config.disk_budget).load_active().version == old


def test_the_cached_programme_survives_a_restart_without_the_server(config) -> None:
    player, api, sync = rig(config)
    version, body = answer(programme(RED, GREEN))
    serve(api, RED, GREEN)
    api.manifests.append((version, body))
    sync._manifest(False)
    again = Player(config)  # a new process: nothing from the network
    assert again.manifest is not None and again.manifest.version == version
    assert again.cache.missing(again.manifest.files()) == []


def test_eviction_keeps_the_files_of_the_active_and_pending_manifests(tmp_path: Path) -> None:
    files = [bytes([i]) * 100 for i in range(6)]
    cache = Cache(tmp_path, budget=3 * len(files[0]))
    for age, f in enumerate(files):
        cache.put(sha(f), f)
        os.utime(cache.path(sha(f)), (1000 + age, 1000 + age))
    keep = {sha(files[0]), sha(files[5])}  # the oldest is still needed
    gone = cache.evict(keep)
    assert gone == [sha(files[1]), sha(files[2]), sha(files[3])]  # least recently written first
    assert cache.has(sha(files[0])) and cache.has(sha(files[4])) and cache.has(sha(files[5]))
    assert cache.usage() <= cache.budget


def test_eviction_never_deletes_needed_files_even_over_budget(tmp_path: Path) -> None:
    cache = Cache(tmp_path, budget=1)
    cache.put(sha(RED), RED)
    assert cache.evict({sha(RED)}) == []
    assert cache.has(sha(RED))


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"version": "v1", "manifest": {"segments": "all"}}).encode(),
        json.dumps({"version": "v1", "manifest": {"segments": [{"start": 1}]}}).encode(),
        json.dumps(
            {"version": "v1", "manifest": document([segment(T0, T0, "programme", [])])}
        ).encode(),
        json.dumps({"version": "v1", "manifest": programme(RED) | {"tz": 7}}).encode(),
        json.dumps(
            {
                "version": "v1",
                "manifest": document(
                    [
                        segment(
                            T0,
                            T0 + timedelta(hours=1),
                            "programme",
                            [entry(1, RED) | {"sha256": "../../etc/passwd"}],
                        )
                    ]
                ),
            }
        ).encode(),
        json.dumps(
            {
                "version": "v1",
                "manifest": document(
                    [
                        segment(
                            T0,
                            T0 + timedelta(hours=1),
                            "programme",
                            [entry(1, RED) | {"url": "http://evil.example/x.png"}],
                        )
                    ]
                ),
            }
        ).encode(),
        json.dumps(
            {
                "version": "v1",
                "manifest": document(
                    [
                        segment(
                            T0,
                            T0 + timedelta(hours=1),
                            "programme",
                            [entry(1, RED) | {"duration_s": 10**12}],
                        )
                    ]
                ),
            }
        ).encode(),
        json.dumps(
            {
                "version": "v1",
                "manifest": document([segment(T0, T0 + timedelta(hours=1), "party", [])]),
            }
        ).encode(),
    ],
)
def test_a_malformed_manifest_is_refused_and_the_old_one_keeps_playing(config, body: bytes) -> None:
    player, api, sync = rig(config)
    old, old_body = answer(programme(RED))
    serve(api, RED)
    api.manifests += [(old, old_body), ("v1", body)]
    sync._manifest(False)
    sync._manifest(False)
    assert player.manifest.version == old
    assert player.cache.active_version() == old


def test_a_bad_version_string_cannot_escape_the_cache_dir(config) -> None:
    player, api, sync = rig(config)
    _, body = answer(programme(RED))
    serve(api, RED)
    api.manifests.append(("../../evil", body))
    sync._manifest(False)
    assert player.manifest is None
    assert not (config.cache_dir.parent / "evil.json").exists()
