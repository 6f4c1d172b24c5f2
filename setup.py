"""Build hook: ship the browser player (players/web) inside the wheel as signage/players/webplayer.

Everything else is configured in pyproject.toml. Editable installs serve players/web directly
(signage.web.player.player_dir looks there when the packaged copy is absent).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PLAYER = Path(__file__).parent / "players" / "web"


class BuildWithPlayer(build_py):
    """build_py that also copies the browser player's files into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "signage" / "players" / "webplayer"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(PLAYER, target)


setup(cmdclass={"build_py": BuildWithPlayer})
