"""The task counter's bookkeeping without a browser: loads and actions add up, records from
several tasks share one file, and the table shows them in task order."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.tasks import Counter, counts_path, table


class Tab:
    """What the counter needs of a Playwright page: `on`, `url`, `wait_for_load_state`,
    `wait_for_function`."""

    def __init__(self) -> None:
        self.url = "http://signage.test/"
        self.handlers: list[Callable[[Any], None]] = []

    def on(self, event: str, handler: Callable[[Any], None]) -> None:
        assert event == "domcontentloaded"
        self.handlers.append(handler)

    def load(self, url: str) -> None:
        self.url = url
        for handler in self.handlers:
            handler(self)

    def wait_for_load_state(self, state: str = "load") -> None:
        pass

    def wait_for_function(self, expression: str) -> None:
        pass


class Field:
    """A locator that remembers what was done to it."""

    def __init__(self) -> None:
        self.done: list[Any] = []

    def fill(self, text: str) -> None:
        self.done.append(("fill", text))

    def click(self) -> None:
        self.done.append("click")

    def select_option(self, value: Any = None, *, label: str | None = None) -> None:
        self.done.append(("select", value, label))


def test_counts_add_up_and_land_in_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNAGE_TASK_COUNTS", str(tmp_path / "counts.json"))
    assert counts_path() == tmp_path / "counts.json"
    assert table().splitlines()[2:] == []  # nothing recorded yet: the header only

    tab, other = Tab(), Tab()
    t = Counter(tab, "2 second task")
    field = Field()
    t.fill(field, "Phường Ba Đình, a long text typed once")
    t.select(field, label="Y tế")
    t.click(field)
    tab.load("http://signage.test/content/1")
    t.watch(other)
    other.load("http://signage.test/login")
    t.done_elsewhere(3, "admin signs in")
    assert field.done == [("fill", "Phường Ba Đình, a long text typed once"),
                          ("select", None, "Y tế"), "click"]  # fmt: skip
    assert t.record() == {
        "page_loads": 2,
        "actions": 6,
        "steps": t.steps,
        "loads": ["http://signage.test/content/1", "http://signage.test/login"],
    }
    Counter(Tab(), "1 first task").record()

    saved = json.loads((tmp_path / "counts.json").read_text(encoding="utf-8"))
    assert set(saved) == {"1 first task", "2 second task"}
    assert table().splitlines() == [
        "| task | page loads | actions |",
        "|---|---:|---:|",
        "| 1 first task | 0 | 0 |",
        "| 2 second task | 2 | 6 |",
    ]
