"""Real `signage` processes for end-to-end tests: one instance directory, any number of servers."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

SIGNAGE = Path(sys.executable).parent / "signage"
# Debian's Chromium, never a downloaded browser (scripts/ensure-chromium.sh installs it).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database(root: Path) -> tuple[str, Callable[[], None]]:
    """A database of its own for one installation, and how to drop it.

    SQLite by default; when the suite runs on PostgreSQL (SIGNAGE_TEST_DATABASE_URL), a fresh
    PostgreSQL database next to the test database, so the servers run on the real thing.
    """
    url = os.environ.get("SIGNAGE_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return f"sqlite:///{root / 'instance' / 'signage.db'}", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_e2e_{secrets.token_hex(4)}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)

    def execute(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False), lambda: execute(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


class Instance:
    """An installation in a temp directory: its own database, media, logs, extra environment."""

    def __init__(self, root: Path, **env: str) -> None:
        self.root = root
        self.log_path = root / "signage.log"
        database_url, self.drop_database = scratch_database(root)
        self.env = {
            **os.environ,
            "SIGNAGE_INSTANCE_DIR": str(root / "instance"),
            "SIGNAGE_MEDIA_DIR": str(root / "media"),
            "SIGNAGE_DATABASE_URL": database_url,
            "SIGNAGE_MESSAGE_QUEUE": "",
            "SIGNAGE_RATELIMIT_STORAGE": "memory://",
            **env,
        }
        self.procs: list[subprocess.Popen] = []

    def run(self, *args: str, timeout: float = 300) -> str:
        """Run a `signage` command to completion; its stdout (fails loudly with the log)."""
        with open(self.log_path, "a", encoding="utf-8") as log:
            done = subprocess.run(
                [str(SIGNAGE), *args],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                timeout=timeout,
            )
        if done.returncode != 0:
            raise RuntimeError(f"signage {' '.join(args)} failed:\n{self.log_path.read_text()}")
        return done.stdout

    def serve(self, port: int | None = None, **env: str) -> str:
        """Start `signage serve` on a free port; its base URL once it answers."""
        port = port or free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(self.log_path, "a", encoding="utf-8")
        proc = subprocess.Popen(
            [str(SIGNAGE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.log = log  # type: ignore[attr-defined]
        self.procs.append(proc)
        wait_until_up(url, proc, self.log_path)
        return url

    def stop(self) -> None:
        """Terminate every server this instance started."""
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
            proc.log.close()  # type: ignore[attr-defined]
        self.procs.clear()

    def close(self) -> None:
        """Stop the servers and drop the scratch database."""
        self.stop()
        self.drop_database()


def wait_until_up(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    """Poll the sign-in page until the server answers (or fail with its log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer on {url} within {timeout}s:\n{log_path.read_text()}")


def eventually(check, timeout: float = 30, interval: float = 0.2):
    """Call check() until it returns something truthy; that value (or AssertionError)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")
