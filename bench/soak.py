"""Soak: N players for T minutes on the production server, with an alert every few minutes.

Run: .venv/bin/python bench/soak.py [--players 1000] [--minutes 10] [--alert-every 3]
                                    [--db sqlite|postgresql|URL] [--queue none|redis]

The instance and the server are bench/fanout.py's (`start_ours`: migrated, `signage seed-demo`,
N boards, their tokens, every manifest generated), started with the production command of
docs/deployment.md (`gunicorn -c python:signage.gunicorn_conf`, one gevent worker). On
PostgreSQL a scratch database is created next to the one the URL names and dropped at the end
(signage_testing.processes's `scratch_database`); `--queue redis` starts its own redis-server on a
free port, and then `signage scheduler` too (its resends reach the players only through Redis).

The players run in `--generators` processes (asyncio + `websockets`, framing in
bench/sio_wire.py), each a real player as docs/protocol.md describes it: connects with its
board token, `heartbeat` every 30 s, `alert_sync` every 5 s with the alerts it holds,
a `proof_of_play` batch every `--pop-every` s (resent until its `ack`: on reconnect, and
after `retry_after_s` when answered `error` `unavailable`), `alert_receipt`
`displayed` for every `alert` (resends too, and the alerts of `state`), `cleared` for every
`alert_cancel`, Engine.IO pongs, and reconnects with full-jitter backoff if dropped.

Every `--alert-every` minutes an alert goes to every board (`POST /api/v1/alerts`, areas VN),
is held `--hold` s, then cancelled (`POST /api/v1/alerts/<id>/cancel`). Measured: delivery to
the players (p50/p99/max from just before the POST), the time until the API counts N displayed,
then the cancel's delivery and the time until the database counts N cleared (the API does not
report cleared). Every `--sample-every` s: RSS and CPU % of the gunicorn master + worker (and
of the scheduler, and of the generators, to show they are not the bottleneck) from /proc.
Prints a table per sample, one per alert and a summary; writes them to bench/results/soak.md
(raw numbers in soak.json).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # fanout and sio_wire, also when imported as bench.soak

import fanout  # noqa: E402
import sio_wire as wire  # noqa: E402

from signage_testing.machine import cpu_model  # noqa: E402
from signage_testing.processes import (  # noqa: E402
    PRODUCTION,
    ROOT,
    SIGNAGE,
    RedisServer,
    children,
    cpu_seconds,
    rss_kib,
    scratch_database,
    stop_process,
)

NAMESPACE = "/player"
HEARTBEAT_S = 30.0  # docs/protocol.md, and the Python player's defaults
ALERT_SYNC_S = 5.0
CONNECT_WAIT_S = 10.0  # the Python player's wait_timeout for `state` after connecting
# Only to create the scratch database (named <this one>_e2e_<random>) next to it.
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RECORDS_PER_BATCH = 4
HEARTBEAT = {"current_item": None, "player_version": "0.1.0", "free_disk": 12 * 10**9,
             "uptime": 86_400}  # fmt: skip


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- the load generator (its own processes) ------------------------------------------------


class Fleet:
    """Some of the players, in one asyncio loop."""

    def __init__(self, url: str, tokens: list[tuple[str, str]], pop_every: float) -> None:
        self.ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.tokens = tokens
        self.pop_every = pop_every
        self.closing = False
        self.quiet = False  # no more heartbeats, syncs or batches (the end of the run)
        self.up = 0  # players with a live connection that got `state`
        self.sockets: set[Any] = set()
        self.ever: set[str] = set()  # boards that connected at least once
        self.count: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()
        self.got: dict[tuple[str, int, int], dict[str, float]] = collections.defaultdict(dict)
        self.run_id = f"{int(time.time()):x}"

    async def connect_all(self, concurrency: int, timeout: float) -> dict[str, Any]:
        sem = asyncio.Semaphore(concurrency)
        t0 = time.monotonic()
        deadline = t0 + timeout  # for the whole fleet, not for each player
        done: list[float] = []

        async def one(code: str, token: str) -> None:
            ready = asyncio.get_running_loop().create_future()
            async with sem:
                if time.monotonic() >= deadline:
                    self.errors["connect not started before --timeout"] += 1
                    return
                asyncio.create_task(self.player(code, token, ready))
                try:
                    left = max(0.0, deadline - time.monotonic())
                    if await asyncio.wait_for(asyncio.shield(ready), left):
                        done.append(time.monotonic() - t0)
                except TimeoutError:
                    self.errors["connect timeout"] += 1

        await asyncio.gather(*(one(c, t) for c, t in self.tokens))
        return {
            "connected": len(done),
            "failed": len(self.tokens) - len(done),
            "seconds": max(done) if done else 0.0,
        }

    async def player(self, code: str, token: str, ready: asyncio.Future) -> None:
        """One board's player, reconnecting (full-jitter backoff) until the fleet closes."""
        held: dict[int, int] = {}
        pending: dict[str, dict[str, Any]] = {}  # proof-of-play batches not acknowledged yet
        attempt = 0
        while not self.closing:
            began = time.monotonic()
            state = await self.session(code, token, held, pending, ready)
            if self.closing:
                return
            if state == "refused":
                return
            if ready.done():
                self.count["disconnects"] += 1
            else:  # never got `state`: try again, as a real player does
                self.count["connect retries"] += 1
            if time.monotonic() - began > 60:
                attempt = 0
            await asyncio.sleep(random.uniform(0, min(60.0, 2.0**attempt)))
            attempt += 1
            self.count["reconnects"] += 1

    async def session(
        self,
        code: str,
        token: str,
        held: dict[int, int],
        pending: dict[str, dict[str, Any]],
        ready: asyncio.Future,
    ) -> str:
        """One connection; "refused" if the server refused the board, else "closed"."""
        auth = {
            "token": token,
            "protocol": 1,
            "player_version": "bench-soak 1",
            "manifest_version": "",
            "alerts": [{"id": i, "version": v} for i, v in held.items()],
        }
        try:
            ws = await wire.open_socket(self.ws_url)
        except Exception as exc:
            self.errors[f"open: {type(exc).__name__}"] += 1
            return "closed"
        self.sockets.add(ws)
        ticker: asyncio.Task | None = None
        live = False

        def no_state() -> None:
            """python-socketio's client gives up after its wait_timeout (10 s in our player)."""
            if not live:
                self.errors["no state within 10 s"] += 1
                asyncio.ensure_future(ws.close())

        watchdog = asyncio.get_running_loop().call_later(CONNECT_WAIT_S, no_state)

        async def send(name: str, payload: dict[str, Any]) -> None:
            await ws.send(wire.event(NAMESPACE, name, payload))
            self.count[f"sent {name}"] += 1

        tasks: set[asyncio.Task[None]] = set()

        async def resend(batch_id: str, error: dict[str, Any]) -> None:
            wait = error.get("retry_after_s")
            wait = min(120.0, max(1.0, wait if isinstance(wait, int | float) else 10.0))
            await asyncio.sleep(wait * random.uniform(1.0, 1.5))
            if batch_id in pending:
                self.count["pop resent after unavailable"] += 1
                await send("proof_of_play", pending[batch_id])

        async def tick() -> None:
            """Heartbeats, alert_sync and proof-of-play batches at the player's intervals."""
            now = time.monotonic()
            due = {
                "heartbeat": now + random.uniform(0, HEARTBEAT_S),
                "sync": now + random.uniform(0, ALERT_SYNC_S),
                "pop": now + random.uniform(0, self.pop_every),
            }
            for batch in list(pending.values()):  # unacknowledged batches first, oldest first
                await send("proof_of_play", batch)
            while True:
                name, at = min(due.items(), key=lambda kv: kv[1])
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                if self.quiet:
                    return
                if name == "heartbeat":
                    await send("heartbeat", HEARTBEAT)
                    due[name] += HEARTBEAT_S
                elif name == "sync":
                    alerts = [{"id": i, "version": v} for i, v in held.items()]
                    await send("alert_sync", {"alerts": alerts})
                    due[name] += ALERT_SYNC_S
                else:
                    self.count["batch seq"] += 1
                    batch_id = f"soak-{self.run_id}-{self.count['batch seq']:07d}"
                    end = datetime.now(UTC)
                    records = [
                        {"item_id": 1 + k, "revision_id": 1 + k, "duration_s": 15.0,
                         "start": iso(end - timedelta(seconds=15 * (RECORDS_PER_BATCH - k)))}
                        for k in range(RECORDS_PER_BATCH)
                    ]  # fmt: skip
                    batch = {"batch_id": batch_id, "records": records}
                    pending[batch_id] = batch
                    self.count["pop batches"] += 1
                    self.count["pop records"] += len(records)
                    await send("proof_of_play", batch)
                    due[name] += self.pop_every

        try:
            async for t, packet in wire.packets(ws, NAMESPACE, auth):
                if packet.sio == wire.CONNECT_ERROR:
                    self.errors[f"refused: {(packet.data or {}).get('message')}"] += 1
                    if not ready.done():
                        ready.set_result(False)
                    return "refused"
                if packet.sio == wire.DISCONNECT:
                    self.errors["server disconnected the namespace"] += 1
                    break
                event, args = packet.event, packet.args
                data = args[0] if args and isinstance(args[0], dict) else {}
                if event == "state":
                    live = True
                    self.up += 1
                    self.ever.add(code)
                    held.clear()
                    for alert in data.get("alerts") or []:
                        key = (alert["id"], alert["version"])
                        held[key[0]] = key[1]
                        self.got[("alert", *key)].setdefault(code, t)
                        await send("alert_receipt", {"id": key[0], "version": key[1],
                                                     "status": "displayed"})  # fmt: skip
                    ticker = asyncio.create_task(tick())
                    if not ready.done():
                        ready.set_result(True)
                elif event == "alert":
                    key = (data["id"], data["version"])
                    if held.get(key[0], 0) <= key[1]:
                        held[key[0]] = key[1]
                        self.got[("alert", *key)].setdefault(code, t)
                    else:
                        self.count["stale alert"] += 1
                    self.count["alert events"] += 1
                    await send("alert_receipt", {"id": key[0], "version": key[1],
                                                 "status": "displayed"})  # fmt: skip
                elif event == "alert_cancel":
                    key = (data["id"], data["version"])
                    if held.get(key[0], 0) <= key[1]:
                        held.pop(key[0], None)
                    self.got[("cancel", *key)].setdefault(code, t)
                    self.count["cancel events"] += 1
                    await send("alert_receipt", {"id": key[0], "version": key[1],
                                                 "status": "cleared"})  # fmt: skip
                elif event == "ack":
                    if pending.pop(data.get("batch_id", ""), None) is not None:
                        self.count["pop acked"] += 1
                    if data.get("duplicate"):
                        self.count["pop duplicate acks"] += 1
                elif event == "error":
                    self.errors[f"error event: {data.get('code')}"] += 1
                    if data.get("code") == "unavailable" and data.get("batch_id") in pending:
                        # Not stored now: resent after retry_after_s, as the players do.
                        tasks.add(asyncio.create_task(resend(data["batch_id"], data)))
                elif event in ("manifest", "command", "revoked"):
                    self.count[f"got {event}"] += 1
        except Exception as exc:
            if not self.closing:
                self.errors[f"socket: {type(exc).__name__}"] += 1
        finally:
            watchdog.cancel()
            if ticker is not None:
                ticker.cancel()
            for task in tasks:  # a closed socket resends on its next connection instead
                task.cancel()
            if live:
                self.up -= 1
            self.sockets.discard(ws)
        return "closed"

    def stats(self) -> dict[str, Any]:
        return {
            "up": self.up,
            "ever": len(self.ever),
            "count": dict(self.count),
            "errors": dict(self.errors),
        }

    async def wait(self, kind: str, alert_id: int, version: int, timeout: float) -> dict[str, Any]:
        """Until every board that is up got this alert (or cancel); monotonic receive times."""
        key = (kind, alert_id, version)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.ever <= set(self.got[key]):
            await asyncio.sleep(0.05)
        got = self.got[key]
        return {
            "times": [got[c] for c in self.ever if c in got],
            "missing": sorted(self.ever - set(got))[:20],
            "n_missing": len(self.ever - set(got)),
        }

    async def quiesce(self, timeout: float) -> dict[str, Any]:
        """Stop sending; wait until every proof-of-play batch sent was acknowledged."""
        self.quiet = True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.count["pop acked"] < self.count["pop batches"]:
            await asyncio.sleep(0.1)
        return self.stats()

    async def close(self) -> None:
        self.closing = True
        socks = list(self.sockets)
        for i in range(0, len(socks), 500):
            await asyncio.gather(*(ws.close() for ws in socks[i : i + 500]), return_exceptions=True)


async def generator_main(url: str, tokens_file: str, first: int, n: int, pop_every: float) -> None:
    """Serve commands read from stdin (JSON lines), one JSON line each on stdout."""
    with open(tokens_file, encoding="utf-8") as fh:
        tokens = [(row[0], row[1]) for row in csv.reader(fh)][first : first + n]
    fleet = Fleet(url, tokens, pop_every)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        cmd = json.loads(line)
        if cmd["cmd"] == "connect":
            out = await fleet.connect_all(cmd["concurrency"], cmd["timeout"])
        elif cmd["cmd"] == "wait":
            out = await fleet.wait(cmd["kind"], cmd["id"], cmd["version"], cmd["timeout"])
        elif cmd["cmd"] == "stats":
            out = fleet.stats()
        elif cmd["cmd"] == "quiesce":
            out = await fleet.quiesce(cmd["timeout"])
        elif cmd["cmd"] == "close":
            await fleet.close()
            print(json.dumps(fleet.stats()), flush=True)
            return
        else:
            out = {"error": f"unknown command {cmd['cmd']!r}"}
        print(json.dumps(out), flush=True)


class Generators:
    """The orchestrator's handle on the generator processes; a command goes to all of them."""

    def __init__(self, url: str, tokens: Path, n: int, k: int, pop_every: float, log: Path):
        self.log = open(log, "a", encoding="utf-8")
        self.lock = threading.Lock()
        share = -(-n // k)
        self.procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--generator",
                    "--url",
                    url,
                    "--tokens",
                    str(tokens),
                    "--first",
                    str(i * share),
                    "--count",
                    str(min(share, n - i * share)),
                    "--pop-every",
                    str(pop_every),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                text=True,
            )  # fmt: skip
            for i in range(k)
            if i * share < n
        ]

    def ask(self, **cmd: Any) -> list[dict[str, Any]]:
        with self.lock:
            for p in self.procs:
                assert p.stdin
                p.stdin.write(json.dumps(cmd) + "\n")
                p.stdin.flush()
            out = []
            for p in self.procs:
                assert p.stdout
                line = p.stdout.readline()
                if not line:
                    raise RuntimeError(f"a generator exited ({p.poll()}); see {self.log.name}")
                out.append(json.loads(line))
            return out

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs if p.poll() is None)

    def rss(self) -> int:
        return sum(rss_kib(p.pid) for p in self.procs if p.poll() is None)

    def stop(self) -> list[dict[str, Any]]:
        final: list[dict[str, Any]] = []
        try:
            final = self.ask(cmd="close")
            for p in self.procs:
                p.wait(timeout=60)
        except Exception as exc:
            print(f"generators did not close cleanly: {exc}", flush=True)
        finally:
            for p in self.procs:
                stop_process(p)
                for pipe in (p.stdin, p.stdout):
                    if pipe is not None:
                        pipe.close()
            self.log.close()
        return final


def merge(stats: list[dict[str, Any]]) -> dict[str, Any]:
    count: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    for s in stats:
        count.update(s["count"])
        errors.update(s["errors"])
    return {
        "up": sum(s["up"] for s in stats),
        "ever": sum(s["ever"] for s in stats),
        "count": dict(count),
        "errors": dict(errors),
    }


# --- the orchestrator ----------------------------------------------------------------------


class Soak:
    def __init__(self, args: argparse.Namespace, root: Path) -> None:
        self.args = args
        self.root = root
        self.samples: list[dict[str, Any]] = []
        self.cycles: list[dict[str, Any]] = []
        self.http_errors: collections.Counter[str] = collections.Counter()
        self.scheduler: subprocess.Popen | None = None
        self.redis: RedisServer | None = None
        self.drop_db: Any = lambda: None
        self._prev: dict[str, Any] = {}
        self.stop_event = threading.Event()

    # -- setup
    def start(self) -> None:
        args = self.args
        db = args.db
        if db != "sqlite":
            base = DEFAULT_PG if db == "postgresql" else db
            db, self.drop_db = scratch_database(self.root, url=base)
        env: dict[str, str] = {}
        queue = "none"
        if args.queue == "redis":
            self.redis = RedisServer(self.root)
            self.redis.start()
            queue = self.redis.url
            env["SIGNAGE_MESSAGE_QUEUE_CHANNEL"] = f"soak-{self.redis.port}"
        self.server = fanout.start_ours(
            args.players,
            self.root / "server",
            db,
            queue,
            gunicorn=PRODUCTION,
            **env,
        )
        self.db_url = self.server.instance.database_url if self.server.instance else db
        if args.queue == "redis" and self.server.instance is not None:
            # Stopped with the server, as the instance stops everything it started.
            self.scheduler = self.server.instance.spawn([str(SIGNAGE), "scheduler"], cwd=ROOT)
        self.gens = Generators(
            self.server.url,
            self.server.tokens,
            args.players,
            args.generators,
            args.pop_every,
            self.root / "generators.log",
        )

    def stop(self) -> None:
        if getattr(self, "server", None) is not None:
            self.server.stop()  # the scheduler too
        if self.redis is not None:
            self.redis.stop()
        if hasattr(self, "_engine"):
            self._engine.dispose()
        self.drop_db()

    # -- measuring
    def pids(self) -> dict[str, list[int]]:
        master = self.server.proc.pid
        out = {"server": [master, *children(master)]}
        if self.scheduler is not None and self.scheduler.poll() is None:
            out["scheduler"] = [self.scheduler.pid]
        return out

    def proc_now(self) -> dict[str, Any]:
        pids = self.pids()
        return {
            "t": time.monotonic(),
            "rss": {k: sum(rss_kib(p) for p in v) for k, v in pids.items()},
            "worker_rss": sum(rss_kib(p) for p in pids["server"][1:]),
            "cpu": {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()},
            "gen_cpu": self.gens.cpu(),
            "gen_rss": self.gens.rss(),
            "load": os.getloadavg()[0],
        }

    def sampler(self, t_start: float) -> None:
        self._prev = self.proc_now()
        self.record_sample(self._prev, self._prev, t_start)
        while not self.stop_event.wait(self.args.sample_every):
            now = self.proc_now()
            self.record_sample(self._prev, now, t_start)
            self._prev = now

    def record_sample(self, prev: dict[str, Any], now: dict[str, Any], t_start: float) -> None:
        dt = max(1e-6, now["t"] - prev["t"])
        s = {
            "minute": (now["t"] - t_start) / 60,
            "server_rss_mib": now["rss"]["server"] / 1024,
            "worker_rss_mib": now["worker_rss"] / 1024,
            "scheduler_rss_mib": now["rss"].get("scheduler", 0) / 1024,
            "server_cpu_pct": (now["cpu"]["server"] - prev["cpu"]["server"]) / dt * 100,
            "scheduler_cpu_pct": (now["cpu"].get("scheduler", 0) - prev["cpu"].get("scheduler", 0))
            / dt
            * 100,
            "gen_cpu_pct": (now["gen_cpu"] - prev["gen_cpu"]) / dt * 100,
            "gen_rss_mib": now["gen_rss"] / 1024,
            "load": now["load"],
        }
        if len(self.samples) == 0:
            s["server_cpu_pct"] = s["scheduler_cpu_pct"] = s["gen_cpu_pct"] = float("nan")
            print(SAMPLE_HEADER, flush=True)
        self.samples.append(s)
        print(sample_row(s), flush=True)

    def api(self, method: str, path: str, body: Any = None) -> dict[str, Any] | None:
        try:
            return fanout.http_json(
                method, f"{self.server.url}/api/v1{path}", body, self.server.admin_token, 120
            )
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
            self.http_errors[f"{method} {path.split('/')[1]}: {exc}"[:120]] += 1
            return None

    def cleared(self, alert_id: int) -> int:
        from sqlalchemy import create_engine, text

        if not hasattr(self, "_engine"):
            self._engine = create_engine(self.db_url)
        with self._engine.connect() as c:
            return int(
                c.scalar(
                    text("SELECT count(cleared_at) FROM alert_deliveries WHERE alert_id = :a"),
                    {"a": alert_id},
                )
                or 0
            )

    def converge(
        self, kind: str, alert_id: int, version: int, t0: float, expect: int
    ) -> dict[str, Any]:
        """Wait for the players (generators) and the server's count, in parallel."""
        server: dict[str, Any] = {}

        def poll() -> None:
            deadline = time.monotonic() + self.args.timeout
            while time.monotonic() < deadline:
                if kind == "alert":
                    out = self.api("GET", f"/alerts/{alert_id}")
                    n = out["receipts"]["displayed"] if out else 0
                else:
                    n = self.cleared(alert_id)
                server["last"] = n
                if n >= expect:
                    server["seconds"] = time.monotonic() - t0
                    return
                time.sleep(0.5)

        poller = threading.Thread(target=poll)
        poller.start()
        replies = self.gens.ask(
            cmd="wait", kind=kind, id=alert_id, version=version, timeout=self.args.timeout
        )
        poller.join()
        lat = [(t - t0) * 1000 for r in replies for t in r["times"]]
        return {
            "players": len(lat),
            "missing": sum(r["n_missing"] for r in replies),
            "missing_boards": [c for r in replies for c in r["missing"]][:10],
            "p50": fanout.pct(lat, 50) if lat else None,
            "p99": fanout.pct(lat, 99) if lat else None,
            "max": max(lat) if lat else None,
            "server_s": server.get("seconds"),
            "server_count": server.get("last"),
        }

    def cycle(self, seq: int, t_start: float) -> None:
        expect = merge(self.gens.ask(cmd="stats"))["ever"]
        res: dict[str, Any] = {"seq": seq, "minute": (time.monotonic() - t_start) / 60,
                               "expect": expect}  # fmt: skip
        t0 = time.monotonic()
        out = self.api("POST", "/alerts", {"template": "storm", "areas": ["VN"]})
        res["post_s"] = time.monotonic() - t0
        if out is None or out.get("state") != "active":
            res["error"] = f"alert not sent: {out and out.get('state')}"
            self.cycles.append(res)
            print(json.dumps(res), flush=True)
            return
        alert_id, version = out["id"], out["version"]
        res["id"] = alert_id
        res["alert"] = self.converge("alert", alert_id, version, t0, expect)
        time.sleep(self.args.hold)
        t1 = time.monotonic()
        out = self.api("POST", f"/alerts/{alert_id}/cancel", {})
        res["cancel_post_s"] = time.monotonic() - t1
        if out is None:
            res["error"] = "cancel failed"
        else:
            res["cancel"] = self.converge("cancel", alert_id, out["version"], t1, expect)
        res["end_minute"] = (time.monotonic() - t_start) / 60
        self.cycles.append(res)
        print(cycle_row(res), flush=True)

    def run(self) -> dict[str, Any]:
        args = self.args
        t = time.monotonic()
        conn = self.gens.ask(cmd="connect", concurrency=args.concurrency, timeout=args.timeout)
        connect = {
            "connected": sum(r["connected"] for r in conn),
            "failed": sum(r["failed"] for r in conn),
            "seconds": time.monotonic() - t,
        }
        print(f"connected {connect['connected']} of {args.players} in "
              f"{connect['seconds']:.1f} s ({connect['failed']} failed)", flush=True)  # fmt: skip
        time.sleep(2.0)
        t_start = time.monotonic()
        sampler = threading.Thread(target=self.sampler, args=(t_start,), daemon=True)
        sampler.start()
        end = t_start + args.minutes * 60
        seq = 0
        next_alert = t_start + args.alert_every * 60
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if now >= next_alert:
                seq += 1
                self.cycle(seq, t_start)
                next_alert += args.alert_every * 60
                continue
            time.sleep(min(1.0, max(0.0, min(end, next_alert) - now)))
        self.stop_event.set()
        sampler.join()
        self.record_sample(self._prev, self.proc_now(), t_start)  # the end, for the summary
        quiet = merge(self.gens.ask(cmd="quiesce", timeout=30))
        stored = self.stored()  # an ack is sent after its batch's commit
        final = merge(self.gens.stop())
        return {"connect": connect, "players": quiet, "final": final, "db": stored}

    def stored(self) -> dict[str, int]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db_url)
        with engine.connect() as c:
            out = {
                "batches": int(c.scalar(text("SELECT count(*) FROM play_batches")) or 0),
                "records": int(c.scalar(text("SELECT count(*) FROM play_records")) or 0),
            }
        engine.dispose()
        return out


# --- report --------------------------------------------------------------------------------

SAMPLE_HEADER = (
    "| minute | server RSS (MiB) | worker RSS (MiB) | server CPU % | scheduler RSS (MiB) / CPU % "
    "| generators RSS (MiB) / CPU % | load 1 min |\n|---|---|---|---|---|---|---|"
)


def num(v: float | None, fmt: str = ".0f") -> str:
    return "-" if v is None or v != v else format(v, fmt)


def sample_row(s: dict[str, Any]) -> str:
    return (
        f"| {s['minute']:.1f} | {s['server_rss_mib']:.1f} | {s['worker_rss_mib']:.1f}"
        f" | {num(s['server_cpu_pct'], '.1f')}"
        f" | {s['scheduler_rss_mib']:.1f} / {num(s['scheduler_cpu_pct'], '.1f')}"
        f" | {s['gen_rss_mib']:.0f} / {num(s['gen_cpu_pct'], '.1f')} | {s['load']:.2f} |"
    )


CYCLE_HEADER = (
    "| # | minute | boards | POST (s) | alert: players p50 / p99 / max (ms) | missing "
    "| API displayed=N (s) | cancel POST (s) | cancel: players p50 / p99 / max (ms) | missing "
    "| DB cleared=N (s) |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def cycle_row(c: dict[str, Any]) -> str:
    if "alert" not in c:
        return f"| {c['seq']} | {c['minute']:.1f} | {c['expect']} | {c.get('error')} ||||||||"
    a = c["alert"]
    x = c.get("cancel") or {}
    return (
        f"| {c['seq']} | {c['minute']:.1f} | {c['expect']} | {c['post_s']:.2f}"
        f" | {num(a['p50'])} / {num(a['p99'])} / {num(a['max'])} | {a['missing']}"
        f" | {num(a['server_s'], '.2f')} ({a['server_count']})"
        f" | {num(c.get('cancel_post_s'), '.2f')}"
        f" | {num(x.get('p50'))} / {num(x.get('p99'))} / {num(x.get('max'))}"
        f" | {x.get('missing', '-')}"
        f" | {num(x.get('server_s'), '.2f')} ({x.get('server_count', '-')}) |"
    )


def summarise(soak: Soak, result: dict[str, Any]) -> dict[str, Any]:
    s = soak.samples
    rss0, rss1 = s[0]["server_rss_mib"], s[-1]["server_rss_mib"]
    # Warm: the first sample after the first alert ended (its renditions, caches, buffers).
    first = soak.cycles[0].get("end_minute") if soak.cycles else None
    warm = next((x for x in s if first is not None and x["minute"] >= first), s[0])
    cpus = [x["server_cpu_pct"] for x in s[1:] if x["server_cpu_pct"] == x["server_cpu_pct"]]
    count = result["final"]["count"]
    cycles = soak.cycles
    ok_cycles = [c for c in cycles if "alert" in c and "cancel" in c]
    missing = sum(c["alert"]["missing"] + c["cancel"]["missing"] for c in ok_cycles)
    server_short = sum(
        1
        for c in ok_cycles
        for k in ("alert", "cancel")
        if c[k]["server_s"] is None  # the server never counted N
    )
    errors = dict(result["final"]["errors"])
    summary = {
        "players": soak.args.players,
        "minutes": soak.args.minutes,
        "connected": result["connect"]["connected"],
        "connect_s": result["connect"]["seconds"],
        "connect_failures": result["connect"]["failed"],
        "rss_start_mib": rss0,
        "rss_end_mib": rss1,
        "rss_growth_pct": (rss1 - rss0) / rss0 * 100,
        "rss_warm_mib": warm["server_rss_mib"],
        "rss_warm_minute": warm["minute"],
        "rss_growth_warm_pct": (rss1 - warm["server_rss_mib"]) / warm["server_rss_mib"] * 100,
        "worker_rss_start_mib": s[0]["worker_rss_mib"],
        "worker_rss_end_mib": s[-1]["worker_rss_mib"],
        "cpu_avg_pct": sum(cpus) / len(cpus) if cpus else float("nan"),
        "cpu_max_pct": max(cpus) if cpus else float("nan"),
        "gen_cpu_avg_pct": sum(x["gen_cpu_pct"] for x in s[1:]) / max(1, len(s) - 1),
        "disconnects": result["final"]["count"].get("disconnects", 0),
        "connect_retries": result["final"]["count"].get("connect retries", 0),
        "http_errors": sum(soak.http_errors.values()),
        "player_errors": sum(errors.values()),
        "alerts": len(cycles),
        "alerts_failed": len(cycles) - len(ok_cycles),
        "missing_receipts": missing,
        "server_short": server_short,
        "heartbeats": count.get("sent heartbeat", 0),
        "alert_syncs": count.get("sent alert_sync", 0),
        "pop_batches_posted": count.get("pop batches", 0),
        "pop_batches_acked": result["final"]["count"].get("pop acked", 0),
        "pop_records_posted": count.get("pop records", 0),
        "pop_records_stored": result["db"]["records"],
        "pop_batches_stored": result["db"]["batches"],
        "errors_detail": {**errors, **{f"http {k}": v for k, v in soak.http_errors.items()}},
    }
    summary["errors"] = (
        summary["connect_failures"]
        + summary["disconnects"]
        + summary["http_errors"]
        + summary["player_errors"]
        + summary["alerts_failed"]
        + summary["missing_receipts"]
        + summary["server_short"]
        + abs(summary["pop_records_posted"] - summary["pop_records_stored"])
    )
    return summary


def report(soak: Soak, summary: dict[str, Any], env: str, command: str) -> str:
    s = summary
    lines = [
        f"bench/soak.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {env}",
        f"command: `{command}`",
        "",
        "Samples (server = gunicorn master + worker)",
        "",
        SAMPLE_HEADER,
        *(sample_row(x) for x in soak.samples),
        "",
        "Alerts to every board, then cancelled (latency from just before the POST)",
        "",
        CYCLE_HEADER,
        *(cycle_row(c) for c in soak.cycles),
        "",
        "| summary | |",
        "|---|---|",
        f"| players connected | {s['connected']} of {s['players']} in {s['connect_s']:.1f} s |",
        f"| server RSS start / end / growth | {s['rss_start_mib']:.1f} / {s['rss_end_mib']:.1f}"
        f" MiB / {s['rss_growth_pct']:+.1f} % (worker {s['worker_rss_start_mib']:.1f} /"
        f" {s['worker_rss_end_mib']:.1f}) |",
        f"| server RSS growth from minute {s['rss_warm_minute']:.1f} (after the first alert) |"
        f" {s['rss_warm_mib']:.1f} -> {s['rss_end_mib']:.1f} MiB,"
        f" {s['rss_growth_warm_pct']:+.1f} % |",
        f"| server CPU avg / max | {num(s['cpu_avg_pct'], '.1f')} % /"
        f" {num(s['cpu_max_pct'], '.1f')} % of one core |",
        f"| generators CPU avg | {s['gen_cpu_avg_pct']:.1f} % of one core |",
        f"| heartbeats / alert_syncs sent | {s['heartbeats']} / {s['alert_syncs']} |",
        f"| proof of play: batches posted / acked / stored | {s['pop_batches_posted']} /"
        f" {s['pop_batches_acked']} / {s['pop_batches_stored']} |",
        f"| proof of play: records posted / stored | {s['pop_records_posted']} /"
        f" {s['pop_records_stored']} |",
        f"| alerts sent / failed | {s['alerts']} / {s['alerts_failed']} |",
        f"| missing receipts (players) / server never counted N | {s['missing_receipts']} /"
        f" {s['server_short']} |",
        f"| connect failures / retries / disconnects / HTTP errors / player errors | "
        f"{s['connect_failures']} / {s['connect_retries']} / {s['disconnects']} /"
        f" {s['http_errors']} / {s['player_errors']} |",
        f"| **errors** | **{s['errors']}** {s['errors_detail'] or ''} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--alert-every", type=float, default=3, help="minutes between alerts")
    parser.add_argument("--hold", type=float, default=10, help="seconds an alert stays on")
    parser.add_argument("--db", default="postgresql",
                        help=f"sqlite, postgresql ({DEFAULT_PG}) or a PostgreSQL URL: a scratch "
                        "database is created next to it and dropped")  # fmt: skip
    parser.add_argument("--queue", choices=("none", "redis"), default="none",
                        help="redis: its own redis-server, and the scheduler")  # fmt: skip
    parser.add_argument("--generators", type=int, default=0,
                        help="generator processes (default: one per 2,500 players)")  # fmt: skip
    parser.add_argument("--pop-every", type=float, default=60, help="proof-of-play batch, s")
    parser.add_argument("--sample-every", type=float, default=60, help="RSS/CPU sample, s")
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight")
    parser.add_argument(
        "--timeout", type=float, default=120, help="connecting all, or one convergence"
    )
    parser.add_argument("--out", default=str(HERE / "results" / "soak.md"))
    parser.add_argument("--generator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--tokens", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by servers and players
    if args.generator:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(generator_main(args.url, args.tokens, args.first, args.count, args.pop_every))
        return None
    for name in ("players", "minutes", "alert_every", "pop_every", "sample_every", "concurrency"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.players + 200 > hard:
        print(f"warning: the file limit is {hard}; {args.players} players will not all fit")
    args.generators = args.generators or max(1, -(-args.players // 2500))
    command = "bench/soak.py " + " ".join(sys.argv[1:] if argv is None else argv)
    versions = {
        m: __import__("importlib.metadata").metadata.version(m)
        for m in ("gunicorn", "gevent", "flask-socketio", "python-socketio", "websockets")
    }
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    model = cpu_model()
    env = (
        f"{os.cpu_count()} CPUs ({model}), {int(mem) / 1024 / 1024:.1f} GiB RAM, Python "
        f"{platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; file limit {hard}; db {'SQLite' if args.db == 'sqlite' else 'PostgreSQL'}"
        + f"; message queue {args.queue}; {args.generators} generator process(es)"
    )
    print(env, flush=True)
    root = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    soak = Soak(args, root)
    try:
        soak.start()
        print(f"server up ({'; '.join(soak.server.notes)}); logs in {root}", flush=True)
        result = soak.run()
    finally:
        soak.stop()
    summary = summarise(soak, result)
    out = report(soak, summary, env, command)
    print("\n" + out, flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(out, encoding="utf-8")
    raw = {"summary": summary, "samples": soak.samples, "cycles": soak.cycles, **result}
    Path(args.out).with_suffix(".json").write_text(json.dumps(raw, default=str, indent=1))
    return summary


if __name__ == "__main__":
    main()
