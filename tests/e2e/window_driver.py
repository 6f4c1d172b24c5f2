"""Drives the Python player's real frame loop into its pygame window AND its frames output.

Run by tests/e2e/test_player_window.py under Xvfb (DISPLAY set, SDL_VIDEODRIVER=x11):
`python -m tests.e2e.window_driver WORKDIR`. WORKDIR/cases.json holds the profile, the window
position, the manifest document, the files and the cases (an instant, and optionally an alert
to hold). For each case it draws one frame into both outputs, prints `shown NAME` and waits for
a line on stdin (the test's screenshot) before the next case.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

from signage_player import alerts as al
from signage_player import manifest as mf
from signage_player.config import Config, OutputConfig
from signage_player.outputs import FramesOutput, open_output
from signage_player.player import Player


def main(work: Path) -> None:
    spec = json.loads((work / "cases.json").read_text(encoding="utf-8"))
    start = datetime.fromisoformat(spec["start"]).timestamp()
    now = {"wall": start, "mono": 1000.0}
    window_cfg = OutputConfig(kind="window", x=spec["x"], y=spec["y"], borderless=True)
    config = Config(server="http://127.0.0.1:9", cache_dir=work / "cache", output=window_cfg)
    player = Player(config, clock=mf.Clock(lambda: now["mono"], lambda: now["wall"]))
    player.set_mode("playing")
    player.remember_board(spec["board"], "Bảng tin thử", spec["profile"])
    for data in spec["files"]:
        raw = base64.b64decode(data)
        player.cache.put(hashlib.sha256(raw).hexdigest(), raw)
    player.activate(mf.parse(spec["manifest"], "v1"))
    window = open_output(window_cfg, player.size())
    frames = FramesOutput(work / "frames", player.size())

    def both(key: object, image) -> None:  # what the display loop does, into two outputs
        window.show(key, image)
        frames.show(key, image)

    try:
        for case in spec["cases"]:
            now["wall"] = start + case["at_s"]
            now["mono"] = 1000.0 + case["at_s"]
            with player.lock:
                for held in list(player.alerts.active(player.clock.now())):
                    player.alerts.cancel(held.id, held.version)
                if case.get("alert"):
                    player.alerts.upsert(al.parse(case["alert"]))
            player.frame(both)
            window.tick()
            print(f"shown {case['name']} {player.shown_key[0]}", flush=True)
            if sys.stdin.readline().strip() != "next":
                break
    finally:
        window.close()
        player.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
