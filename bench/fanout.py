"""Benchmark: an emergency alert fanned out to N connected players, ours vs a socket.io reference.

Run: .venv/bin/python bench/fanout.py [--sizes 1000,5000,10000] [--server ours|node|both]
                                      [--db sqlite|URL] [--queue none|URL]

Ours is the production command (docs/deployment.md): gunicorn, one gevent worker, on a fresh
instance per size (migrated, `signage seed-demo`, N boards imported from a generated CSV, 70 %
in ten communes of Hà Nội and 30 % in five of Hải Phòng, tokens from `signage boards
issue-tokens`, manifests generated once as the scheduler would). The reference is
bench/node/server.js (npm `socket.io` 4), installed with `npm ci` when missing.

A load generator in its own process (`--players`, driven over stdin/stdout with JSON lines)
connects N raw Engine.IO v4 / Socket.IO v5 websocket clients (asyncio + `websockets`), each
with its own board token; a player counts as connected when its `state` arrived. Each answers
`alert` with an `alert_receipt` `displayed` at once and records the monotonic receive time.

Per size and server: time to connect N players, RSS of the server process per player, then an
alert to every board (areas VN) and one to Hà Nội only (areas 01): latency from just before the
POST to each player's receipt of `alert` (p50/p99/max), and until the server counted N
`displayed` receipts (GET /api/v1/alerts/<id>, polled every 0.5 s; receipts are flushed once a
second). Prints a table and writes it to bench/results/fanout.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # sio_wire, also when imported as bench.fanout

import sio_wire as wire  # noqa: E402

from signage_testing.processes import (  # noqa: E402
    Instance,
    children,
    cpu_seconds,
    free_port,
    rss_kib,
    stop_process,
    wait_until_up,
)

NAMESPACE = "/player"
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_fanout"
# No message queue by default: one process does not need it, and Redis pub/sub channels ignore
# the database number, so with a queue the bench's alerts would also reach every other server
# using the same Redis (python-socketio's channel is always "flask-socketio").
DEFAULT_QUEUE = "none"
PROFILES = ("led-192x96-mono", "led-256x128-3c", "lcd-1920x1080")
HANOI, HAIPHONG = "01", "31"
# A canned `alert` for a reference-only run; with --server both the payload our server sent is used.
CANNED_ALERT = {
    "id": 1, "version": 1, "status": "Actual", "test": False, "mode": "takeover",
    "category": "Met", "event": "Bão", "urgency": "Immediate", "severity": "extreme",
    "certainty": "Observed", "headline": "CẢNH BÁO BÃO KHẨN CẤP",
    "body": "Bão đang tiến vào địa bàn. Gió mạnh cấp 10-12, giật cấp 14, mưa rất to.",
    "instruction": "Ở trong nhà, tránh xa cửa kính; chằng chống nhà cửa; theo dõi thông báo.",
    "sender_name": "UBND thành phố Hà Nội", "sent": "2026-11-24T01:00:00Z",
    "expires_at": "2026-11-24T13:00:00Z",
    "images": {p: {"url": f"/media/{'3f1c' * 16}.png", "sha256": "3f1c" * 16} for p in PROFILES},
}  # fmt: skip


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --- the load generator (its own process) --------------------------------------------------


class Players:
    """N raw websocket players in one asyncio loop."""

    def __init__(self, url: str, tokens: list[tuple[str, str]]) -> None:
        self.ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.tokens = tokens
        self.next = 0
        self.sockets: list[Any] = []
        self.errors: collections.Counter[str] = collections.Counter()
        self.dropped = 0
        self.closing = False
        self.alerts: dict[tuple[int, int], list[tuple[float, str]]] = collections.defaultdict(list)
        self.samples: dict[tuple[int, int], dict[str, Any]] = {}
        self.cpu: dict[tuple[int, int], list[float]] = collections.defaultdict(list)

    async def connect(self, n: int, concurrency: int, timeout: float) -> dict[str, Any]:
        """Connect the next n players (at most `concurrency` handshakes at once)."""
        batch = self.tokens[self.next : self.next + n]
        self.next += len(batch)
        sem = asyncio.Semaphore(concurrency)
        done: list[float] = []
        provinces: collections.Counter[str] = collections.Counter()
        failed = 0
        t0 = time.monotonic()

        async def one(code: str, token: str) -> None:
            nonlocal failed
            ready = asyncio.get_running_loop().create_future()
            async with sem:
                task = asyncio.create_task(self._player(code, token, ready))
                try:
                    ok = await asyncio.wait_for(asyncio.shield(ready), timeout)
                except TimeoutError:
                    ok = False
                    self.errors["timeout"] += 1
                    task.cancel()
            if ok:
                done.append(time.monotonic() - t0)
                provinces[code[1:3]] += 1
            else:
                failed += 1

        await asyncio.gather(*(one(c, t) for c, t in batch))
        return {
            "connected": len(done),
            "failed": failed,
            "seconds": max(done) if done else 0.0,
            "p50": pct(done, 50) if done else 0.0,
            "by_province": dict(provinces),
            "errors": dict(self.errors),
            "dropped": self.dropped,
        }

    async def _player(self, code: str, token: str, ready: asyncio.Future) -> None:
        auth = {
            "token": token,
            "protocol": 1,
            "player_version": "bench-fanout 1",
            "manifest_version": "",
            "alerts": [],
        }
        seen: set[tuple[int, int]] = set()
        try:
            ws = await wire.open_socket(self.ws_url)
        except Exception as exc:
            self.errors[f"open: {type(exc).__name__}"] += 1
            ready.set_result(False)
            return
        self.sockets.append(ws)
        try:
            async for t, packet in wire.packets(ws, NAMESPACE, auth):
                if packet.sio == wire.CONNECT_ERROR:
                    self.errors[f"refused: {(packet.data or {}).get('message')}"] += 1
                    break
                if packet.event == "alert":
                    alert = packet.args[0]
                    key = (alert["id"], alert["version"])
                    if key not in seen:  # a resend only gets the receipt again
                        seen.add(key)
                        self.alerts[key].append((t, code))
                        self.cpu[key].append(time.process_time())
                        self.samples.setdefault(key, alert)
                    receipt = {"id": key[0], "version": key[1], "status": "displayed"}
                    await ws.send(wire.event(NAMESPACE, "alert_receipt", receipt))
                elif packet.event == "state" and not ready.done():
                    ready.set_result(True)
                elif packet.event == "error":
                    self.errors[f"error: {(packet.args or [{}])[0].get('code')}"] += 1
        except Exception as exc:
            if not self.closing:
                self.errors[f"socket: {type(exc).__name__}"] += 1
        if not ready.done():
            ready.set_result(False)
        elif not self.closing:
            self.dropped += 1

    async def wait_alert(
        self, key: tuple[int, int], expect: int, t0: float, timeout: float
    ) -> dict[str, Any]:
        """Wait until `expect` players got this alert version; latencies from t0 (ms)."""
        deadline = time.monotonic() + timeout
        while len(self.alerts[key]) < expect and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # anyone else who should not get it would have by now
        got = self.alerts[key]
        lat = [(t - t0) * 1000 for t, _code in got]
        by_province = collections.Counter(code[1:3] for _t, code in got)
        return {
            "received": len(got),
            "by_province": dict(by_province),
            "p50": pct(lat, 50) if lat else None,
            "p99": pct(lat, 99) if lat else None,
            "max": max(lat) if lat else None,
            "min": min(lat) if lat else None,
            # CPU the players used between the first and the last receipt: near the span of
            # the latencies means the load generator, not the server, set the pace.
            "players_cpu_span_s": self.cpu[key][-1] - self.cpu[key][0] if lat else None,
            "dropped": self.dropped,
            "errors": dict(self.errors),
        }

    async def close(self) -> None:
        self.closing = True
        for i in range(0, len(self.sockets), 500):
            await asyncio.gather(
                *(ws.close() for ws in self.sockets[i : i + 500]), return_exceptions=True
            )


async def players_main(url: str, tokens_file: str) -> None:
    """Serve commands read from stdin (JSON lines), answering one JSON line each on stdout."""
    with open(tokens_file, encoding="utf-8") as fh:
        tokens = [(row[0], row[1]) for row in csv.reader(fh)]
    players = Players(url, tokens)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        cmd = json.loads(line)
        cpu0 = time.process_time()
        if cmd["cmd"] == "connect":
            out = await players.connect(cmd["n"], cmd["concurrency"], cmd["timeout"])
        elif cmd["cmd"] == "wait_alert":
            key = (cmd["id"], cmd["version"])
            out = await players.wait_alert(key, cmd["expect"], cmd["t0"], cmd["timeout"])
        elif cmd["cmd"] == "sample":
            out = {"sample": players.samples.get((cmd["id"], cmd["version"]))}
        elif cmd["cmd"] == "close":
            await players.close()
            print(json.dumps({"closed": True}), flush=True)
            return
        else:
            out = {"error": f"unknown command {cmd['cmd']!r}"}
        out["players_cpu_s"] = time.process_time() - cpu0
        print(json.dumps(out), flush=True)


class LoadGen:
    """The orchestrator's handle on the load generator process."""

    def __init__(self, url: str, tokens_file: Path, log: Path) -> None:
        self.log = open(log, "a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--players", "--url", url, "--tokens", str(tokens_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"load generator exited ({self.proc.poll()}); see {self.log.name}")
        return json.loads(line)

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.ask(cmd="close")
                self.proc.wait(timeout=30)
        except Exception:
            pass
        finally:
            stop_process(self.proc)
            self.log.close()


# --- HTTP ---------------------------------------------------------------------


def http_json(
    method: str, url: str, body: Any = None, token: str = "", timeout: float = 120
) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


# --- the two servers -----------------------------------------------------------------------


@dataclass
class Server:
    """A running server under test: how to reach it, its RSS, how to trigger an alert."""

    name: str
    url: str
    proc: subprocess.Popen
    tokens: Path  # board_code,token (the players' tokens, bench boards only)
    root: Path
    log: Path
    admin_token: str = ""
    operator_token: str = ""
    alert_sample: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    instance: Instance | None = None  # ours: the installation that started it

    def pid(self) -> int:
        """The process holding the sockets: gunicorn's worker, or node itself."""
        if self.name == "ours":
            kids = children(self.proc.pid)
            if len(kids) != 1:
                raise RuntimeError(f"expected one gunicorn worker, found {kids}")
            return kids[0]
        return self.proc.pid

    def trigger(self, scope: str, seq: int, board: str = "") -> tuple[float, int, int]:
        """Send an alert to every board ("all"), Hà Nội ("hn") or one board ("warm").

        Returns (t0, id, version), t0 taken just before the POST.
        """
        if self.name == "ours":
            body: dict[str, Any] = {"template": "storm", "areas": ["VN"]}
            token = self.admin_token
            if scope == "hn":
                body, token = {"template": "flood", "areas": [HANOI]}, self.operator_token
            elif scope == "warm":
                body = {"template": "fire", "boards": [board]}
            t0 = time.monotonic()
            out = http_json("POST", f"{self.url}/api/v1/alerts", body, token)
            if out["state"] != "active":
                raise RuntimeError(f"alert not active: {out['state']}")
            self.notes.append(f"POST /alerts ({scope}) answered in {time.monotonic() - t0:.2f} s")
            return t0, out["id"], out["version"]
        alert = {**(self.alert_sample or CANNED_ALERT), "id": 1000 + seq, "version": 1}
        room = {"all": None, "hn": f"area:{HANOI}", "warm": f"board:{board}"}[scope]
        t0 = time.monotonic()
        http_json("POST", f"{self.url}/trigger", {"room": room, "alert": alert})
        return t0, alert["id"], 1

    def displayed(self, alert_id: int, version: int) -> int:
        if self.name == "ours":
            out = http_json("GET", f"{self.url}/api/v1/alerts/{alert_id}", token=self.admin_token)
            return out["receipts"]["displayed"]
        return http_json("GET", f"{self.url}/progress").get(f"{alert_id}:{version}", 0)

    def stop(self) -> None:
        if self.instance is not None:
            self.instance.stop()
        else:
            stop_process(self.proc)


STEPS: dict[str, float] = {}


def signage(instance: Instance, *args: str) -> str:
    """A `signage` command of the instance, its time added to STEPS."""
    t = time.monotonic()
    out = instance.run(*args, timeout=None)
    STEPS[" ".join(args[:2])] = STEPS.get(" ".join(args[:2]), 0) + time.monotonic() - t
    return out


def reset_database(url: str) -> None:
    """An empty database for the run (PostgreSQL: drop and recreate the public schema)."""
    if url.startswith("sqlite"):
        return
    import psycopg

    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute("DROP SCHEMA public CASCADE")
        c.execute("CREATE SCHEMA public")


def board_rows(communes: dict[str, list[str]], n: int) -> list[tuple[str, str]]:
    """(board code, area code) for n boards: 70 % Hà Nội, 30 % Hải Phòng, interleaved."""
    out = []
    for i in range(n):
        prov = HAIPHONG if i % 10 in (3, 6, 9) else HANOI
        commune = communes[prov][i % len(communes[prov])]
        out.append((f"B{prov}-{commune}-{i:05d}", commune))
    return out


def start_ours(
    n: int, root: Path, db_url: str, queue: str, gunicorn: list[str] | None = None, **env: str
) -> Server:
    """A fresh instance with n boards, then the production gunicorn command on it (`gunicorn`:
    other options than this bench's; `env`: more settings for the instance)."""
    from sqlalchemy import create_engine, text

    root.mkdir(parents=True)
    if db_url == "sqlite":
        db_url = f"sqlite:///{root / 'signage.db'}"
    reset_database(db_url)
    instance = Instance(
        root,
        database_url=db_url,
        SIGNAGE_MESSAGE_QUEUE="" if queue == "none" else queue,
        SIGNAGE_SECRET_KEY="bench-fanout",
        SIGNAGE_DEMO_PASSWORD="bench-fanout-1",
        SIGNAGE_ALERT_TWO_PERSON_PROVINCE="false",
        **env,
    )
    t = time.monotonic()
    STEPS.clear()
    signage(instance, "db", "upgrade")
    signage(instance, "seed-demo")
    engine = create_engine(db_url)
    with engine.connect() as c:
        communes = {
            prov: list(
                c.scalars(
                    text(
                        "SELECT a.code FROM areas a JOIN areas p ON a.parent_id = p.id"
                        " WHERE p.code = :p ORDER BY a.code LIMIT :k"
                    ),
                    {"p": prov, "k": 10 if prov == HANOI else 5},
                )
            )
            for prov in (HANOI, HAIPHONG)
        }
    engine.dispose()
    boards = board_rows(communes, n)
    with open(root / "boards.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["code", "name", "area_code", "profile"])
        out.writerows(
            (code, f"Bảng tin {code}", area, PROFILES[i % 3])
            for i, (code, area) in enumerate(boards)
        )
    signage(instance, "boards", "import", str(root / "boards.csv"))
    signage(instance, "boards", "issue-tokens", "--out", str(root / "all-tokens.csv"))
    with open(root / "all-tokens.csv", encoding="utf-8") as fh:
        issued = dict(csv.reader(fh))
    tokens = root / "tokens.csv"
    with open(tokens, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows((code, issued[code]) for code, _a in boards)
    admin = signage(instance, "tokens", "create", "--user", "admin").strip()
    operator = signage(instance, "tokens", "create", "--user", "operator").strip()
    # What the scheduler's manifests.refresh job does: every board has a manifest before its
    # player connects (as after any restart), so connects do not generate them inline.
    with open(instance.log_path, "a", encoding="utf-8") as log:
        subprocess.run(
            [sys.executable, "-c", "from signage import create_app; from signage.jobs import "
             "refresh_manifests; print(refresh_manifests(create_app()))"],
            env=instance.env, check=True, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    setup = time.monotonic() - t
    options = gunicorn or ["-k", "gevent", "-w", "1", "--worker-connections", "20000"]
    try:
        url = instance.gunicorn(options)
    except Exception:
        instance.stop()
        raise
    server = Server(
        "ours", url, instance.procs[-1], tokens, root, instance.log_path, admin, operator
    )
    server.instance = instance
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in STEPS.items() if k != "tokens create")
    server.notes.append(
        f"setup {setup:.0f} s ({steps}, manifests {setup - sum(STEPS.values()):.0f} s)"
    )
    return server


def ensure_node_modules() -> None:
    if (HERE / "node" / "node_modules" / "socket.io").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the reference server (bench/node)")
    lock = (HERE / "node" / "package-lock.json").exists()
    subprocess.run([npm, "ci" if lock else "install", "--no-audit", "--no-fund"],
                   cwd=HERE / "node", check=True)  # fmt: skip


def start_node(n: int, root: Path) -> Server:
    """bench/node/server.js on a free port, with synthetic tokens naming each board."""
    ensure_node_modules()
    root.mkdir(parents=True)
    log = root / "server.log"
    tokens = root / "tokens.csv"
    communes = {
        HANOI: [f"{i:05d}" for i in range(4, 14)],
        HAIPHONG: [f"{i:05d}" for i in range(1, 6)],
    }
    with open(tokens, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(
            (code, f"sgb_{code}_".ljust(47, "x")) for code, _a in board_rows(communes, n)
        )
    port = free_port()
    with open(log, "a", encoding="utf-8") as fh:
        proc = subprocess.Popen(
            [shutil.which("node") or "node", str(HERE / "node" / "server.js"), str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    server = Server("node", url, proc, tokens, root, log)
    try:
        wait_until_up(url, proc, log, path="/health")
    except Exception:
        server.stop()
        raise
    return server


# --- one measurement -----------------------------------------------------------------------


def poll_displayed(server: Server, alert_id: int, version: int, expect: int, t0: float,
                   out: dict[str, Any], timeout: float = 60) -> None:  # fmt: skip
    """Poll the server's receipt count until it reaches expect; seconds since t0 into out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            n = server.displayed(alert_id, version)
        except (urllib.error.URLError, TimeoutError) as exc:
            out["error"] = str(exc)
            n = 0
        out["last"] = n
        if n >= expect:
            out["seconds"] = time.monotonic() - t0
            return
        time.sleep(0.5)


def measure(server: Server, n: int, concurrency: int) -> dict[str, Any]:
    """Connect n players, then an alert to all and one to Hà Nội; the numbers."""
    res: dict[str, Any] = {"server": server.name, "n": n}
    gen = LoadGen(server.url, server.tokens, server.root / "players.log")
    try:
        # One player first: the server's lazy imports and caches are warm when RSS is read,
        # and a warm-up alert to that player's board renders and sends once before measuring.
        warm = gen.ask(cmd="connect", n=1, concurrency=1, timeout=60)
        if warm["connected"] != 1:
            raise RuntimeError(f"the first player could not connect: {warm}")
        first = server.tokens.read_text(encoding="utf-8").split(",", 1)[0]
        t0, alert_id, version = server.trigger("warm", 0, first)
        gen.ask(cmd="wait_alert", id=alert_id, version=version, expect=1, t0=t0, timeout=60)
        time.sleep(1.0)
        pid = server.pid()
        rss0, cpu0 = rss_kib(pid), cpu_seconds(pid)
        res["connect"] = gen.ask(cmd="connect", n=n - 1, concurrency=concurrency, timeout=120)
        res["connect"]["server_cpu_s"] = cpu_seconds(pid) - cpu0
        time.sleep(2.0)
        rss1 = rss_kib(pid)
        connected = res["connect"]["connected"] + 1
        res.update(rss0=rss0, rss1=rss1, per_conn_kib=(rss1 - rss0) / max(1, connected - 1))
        res["connected"] = connected
        for seq, scope in enumerate(("all", "hn"), start=1):
            # Players that could not connect are not expected (nor counted as displayed).
            expect = connected
            if scope == "hn":
                expect = sum(r["by_province"].get(HANOI, 0) for r in (warm, res["connect"]))
            cpu0 = cpu_seconds(pid)
            t0, alert_id, version = server.trigger(scope, seq)
            shown: dict[str, Any] = {}
            poller = threading.Thread(
                target=poll_displayed, args=(server, alert_id, version, expect, t0, shown)
            )
            poller.start()
            res[scope] = gen.ask(cmd="wait_alert", id=alert_id, version=version, expect=expect,
                                 t0=t0, timeout=60)  # fmt: skip
            res[scope]["expect"] = expect
            poller.join()
            res[scope]["server_cpu_s"] = cpu_seconds(pid) - cpu0
            res[scope]["displayed_s"] = shown.get("seconds")
            res[scope]["displayed_last"] = shown.get("last")
            if scope == "all" and server.name == "ours":
                server.alert_sample = gen.ask(cmd="sample", id=alert_id, version=version)["sample"]
            time.sleep(1.0)
        res["rss_end"] = rss_kib(pid)
    finally:
        gen.stop()
    res["notes"] = server.notes
    return res


# --- report --------------------------------------------------------------------------------


def ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def report(results: list[dict[str, Any]], args: argparse.Namespace, env: str) -> str:
    lines = [
        f"bench/fanout.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {env}",
        "",
        "| server | N | connected | connect N (s) | RSS/player (KiB) | alert to all: p50 / p99 / "
        "max (ms) | all: displayed=N (s) | Hà Nội only: players | p50 / p99 / max (ms) "
        "| HN: displayed (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['server']} | {r['n']} | failed: {r['error']} |||||||| ")
            continue
        a, h = r["all"], r["hn"]
        lines.append(
            f"| {r['server']} | {r['n']} | {r['connected']}"
            f"{' (' + str(r['connect']['failed']) + ' failed)' if r['connect']['failed'] else ''}"
            f" | {r['connect']['seconds']:.2f} | {r['per_conn_kib']:.1f}"
            f" | {ms(a['p50'])} / {ms(a['p99'])} / {ms(a['max'])}"
            f" ({a['received']}/{a['expect']})"
            f" | {secs(a['displayed_s'])}"
            f" | {h['received']}/{h['expect']} (HP: {h['by_province'].get(HAIPHONG, 0)})"
            f" | {ms(h['p50'])} / {ms(h['p99'])} / {ms(h['max'])}"
            f" | {secs(h['displayed_s'])} |"
        )
    by = {(r["server"], r["n"]): r for r in results if "error" not in r}
    ratios = []
    for n in args.sizes:
        ours, node = by.get(("ours", n)), by.get(("node", n))
        if not (ours and node):
            continue

        def ratio(x: float | None, y: float | None) -> str:
            return "-" if not x or not y else f"{x / y:.2f}x"

        ratios.append(
            f"| {n} | {ratio(ours['connect']['seconds'], node['connect']['seconds'])}"
            f" | {ratio(ours['all']['p99'], node['all']['p99'])}"
            f" | {ratio(ours['hn']['p99'], node['hn']['p99'])}"
            f" | {ratio(ours['per_conn_kib'], node['per_conn_kib'])} |"
        )
    if ratios:
        lines += [
            "",
            "Ours as a multiple of the reference (lower is better; goal: 1.00x or less)",
            "",
            "| N | connect time | p99, all | p99, Hà Nội | memory per player |",
            "|---|---|---|---|---|",
            *ratios,
        ]
    cpu = []
    for r in results:
        if "error" in r:
            continue
        c, a, h = r["connect"], r["all"], r["hn"]
        per = max(1, c["connected"])
        cpu.append(
            f"| {r['server']} | {r['n']} | {c['server_cpu_s'] / per * 1000:.2f}"
            f" | {c['players_cpu_s'] / per * 1000:.2f}"
            f" | {a['server_cpu_s']:.2f} / {ms(a['min'])} ms"
            f" | {secs(a['players_cpu_span_s'])} / {(a['max'] - a['min']) / 1000:.2f} s"
            f" | {h['server_cpu_s']:.2f} / {ms(h['min'])} ms |"
        )
    if cpu:
        lines += [
            "",
            "Where the time goes: CPU per connect (ms); for the alerts, server CPU from the "
            "trigger until the last receipt was counted and the first player's latency; players' "
            "CPU between the first and last receipt against that span of wall time",
            "",
            "| server | N | server CPU / connect | players CPU / connect | all: server CPU (s) / "
            "first player | all: players CPU / spread | Hà Nội: server CPU (s) / first player |",
            "|---|---|---|---|---|---|---|",
            *cpu,
        ]
    notes = [
        f"- {r['server']} N={r['n']}: " + "; ".join(r["notes"]) for r in results if r.get("notes")
    ]
    extra = []
    for r in results:
        if "error" in r:
            continue
        c = r["connect"]
        if c["errors"] or r["all"]["dropped"]:
            extra.append(f"- {r['server']} N={r['n']}: errors {c['errors']}, "
                         f"dropped {r['all']['dropped']}")  # fmt: skip
    lines += ["", *notes, *extra]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--server", choices=("ours", "node", "both"), default="both")
    parser.add_argument("--db", default=DEFAULT_DB, help="sqlite, or a SQLAlchemy URL")
    parser.add_argument(
        "--queue",
        default=DEFAULT_QUEUE,
        help="none, or a Redis URL (its pub/sub reaches every server on that Redis, any db)",
    )
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight")
    parser.add_argument("--players", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--tokens", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.players:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(players_main(args.url, args.tokens))
        return
    args.sizes = [int(s) for s in args.sizes.split(",")]
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by servers and players
    if max(args.sizes) + 100 > hard:
        print(f"warning: the file limit is {hard}; sizes above {hard - 100} will fail")
    node_v = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    versions = {
        m: __import__("importlib.metadata").metadata.version(m)
        for m in ("gunicorn", "gevent", "flask-socketio", "python-socketio", "websockets")
    }
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    env = (
        f"{os.cpu_count()} CPUs, {int(mem) / 1024 / 1024:.1f} GiB RAM, Python "
        f"{platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f", Node {node_v}; file limit {hard}; db "
        + ("SQLite" if args.db == "sqlite" else args.db.split("@")[-1])
        + f"; message queue {args.queue}"
    )
    print(env, flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    results: list[dict[str, Any]] = []
    servers = ("ours", "node") if args.server == "both" else (args.server,)
    sample = None
    try:
        for n in args.sizes:
            for name in servers:
                print(f"== {name}, N={n}", flush=True)
                server = None
                try:
                    if name == "ours":
                        server = start_ours(n, tmp / f"ours-{n}", args.db, args.queue)
                    else:
                        server = start_node(n, tmp / f"node-{n}")
                        server.alert_sample = sample
                    r = measure(server, n, args.concurrency)
                    sample = sample or server.alert_sample
                except Exception as exc:
                    r = {"server": name, "n": n, "error": f"{type(exc).__name__}: {exc}"}
                finally:
                    if server is not None:
                        server.stop()
                results.append(r)
                print(json.dumps(r, default=str), flush=True)
                save(results, args, env)  # a run stopped half way still leaves its table
    finally:
        print("\n" + save(results, args, env))
        print(f"logs in {tmp}")


def save(results: list[dict[str, Any]], args: argparse.Namespace, env: str) -> str:
    """Write the table to bench/results/fanout.md (and the raw numbers next to it)."""
    out = report(results, args, env)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "fanout.md").write_text(out, encoding="utf-8")
    (HERE / "results" / "fanout.json").write_text(json.dumps(results, default=str, indent=1))
    return out


if __name__ == "__main__":
    main()
