"""Counting what a console task costs a person (issue #13): page loads and actions in Chromium.

A `Counter` wraps the Playwright page a person works in. Tests act through it (`t.click`,
`t.fill`, `t.pick`, `t.select`, `t.check`, `t.press`, `t.upload`, `t.goto_menu`) instead of raw page
calls, so every action is counted; page loads are counted by the browser itself (each new
document in a main frame: a link followed, a form posted and its redirect, a reload). Looking
at a page is free. `t.watch(page)` adds the loads of a second page the same task works in (a
second person's browser). `t.record()` writes the totals into a JSON file (SIGNAGE_TASK_COUNTS,
or signage-task-counts.json in the temp directory); `table()` prints them as markdown:

    .venv/bin/python -m tests.e2e.tasks [FILE]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

WAIT = 60_000  # ms: generous, the machine is shared


def counts_path() -> Path:
    """Where the counts go: $SIGNAGE_TASK_COUNTS, or a file in the temp directory."""
    named = os.environ.get("SIGNAGE_TASK_COUNTS")
    return Path(named) if named else Path(tempfile.gettempdir()) / "signage-task-counts.json"


class Counter:
    """Page loads and user actions of one task, in one or more pages."""

    def __init__(self, page: Any, task: str) -> None:
        self.page, self.task = page, task
        self.loads = 0
        self.actions = 0
        self.steps: list[str] = []  # what each action was, for the note and failing tests
        self.urls: list[str] = []  # the documents loaded, in order
        self.watch(page)

    def watch(self, page: Any) -> None:
        """Count the page loads of `page` too (a second person's browser in the same task)."""

        def loaded(loaded_page: Any) -> None:
            self.loads += 1
            self.urls.append(loaded_page.url)

        page.on("domcontentloaded", loaded)

    def _act(self, what: str) -> None:
        # A person acts on a page that has loaded; a test can act sooner (the headline shows
        # before DOMContentLoaded), and a page left before that event would not be counted.
        self.page.wait_for_load_state("domcontentloaded")
        self.actions += 1
        self.steps.append(what)

    def done_elsewhere(self, n: int, what: str) -> None:
        """`n` actions a shared helper did with raw page calls (stack.sign_in: three)."""
        self.actions += n
        self.steps.append(f"{what} ({n} actions)")

    def click(self, locator: Any) -> None:
        """A click on a link, button, toggle or summary."""
        self._act(f"click {locator}")
        locator.click()

    def fill(self, locator: Any, text: str) -> None:
        """Typing into one field: one action, however long the text."""
        self._act(f"type {text!r} into {locator}")
        locator.fill(text)

    def select(self, locator: Any, value: str | None = None, *, label: str | None = None) -> None:
        """Choosing one option of a drop-down list."""
        self._act(f"select {label or value!r} in {locator}")
        if label is not None:
            locator.select_option(label=label)
        else:
            locator.select_option(value)

    def check(self, locator: Any) -> None:
        """Ticking a checkbox or radio button."""
        self._act(f"check {locator}")
        locator.check()

    def uncheck(self, locator: Any) -> None:
        """Unticking a checkbox."""
        self._act(f"uncheck {locator}")
        locator.uncheck()

    def pick(self, locator: Any, text: str, choice: str | Any) -> None:
        """A picker: typing part of a name (one action), then clicking a suggestion (one)."""
        from playwright.sync_api import expect

        # A person cannot type before the page has loaded; a fast test can (picker.js not yet run).
        expect(locator).to_have_attribute("data-picker-ready", "1", timeout=WAIT)
        self.fill(locator, text)
        listbox = locator.page.locator(f"#{locator.get_attribute('aria-controls')}")
        option = (
            listbox.locator("[role=option]", has_text=choice) if isinstance(choice, str) else choice
        )
        self.click(option.first)

    def press(self, locator: Any, key: str) -> None:
        """A key that does something (Enter submitting a form)."""
        self._act(f"press {key} in {locator}")
        locator.press(key)

    def upload(self, locator: Any, path: Path) -> None:
        """Choosing a file in a file field (one action: the file dialog)."""
        self._act(f"choose file {path.name}")
        locator.set_input_files(str(path))

    def goto_menu(self, label: str, page: Any = None) -> None:
        """Click the main menu's entry `label` and wait for the page it opens."""
        page = page or self.page
        link = page.locator("#nav-main a.nav-link", has_text=label).first
        href = link.get_attribute("href")
        self.click(link)
        page.wait_for_url(f"**{href}", timeout=WAIT)
        page.wait_for_load_state()

    def settle(self) -> None:
        """Wait until every page load this task started has been seen."""
        self.page.wait_for_load_state()
        self.page.wait_for_function("document.readyState === 'complete'")

    def result(self) -> dict[str, Any]:
        return {
            "page_loads": self.loads,
            "actions": self.actions,
            "steps": self.steps,
            "loads": self.urls,
        }

    def record(self, path: Path | None = None) -> dict[str, Any]:
        """Write this task's counts into the JSON file (other tasks' entries are kept)."""
        self.settle()
        path = path or counts_path()
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        data[self.task] = self.result()
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return data[self.task]


def table(path: Path | None = None) -> str:
    """The recorded counts as a markdown table: task | page loads | actions."""
    path = path or counts_path()
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    rows = ["| task | page loads | actions |", "|---|---:|---:|"]
    rows += [f"| {task} | {c['page_loads']} | {c['actions']} |" for task, c in sorted(data.items())]
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
