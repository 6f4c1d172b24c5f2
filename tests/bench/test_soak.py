"""bench/soak.py with a handful of players for half a minute, so the soak does not rot.

The real production server (gunicorn, gevent worker) on the pass's database (a scratch
PostgreSQL database next to SIGNAGE_TEST_DATABASE_URL, else SQLite), real websocket players.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from bench import soak

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("postgresql")]


def test_a_short_soak_reports_real_numbers_and_no_errors(tmp_path: Path) -> None:
    url = os.environ.get("SIGNAGE_TEST_DATABASE_URL", "")
    out = tmp_path / "soak.md"
    summary = soak.main(
        ["--players", "6", "--minutes", "0.4", "--alert-every", "0.15", "--hold", "1",
         "--sample-every", "5", "--pop-every", "4", "--timeout", "30", "--out", str(out),
         "--db", url if url.startswith("postgresql") else "sqlite"]
    )  # fmt: skip
    assert summary is not None
    assert summary["errors"] == 0, summary["errors_detail"]
    assert summary["connected"] == 6 and summary["disconnects"] == 0
    for key in ("rss_start_mib", "rss_end_mib", "rss_growth_pct", "cpu_avg_pct", "connect_s"):
        assert isinstance(summary[key], float) and math.isfinite(summary[key]), key
    assert summary["rss_start_mib"] > 10
    # Two alerts went out and came back: every player displayed and cleared each one.
    assert summary["alerts"] == 2 and summary["alerts_failed"] == 0
    assert summary["missing_receipts"] == 0 and summary["server_short"] == 0
    # Players beat (every 30 s, the first at random) and synced; every proof-of-play record posted is in the database once.
    assert summary["heartbeats"] > 0 and summary["alert_syncs"] >= 6 * 3
    assert summary["pop_records_posted"] > 0
    assert summary["pop_records_stored"] == summary["pop_records_posted"]
    assert summary["pop_batches_acked"] == summary["pop_batches_posted"]
    table = out.read_text(encoding="utf-8")
    assert "| **errors** | **0**" in table
    assert out.with_suffix(".json").exists()


@pytest.mark.parametrize("option", ["--players", "--minutes", "--alert-every", "--pop-every"])
def test_nonsense_options_are_refused_before_anything_starts(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        soak.main([option, "0", "--db", "sqlite"])
    assert exc.value.code == 2
    assert "must be positive" in capsys.readouterr().err
