"""Real processes for the end-to-end tests and the benchmarks: one instance directory, any number
of servers (`signage serve`, or the production gunicorn command), a Python player, a
redis-server, how to stop them all, a small API client, how to wait.

A top-level package rather than a module of tests/e2e: bench/*.py run as scripts (their folder
first on sys.path) and import it like any installed package (`pip install -e .`, which `make`
does), and the tests find it at the repository root. Nothing here imports signage: it drives
the commands.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
SIGNAGE = BIN / "signage"
# The checkout (wsgi.py, for gunicorn's `wsgi:app`): the package is installed editable.
ROOT = Path(__file__).resolve().parent.parent
# docs/deployment.md's production command: one gevent worker, the SIGTERM hooks.
PRODUCTION = ["-c", "python:signage.gunicorn_conf"]
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


def scratch_database(root: Path, url: str | None = None) -> tuple[str, Callable[[], None]]:
    """A database of its own for one installation, and how to drop it.

    SQLite by default; when the suite runs on PostgreSQL (SIGNAGE_TEST_DATABASE_URL), or `url`
    names a PostgreSQL server (bench/soak.py), a fresh PostgreSQL database next to that one's
    database, so the servers run on the real thing.
    """
    if url is None:
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
    """An installation in a temp directory: its own database, media, logs, extra environment.

    Any number of servers (`serve`, or any command with `start`); `server()` gives one that can
    be stopped and started again on the same port; `gunicorn` for the production command.
    """

    def __init__(self, root: Path, database_url: str | None = None, **env: str) -> None:
        self.root = root
        self.log_path = root / "signage.log"
        if database_url is None:
            database_url, self.drop_database = scratch_database(root)
        else:
            self.drop_database = lambda: None
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

    @property
    def database_url(self) -> str:
        return self.env["SIGNAGE_DATABASE_URL"]

    def run(self, *args: str, timeout: float | None = 300) -> str:
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
        return self.start(
            [str(SIGNAGE), "serve", "--host", "127.0.0.1", "--port", str(port)], port, env=env
        )

    def gunicorn(self, options: list[str] | None = None, port: int | None = None) -> str:
        """Start the production command (`gunicorn OPTIONS -b ... wsgi:app`, by default with
        PRODUCTION's options) on a free port; its base URL once it answers."""
        port = port or free_port()
        argv = [str(BIN / "gunicorn"), *(PRODUCTION if options is None else options),
                "-b", f"127.0.0.1:{port}", "wsgi:app"]  # fmt: skip
        return self.start(argv, port, cwd=ROOT)

    def board_tokens(self, out: Path) -> dict[str, str]:
        """`signage boards issue-tokens --out OUT`: {board code: token}."""
        self.run("boards", "issue-tokens", "--out", str(out))
        with open(out, encoding="utf-8") as fh:
            return dict(csv.reader(fh))

    def api(self, url: str, user: str) -> Api:
        """An API client of `url` with a new token of `user` (`signage tokens create`)."""
        return Api(url, self.run("tokens", "create", "--user", user).strip().splitlines()[-1])

    def start(
        self,
        argv: list[str],
        port: int,
        probe: str = "/login",
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> str:
        """Start any server command (gunicorn, node) listening on `port` with this instance's
        environment; its base URL once `probe` answers 200."""
        url = f"http://127.0.0.1:{port}"
        proc = self.spawn(argv, cwd, env)
        wait_until_up(url, proc, self.log_path, path=probe)
        return url

    def spawn(
        self, argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """Start any command with this instance's environment (and `env`), logging to its log;
        stopped with the servers (`stop`, `close`)."""
        log = open(self.log_path, "a", encoding="utf-8")
        proc = subprocess.Popen(
            argv, env={**self.env, **(env or {})}, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
        proc.log = log  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def server(self, port: int | None = None, **env: str) -> Server:
        """A `signage serve` of this instance on a fixed port, not started yet."""
        return Server(self, port or free_port(), env)

    def stop_one(self, proc: subprocess.Popen) -> None:
        """Stop one of this instance's servers (and whatever children it left)."""
        stop_process(proc)
        proc.log.close()  # type: ignore[attr-defined]
        if proc in self.procs:
            self.procs.remove(proc)

    def stop(self) -> None:
        """Terminate every server this instance started."""
        for proc in list(self.procs):
            self.stop_one(proc)

    def close(self) -> None:
        """Stop the servers and drop the scratch database."""
        self.stop()
        self.drop_database()


class Server:
    """One `signage serve` of an instance on a fixed port: stop it and start it again."""

    def __init__(self, instance: Instance, port: int, env: dict[str, str]) -> None:
        self.instance, self.port, self.env = instance, port, env
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        self.instance.serve(self.port, **self.env)
        self.proc = self.instance.procs[-1]
        return self.url

    def stop(self) -> None:
        if self.proc is not None:
            self.instance.stop_one(self.proc)
            self.proc = None

    def run(self, *args: str) -> str:
        """A `signage` command of this installation; its stdout."""
        return self.instance.run(*args)

    def api(self, user: str) -> Api:
        """An API client of this server with a new token of `user`."""
        return self.instance.api(self.url, user)

    @property
    def log_path(self) -> Path:
        return self.instance.log_path

    def log(self) -> str:
        path = self.instance.log_path
        return path.read_text(encoding="utf-8") if path.exists() else ""


class PlayerProcess:
    """The Python player, `python -m signage_player --config FILE`, with the frames output.

    `settings` are the config's top-level keys after server, token and cache_dir (by default
    the e2e tests' quick intervals); `token` skips pairing.
    """

    SETTINGS: dict[str, str | int] = {
        "log_level": "DEBUG", "heartbeat_s": 1, "proof_batch_s": 2, "pairing_poll_s": 1,
    }  # fmt: skip

    def __init__(
        self,
        tmp: Path,
        server_url: str,
        *,
        token: str | None = None,
        settings: dict[str, str | int] | None = None,
        max_files: int | None = 500,
    ) -> None:
        self.tmp = tmp
        self.frames = tmp / "frames"
        self.status_path = tmp / "cache" / "status.json"
        self.log = tmp / "player.log"
        self.config = tmp / "player.toml"
        lines = [f'server = "{server_url}"']
        lines += [f'token = "{token}"'] if token is not None else []
        lines += ['cache_dir = "cache"']
        lines += [f"{k} = {json.dumps(v)}" for k, v in (self.SETTINGS if settings is None
                                                          else settings).items()]  # fmt: skip
        lines += ["[output]", 'kind = "frames"', 'dir = "frames"']
        lines += [f"max_files = {max_files}"] if max_files is not None else []
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a", encoding="utf-8") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "signage_player", "--config", str(self.config)],
                cwd=self.tmp,
                env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None

    def status(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.poll() is None, "player exited"
        return json.loads(self.status_path.read_text(encoding="utf-8"))

    def frame_count(self) -> int:
        return len(list(self.frames.glob("frame-*.png")))

    def pairing_code(self, logs: Iterable[Path] = ()) -> str:
        """The pairing code once the pairing picture is on screen (and in the status file)."""

        def code_on_screen() -> str | None:
            status = self.status()
            return status["pairing_code"] if "pair" in status["picture"] else None

        logs = dict.fromkeys([self.log, *logs])  # its own log first, once
        return wait_for("a pairing code on screen", code_on_screen, logs=logs)


def pair(admin: Api, board: str, code: str) -> dict[str, Any]:
    """An operator enters the code shown on a player's screen for `board`."""
    return admin("POST", f"/boards/{board}/pair", {"pairing_code": code})


class RedisServer:
    """redis-server on a free port with no persistence: stop, start again, freeze, thaw."""

    def __init__(self, root: Path) -> None:
        self.port, self.root = free_port(), root
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start (again, on the same port) and wait until it answers."""
        import redis

        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                client.ping()
                client.close()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Stop it (SIGCONT first, in case it is frozen)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            stop_process(self.proc)
        self.proc = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open, nothing answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL after `timeout` s; its children too (a gunicorn worker busy closing
    10,000 sockets outlives a killed master otherwise)."""
    kids = children(proc.pid) if proc.poll() is None else []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    for pid in kids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def rss_kib(pid: int) -> int:
    """VmRSS of a process in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wait_until_up(
    url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60, path: str = "/login"
) -> None:
    """Poll `path` (the sign-in page) until the server answers 200 (or fail with its log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + path, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer on {url} within {timeout}s:\n{log_path.read_text()}")


class Api:
    """A small JSON client of /api/v1 with a bearer token; asserts the status code."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def __call__(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + "/api/v1" + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        assert status == expect, f"{method} {path}: {status} {raw[:500]!r}"
        return json.loads(raw) if raw else None


def wait_for(
    what: str, check: Callable[[], Any], timeout: float = 90.0, logs: Iterable[Path] = ()
) -> Any:
    """Poll `check` until it returns something truthy (OSError, ValueError, KeyError count as
    not yet: a status file half written); fail with the tails of the logs otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (OSError, ValueError, KeyError):
            value = None
        if value:
            return value
        time.sleep(0.3)
    tails = "\n".join(f"--- {p}:\n{Path(p).read_text()[-4000:]}" for p in logs if Path(p).exists())
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


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
