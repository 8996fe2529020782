"""Time to acknowledge a Slack `/log` and to answer it: `touchpoint serve slack` on a workspace of 100,000
accounts against a bare slack-bolt app on the same server stack whose handler only acknowledges.

    .venv/bin/python bench/slack_ack.py [--accounts 100000 --contacts 200000 --requests 300 --seed 7] [--open]
                                        [--fake-slack thread|process] [--think MS]

Everything runs on 127.0.0.1: a fake Slack (Web API and response_url) in a thread of this process (or, with
--fake-slack process, in a process of its own, as the real Slack is another machine), each app served in its
own subprocess (ours through bot.slack_server.serve_slack, what `touchpoint serve slack` runs, with its
credentials from the environment), and a load generator sending correctly signed slash commands at
concurrency 1 and 16: by default N reps each waiting for the answer to a note before sending the next
(closed loop); with --open, N connections each sending the next note as soon as the last is acknowledged;
with --think, each rep pauses that long after an answer (or ack) before the next note.
Every load loop is bounded in count and in time.
The workspace is built once with bulk inserts into the migrated tables and cached under /tmp/touchpoint-bench/
(keyed by size and seed); each run works on a fresh copy of it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

CACHE = Path("/tmp/touchpoint-bench")
TEAM = "TBENCH0001"
WORKSPACE = f"slack:{TEAM}"
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
HOST = "127.0.0.1"
TITLES = ("CFO", "VP Sales", "Head of IT", "Procurement Manager", "CTO", "Operations Director", None)
OTHER_TEXTS: list[str] = []  # answers that are neither a log nor a question, shown after the tables
PHASE_SECONDS = 120.0  # no measured phase runs longer than this, whatever --requests says
FOLLOWUP_SECONDS = 30.0  # how long to wait for response_url posts after a phase


# --- the workspace ----------------------------------------------------------------------------------------


def world_file(accounts: int, contacts: int, seed: int) -> Path:
    """The cached workspace: built once per (size, seed) with bulk inserts into the migrated tables."""
    path = CACHE / f"slack-ack-{accounts}a-{contacts}c-s{seed}.db"
    if path.exists():
        return path
    from resolve_accounts import FIRST, LAST, make_accounts
    from sqlalchemy import insert

    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from domain.customer import Account, Individual
    from storage.mapping import account_to_row, individual_to_row
    from storage.tables import AccountRow, IndividualRow

    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    app = bootstrap(Settings(DATABASE_URL=f"sqlite:///{partial}"))  # type: ignore[call-arg]
    app.ensure_workspace(WORKSPACE, "Bench Sales")
    rng = random.Random(seed)
    known = make_accounts(accounts, rng)
    account_rows = [account_to_row(Account(f"acc{i:07d}", a.name, a.aliases, a.domain), WORKSPACE).model_dump()
                    for i, a in enumerate(known)]
    people: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    while len(people) < contacts:
        account_id = account_rows[rng.randrange(accounts)]["id"]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if (account_id, name) in seen:
            continue
        seen.add((account_id, name))
        person = Individual(f"ind{len(people):07d}", account_id, name, rng.choice(TITLES))
        people.append(individual_to_row(person, WORKSPACE).model_dump())
    with app.engine.begin() as conn:
        for model, rows in ((AccountRow, account_rows), (IndividualRow, people)):
            table = model.__table__  # type: ignore[attr-defined,union-attr]
            for i in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[i:i + 5000])  # type: ignore[arg-type]
    app.engine.dispose()
    partial.rename(path)
    print(f"built {path} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return path


def notes(path: Path, count: int, seed: int) -> list[str]:
    """What reps type after calls: an account named loosely (typos, no suffix, lower case, acronyms), often a
    person, a signal, and a next step with a date."""
    import sqlite3

    from resolve_accounts import noisy

    from domain.understanding import KnownAccount

    with sqlite3.connect(path) as db:
        accounts = db.execute("SELECT id, name, aliases FROM account").fetchall()
        people = dict(db.execute("SELECT account_id, name FROM individual").fetchall())
    rng = random.Random(seed + 1)
    signals = ("worried about price", "loved the demo", "budget approved for Q1", "wants a trial",
               "security review pending", "comparing us with a competitor", "asked for references")
    steps = ("send the ROI calculation", "book a demo with IT", "send the security pack", "draft a proposal",
             "follow up on pricing")
    days = ("Friday", "tomorrow", "next week", "Monday", "in two weeks")
    out: list[str] = []
    for _ in range(count):
        acc_id, name, aliases = rng.choice(accounts)
        loose, _kind = noisy(KnownAccount(acc_id, name, tuple(json.loads(aliases or "[]")), None), rng)
        person = people.get(acc_id)
        who = f" with {person}" if person and rng.random() < 0.7 else ""
        shape = rng.randrange(3)
        if shape == 0:
            out.append(f"call{who} at {loose}, {rng.choice(signals)}. next: {rng.choice(steps)} by {rng.choice(days)}")
        elif shape == 1:
            out.append(f"{loose}: {rng.choice(signals)}{who}")
        else:
            out.append(f"met{who or ' the team'} at {loose} today, {rng.choice(signals)}")
    return out


# --- a fake Slack on loopback -----------------------------------------------------------------------------


@dataclass
class FakeSlack:
    """The Web API methods the apps call, and response_url endpoints recording when each post arrived."""

    arrivals: dict[str, float] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiters: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)  # Web API method -> calls (all apps, all phases)
    hook_peers: set[tuple[str, int]] = field(default_factory=set)  # the connections response_url posts came over

    def waiter(self, hook: str) -> asyncio.Event:
        """An event set when the hook's post arrives (the load generator waits on it without polling)."""
        event = asyncio.Event()
        self.waiters[hook] = (asyncio.get_running_loop(), event)
        if hook in self.arrivals:
            event.set()
        return event

    def web_app(self) -> web.Application:
        server = web.Application()
        server.router.add_post("/api/{method}", self._api)
        server.router.add_post("/hook/{id}", self._hook)
        return server

    async def _api(self, request: web.Request) -> web.Response:
        await request.read()
        method = request.match_info["method"]
        self.called(method)
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"user_id": "U0BOT", "bot_id": "B0BOT", "team_id": TEAM, "user": "touchpoint"},
            "users.info": {"user": {"id": "U", "tz": "America/New_York"}}}
        return web.json_response({"ok": True, **answers.get(method, {})})

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        at = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.arrived(request.match_info["id"], at, body, tuple(peer[:2]) if peer else None)
        return web.Response(text="ok")

    def arrived(self, hook: str, at: float, body: dict[str, Any], peer: tuple[str, int] | None) -> None:
        self.arrivals[hook] = at
        self.bodies[hook] = body
        if peer:
            self.hook_peers.add(peer)
        if hook in self.waiters:
            loop, event = self.waiters.pop(hook)
            loop.call_soon_threadsafe(event.set)

    def called(self, method: str) -> None:
        self.api_calls[method] = self.api_calls.get(method, 0) + 1


class ReportingFakeSlack(FakeSlack):
    """The fake Slack of --fake-slack process: answers in its own process, and reports every arrival and API
    call to the load generator over a pipe (a few bytes to read, instead of an HTTP request to serve)."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self._conn = conn

    def arrived(self, hook: str, at: float, body: dict[str, Any], peer: tuple[str, int] | None) -> None:
        self._conn.send(("hook", hook, at, body, peer))

    def called(self, method: str) -> None:
        self._conn.send(("api", method))


def serve_fake_process(conn: Any) -> None:
    """The fake Slack's own process: serves until the load generator closes the pipe."""
    fake = ReportingFakeSlack(conn)
    conn.send(("url", serve_in_thread(fake.web_app())))
    with contextlib.suppress(EOFError, OSError):
        conn.recv()  # nothing is sent this way: returns when the generator's end closes


def fake_in_process(fake: FakeSlack) -> str:
    """Starts the fake Slack in a process of its own; a thread here files what it reports into `fake`."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    ctx.Process(target=serve_fake_process, args=(theirs,), name="fake-slack", daemon=True).start()
    _, url = ours.recv()

    def listen() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                msg = ours.recv()
                if msg[0] == "hook":
                    fake.arrived(*msg[1:])
                else:
                    fake.called(msg[1])

    threading.Thread(target=listen, daemon=True, name="fake-slack-reports").start()
    return str(url)


def serve_in_thread(server: web.Application) -> str:
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(server, access_log=None)
    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(runner.setup(), loop).result(10)
    site = web.TCPSite(runner, HOST, 0)
    asyncio.run_coroutine_threadsafe(site.start(), loop).result(10)
    return f"http://{HOST}:{runner.addresses[0][1]}"


# --- the two servers --------------------------------------------------------------------------------------


def serve_bare(port: int) -> None:
    """A bare slack-bolt app on our server stack (aiohttp, Bolt in a thread pool): its handler only acks."""
    from slack_bolt import Ack
    from slack_bolt import App as BoltApp
    from slack_sdk import WebClient

    from bot.bootstrap import bootstrap
    from bot.slack_server import make_web_app

    app = bootstrap()  # only for /healthz
    client = WebClient(token=TOKEN, base_url=os.environ["SLACK_API_URL"])
    bolt = BoltApp(signing_secret=SECRET, client=client, process_before_response=True)

    @bolt.command("/log")
    def only_ack(ack: Ack) -> None:
        ack()

    web.run_app(make_web_app(app, bolt, signing_secret=SECRET), host=HOST, port=port, access_log=None, print=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start(kind: str, db: Path, api_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": api_url + "/api/", "HOME": str(db.parent)}
    if kind == "ours":  # what `touchpoint serve slack` runs (settings and Slack credentials from the environment)
        cmd = [sys.executable, "-c", "from bot.bootstrap import bootstrap; from bot.slack_server import serve_slack; "
               f"serve_slack(bootstrap(), host={HOST!r}, port={port})"]
    else:
        cmd = [sys.executable, __file__, "--serve-bare", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{kind} server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{kind} server never became healthy")


# --- load -------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    sent: float
    acked: float
    status: int
    text: str  # what the ack said to the rep ("" for a bare ack)
    hook: str


def signed(note: str, hook_url: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"token": "x", "team_id": TEAM, "team_domain": "bench", "channel_id": "C0BENCH",
                      "channel_name": "sales", "user_id": "U0REP", "user_name": "rep", "command": "/log",
                      "text": note, "api_app_id": "A0TOUCH", "is_enterprise_install": "false",
                      "response_url": hook_url, "trigger_id": f"{time.time_ns()}.1.{uuid.uuid4().hex[:8]}"})
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": sig}


async def load(url: str, api_url: str, todo: list[str], concurrency: int,
               fake: FakeSlack | None = None, think: float = 0.0) -> tuple[list[Sample], float]:
    """`concurrency` reps, each sending a note and waiting for its answer (the ack, or with `fake` the
    response_url post an empty ack promises), then `think` seconds, before the next; stops at the end of the
    list or after PHASE_SECONDS."""
    queue: Iterator[str] = iter(todo)
    samples: list[Sample] = []
    deadline = time.monotonic() + PHASE_SECONDS

    async def worker(session: aiohttp.ClientSession) -> None:
        for note in queue:
            if time.monotonic() > deadline:
                return
            hook = uuid.uuid4().hex
            answered = fake.waiter(hook) if fake is not None else None
            body, headers = signed(note, f"{api_url}/hook/{hook}")
            sent = time.perf_counter()
            async with session.post(url + "/slack/events", data=body, headers=headers) as resp:
                raw = await resp.read()
                acked = time.perf_counter()
            text = str(json.loads(raw).get("text", "")) if raw.startswith(b"{") else raw.decode()
            samples.append(Sample(sent, acked, resp.status, text, hook))
            if answered is not None and not text:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), FOLLOWUP_SECONDS)
            if think:
                await asyncio.sleep(think)

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), timeout=timeout) as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return samples, time.perf_counter() - began


def finals(samples: list[Sample], fake: FakeSlack, *, followups: bool) -> tuple[list[float], int]:
    """Time to the answer the rep reads: the ack itself when it carries the answer, else the response_url post.
    Returns the times and how many answers never came (within FOLLOWUP_SECONDS)."""
    deadline = time.monotonic() + FOLLOWUP_SECONDS  # open loop: answers may still be on their way
    while followups and time.monotonic() < deadline and any(not s.text and s.hook not in fake.arrivals
                                                              for s in samples):
        time.sleep(0.01)
    out, missing = [], 0
    for s in samples:
        if s.text or not followups:
            out.append(s.acked - s.sent)
        elif s.hook in fake.arrivals:
            out.append(fake.arrivals[s.hook] - s.sent)
        else:
            missing += 1
    return out, missing


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


@dataclass
class Row:
    target: str
    concurrency: int
    count: int
    rps: float
    ack: tuple[float, float]
    final: tuple[float, float]
    errors: int
    missing: int
    outcomes: dict[str, int]


def outcome(s: Sample, fake: FakeSlack) -> str:
    text = s.text or str(fake.bodies.get(s.hook, {}).get("text", ""))
    for word, label in (("Logged", "logged"), ("Which", "asked which"), ("Already", "duplicate"),
                        ("I can't", "error"), ("Sorry", "error"), ("Someone changed", "conflict")):
        if text.startswith(word) or f"\n{word}" in text:
            return label
    if text and not text.startswith(("Logged", "Which")):
        OTHER_TEXTS.append(text[:120])
    return "ack only" if not text else "other"


def run_target(kind: str, db: Path, fake: FakeSlack, api_url: str, all_notes: list[str], requests: int,
               concurrencies: list[int], open_loop: bool, think: float = 0.0) -> tuple[list[Row], float]:
    proc, url = start(kind, db, api_url)
    cold = 0.0
    try:
        answers = fake if kind == "ours" else None
        first, _ = asyncio.run(load(url, api_url, all_notes[:1], 1, answers))  # the first request after a start
        cold = finals(first, fake, followups=answers is not None)[0][0]
        asyncio.run(load(url, api_url, all_notes[1:21], 4, answers))  # warm-up
        rows, offset = [], 21
        for c in concurrencies:
            n = requests if c == 1 else requests * 2
            followups = kind == "ours"
            samples, wall = asyncio.run(load(url, api_url, all_notes[offset:offset + n], c,
                                             fake if followups and not open_loop else None, think))
            offset += n
            final, missing = finals(samples, fake, followups=followups)
            acks = [s.acked - s.sent for s in samples]
            counts: dict[str, int] = {}
            for s in samples:
                counts[outcome(s, fake)] = counts.get(outcome(s, fake), 0) + 1
            rows.append(Row(kind, c, len(samples), len(samples) / wall, (pct(acks, .5), pct(acks, .99)),
                            (pct(final, .5), pct(final, .99)), sum(s.status != 200 for s in samples), missing,
                            counts))
        return rows, cold
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(rows: list[Row], colds: dict[str, float]) -> str:
    bare = {r.concurrency: r for r in rows if r.target == "bare"}
    lines = ["| app | conc. | requests | req/s | ack p50 ms | ack p99 ms | final p50 ms | final p99 ms | "
             "non-200 | no answer |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.target} | {r.concurrency} | {r.count} | {r.rps:.0f} | {r.ack[0]:.1f} | {r.ack[1]:.1f} "
                     f"| {r.final[0]:.1f} | {r.final[1]:.1f} | {r.errors} | {r.missing} |")
    lines += ["", "| conc. | req/s ratio | ack p50 ratio | ack p99 ratio | final p50 ratio | final p99 ratio |",
              "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.target == "ours" and r.concurrency in bare:
            b = bare[r.concurrency]
            lines.append(f"| {r.concurrency} | {r.rps / b.rps:.2f} | {r.ack[0] / b.ack[0]:.2f} | "
                         f"{r.ack[1] / b.ack[1]:.2f} | {r.final[0] / b.final[0]:.2f} | {r.final[1] / b.final[1]:.2f} |")
    lines += ["", "first request after start, to its answer (ms): "
              + ", ".join(f"{k} {v * 1000:.0f}" for k, v in colds.items())]
    lines += ["outcomes (ours): " + "; ".join(f"c{r.concurrency}: " + ", ".join(
        f"{k} {v}" for k, v in sorted(r.outcomes.items())) for r in rows if r.target == "ours")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300, help="measured requests at concurrency 1 (x2 at 16)")
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--open", action="store_true",
                        help="open loop: each of the N connections sends its next note as soon as the last is acked, "
                             "not once it is answered")
    parser.add_argument("--fake-slack", choices=("thread", "process"), default="thread",
                        help="where the fake Slack answers the worker's posts: a thread of this load generator "
                             "(default, sharing its GIL), or a process of its own, as the real Slack is elsewhere")
    parser.add_argument("--think", type=float, default=0.0, metavar="MS",
                        help="each rep waits this long after an answer before its next note, the same for both apps "
                             "(default 0: back to back, so bare, answered by its ack, is sent ~6x as many requests "
                             "a second as ours, and its CPU never idles between them)")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    cached = world_file(args.accounts, args.contacts, args.seed)
    total = 21 + args.requests + sum(args.requests * (1 if c == 1 else 2) for c in concurrencies)
    all_notes = notes(cached, total, args.seed)
    fake = FakeSlack()
    api_url = fake_in_process(fake) if args.fake_slack == "process" else serve_in_thread(fake.web_app())
    run_dir = CACHE / f"run-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        work = run_dir / "ours.db"
        shutil.copyfile(cached, work)  # every run starts from the same workspace
        rows: list[Row] = []
        colds: dict[str, float] = {}
        for kind, db in (("bare", run_dir / "bare.db"), ("ours", work)):
            target_rows, colds[kind] = run_target(kind, db, fake, api_url, all_notes, args.requests, concurrencies,
                                                  args.open, args.think / 1000)
            rows += target_rows
        print(f"{args.accounts:,} accounts, {args.contacts:,} contacts; {os.cpu_count()} CPUs; "
              f"Python {sys.version.split()[0]}; {'open' if args.open else 'closed'} loop; think {args.think:g} ms; "
              f"fake Slack in a {args.fake_slack}")
        print(report(rows, colds))
        print(f"fake Slack: {len(fake.arrivals)} response_url posts over {len(fake.hook_peers)} connection(s); "
              f"Web API calls: {dict(sorted(fake.api_calls.items()))}")
        if OTHER_TEXTS:
            print("other answers:", *sorted(set(OTHER_TEXTS))[:5], sep="\n  ")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
