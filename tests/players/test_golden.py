"""The golden manifests (tests/players/golden/*.json) through the Python player's selection
logic: `manifest.airing_at` for the programme, `AlertSet.showing` for the takeover alert.

The browser player's schedule.js runs over the same files (players/web/tests/schedule.test.mjs,
`node --test players/web/tests/`), so both players air the same thing at the same instant.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from signage_player import alerts as al
from signage_player import manifest as mf

GOLDEN = Path(__file__).parent / "golden"
FILES = sorted(GOLDEN.glob("*.json"))


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _answers(golden: dict[str, Any]) -> list[dict[str, Any]]:
    """What the Python player airs at each case's instant, in the golden file's terms."""
    manifest = mf.parse(golden["manifest"]) if golden["manifest"] is not None else None
    alerts = al.AlertSet(None)
    alerts.replace([al.parse(doc) for doc in golden.get("alerts", [])])
    answers = []
    for case in golden["cases"]:  # in order: alert turns depend on the frames before
        at = mf.parse_time(case["at"], "at")
        airing = mf.airing_at(manifest, at)
        shown = alerts.showing(at, float(case.get("mono", 0)), golden.get("profile", ""))
        answers.append(
            {
                "kind": airing.kind,
                "item": airing.entry.item if airing.entry else None,
                "source": airing.source,
                "started": _iso(airing.started),
                "until": _iso(airing.until),
                "alert": shown.id if shown else None,
            }
        )
    return answers


def _cases() -> list[Any]:
    params = []
    for path in FILES:
        golden = json.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(golden["cases"]):
            params.append(pytest.param(path, i, id=f"{path.stem}-{i}-{case['at']}"))
    return params


def test_the_golden_files_cover_the_rules() -> None:
    names = {p.stem for p in FILES}
    assert {
        "normal_rotation",
        "span_boundary",
        "operating_hours",
        "past_horizon_fallback_playlist",
        "past_horizon_last_programme",
        "alert_preempts",
        "alert_priority",
    } <= names


@pytest.mark.parametrize(("path", "index"), _cases())
def test_python_player_matches_golden(path: Path, index: int) -> None:
    golden = json.loads(path.read_text(encoding="utf-8"))
    case = golden["cases"][index]
    answer = _answers(golden)[index]
    expected = {key: case[key] for key in answer}
    assert answer == expected, case.get("why", "")
