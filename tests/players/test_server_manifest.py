"""The player reads the manifests the server really makes (guards the documented format)."""

from __future__ import annotations

import json
from datetime import timedelta

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.schedules.manifests import regenerate
from signage.schedules.models import BoardManifest
from signage.schedules.playlists import create_playlist
from signage.schedules.services import ScheduleInput, save_schedule
from signage_player import manifest as mf
from tests.schedules.conftest import (  # noqa: F401 - fixtures
    admin,
    approved_item,
    approver,
    boards,
    emits,
    english,
    publisher,
    store,
)


def test_server_manifest_parses_and_plays(session, store, admin, approver, boards, publisher):  # noqa: F811
    board = boards["hk"]
    board.hours = {str(d): ["05:00-23:00"] for d in range(7)}  # nights are "off"
    items = [approved_item(session, store, admin, board.area, headline=f"Tin {i}") for i in (1, 2)]
    playlist = create_playlist(
        session, Actor(admin), name="P", area=board.area,
        entries=[(i.id, 7) for i in items], now=system_clock(),
    )  # fmt: skip
    save_schedule(
        session,
        Actor(admin),
        ScheduleInput(
            target_kind="board", target=board.code, playlist_id=playlist.id,
            windows=["08:00-12:00"], weekdays=list(range(7)), name="Sáng",
        ),
        now=system_clock(),
        publisher=publisher,
    )  # fmt: skip
    now = system_clock()
    regenerate(session, [board.id], now=now, store=store)
    row = session.get(BoardManifest, board.id)
    body = json.loads(f'{{"version":"{row.version}","manifest":{row.document}}}')
    manifest = mf.parse(body)

    assert manifest.version == row.version and manifest.board == board.code
    assert {s.kind for s in manifest.segments} == {"programme", "fallback", "off"}
    assert manifest.to is not None and manifest.to >= now + timedelta(hours=48)
    for a, b in zip(manifest.segments, manifest.segments[1:], strict=False):
        assert a.end == b.start  # contiguous
    programme = next(s for s in manifest.segments if s.kind == "programme")
    assert [e.item for e in programme.entries] == [i.id for i in items]
    assert all(store.path(e.sha256, "png").is_file() for e in programme.entries)
    airing = mf.airing_at(manifest, programme.start + timedelta(seconds=8))
    assert airing.entry.item == items[1].id  # 7 s each: the second one at +8 s
