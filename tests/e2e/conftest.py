"""The e2e tests' fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signage_testing.processes import Server
from tests.e2e.stack import demo_server


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    """The demo installation with an approver for area 31, served (a test module may have its
    own `server`, as test_console_browser.py does)."""
    yield from demo_server(tmp_path)
