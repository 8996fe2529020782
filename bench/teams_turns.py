"""Teams turns: our endpoint against a bare botbuilder bot on the same stack, replies to a fake connector.

    .venv/bin/python bench/teams_turns.py [--turns 300 --seconds 20 --concurrency 1,16
                                           --bots bare,ours-stock,ours --workspaces world,demo --workloads log,dmu
                                           --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
                                           --profile DIR]

Each bot is served in its own subprocess on 127.0.0.1 (aiohttp, auth off); this process posts personal-chat
message Activities (a plain-words log, a `dmu ACCOUNT` query) and hosts the fake Bot Framework connector
(tests/integration/teams_fakes.py) that the replies go to. Bots:

- bare:        a botbuilder ActivityHandler replying "ok", served the stock way (CloudAdapter.process)
- ours-stock:  our endpoint and bot, with the adapter swapped for a stock CloudAdapter (the "before")
- ours:        our endpoint exactly as `touchpoint serve teams` builds it (SQL conversation references)
- bare-reuse:  the bare handler on our adapter: what the adapter alone costs

Workspaces: `world` is tests/fixtures/world.json, `demo` the generated demo world (36 accounts, 129 people,
113 interactions). Every run gets a fresh tenant loaded with its world, so a run never sees an earlier run's
logs. Reported per run: throughput, p50/p99 from the POST to the reply reaching the connector, server CPU
per turn (time.process_time in the server, all threads), and each as a ratio to `bare`.
Every run is bounded by --turns and --seconds. --profile DIR writes a cProfile of each server per run: its
event-loop thread and its worker threads (where our bot parses, logs and answers) merged in one file.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web  # noqa: E402

from tests.integration.teams_fakes import FakeConnector, serve  # noqa: E402

NOW = datetime(2026, 11, 18, 22, 30, tzinfo=UTC)
SAMPLE = ROOT.parent / "shared" / "platform-samples" / "teams_message_personal.json"
WORLD = ROOT / "tests" / "fixtures" / "world.json"
REPS = 20  # distinct reps (and 1:1 chats) per run, so conversation references are saved as in real use
WARMUP = 10


# ---------------------------------------------------------------- workloads (shared by both processes)


def world_of(name: str) -> dict[str, Any]:
    if name == "world":
        loaded: dict[str, Any] = json.loads(WORLD.read_text())
        return loaded
    from bot.demo_world import build_demo_world

    return build_demo_world(today=date(2026, 11, 18))


def texts(workspace: str, workload: str) -> list[str]:
    """What reps say: plain-words logs or dmu queries, each naming one account unambiguously."""
    if workspace == "world":
        if workload == "log":
            return [
                "Good call with Frank at Globex today, he wants the security pack by Friday",
                "Met Bill Lumbergh at Initech Software, he is keen on a pilot next month",
                "Call with Alice Wong at Umbrella, she raised budget concerns about the renewal",
            ]
        return ["dmu Globex", "dmu Initech Software", "dmu Umbrella"]
    world, first = world_of(workspace), dict[str, str]()
    for contact in world["contacts"]:
        first.setdefault(contact["account"], contact["name"].split()[0])
    names = [a["name"] for a in world["accounts"]]
    if workload == "log":
        return [f"Good call with {first[n]} at {n} today, they want a pilot next month" for n in names]
    return [f"dmu {n}" for n in names]


class Spec(NamedTuple):
    """One measured run: which world, what reps say, how many at once, and which repetition."""

    workspace: str
    workload: str
    concurrency: int
    repeat: int

    @property
    def tenant(self) -> str:  # every run its own tenant: a run never sees an earlier run's logs
        return f"bench-{self.workspace}-{self.workload}-c{self.concurrency}-r{self.repeat}"

    @property
    def name(self) -> str:
        return f"{self.workspace}-{self.workload}-c{self.concurrency}-r{self.repeat}"


# ---------------------------------------------------------------- the server subprocess


class _ThreadProfiles:
    """A cProfile per worker thread, enabled around each job while a profile runs (our bot parses, logs and
    answers in asyncio.to_thread workers, which a profile of the loop thread alone would miss)."""

    def __init__(self) -> None:
        self.active = False
        self.profiles: dict[int, Any] = {}

    def wrap(self, fn: Any) -> Any:
        import cProfile
        import threading

        def run(*a: Any, **k: Any) -> Any:
            if not self.active:
                return fn(*a, **k)
            profile = self.profiles.setdefault(threading.get_ident(), cProfile.Profile())
            profile.enable()
            try:
                return fn(*a, **k)
            finally:
                profile.disable()

        return run


async def _serve(args: argparse.Namespace) -> None:
    import cProfile
    import pstats
    from concurrent.futures import ThreadPoolExecutor

    server = _bare_server(args.serve) if args.serve.startswith("bare") else _our_server(args)
    profiler: list[cProfile.Profile] = []
    threads = _ThreadProfiles()
    if args.profile:

        class Profiling(ThreadPoolExecutor):
            def submit(self, fn: Any, /, *a: Any, **k: Any) -> Any:
                return super().submit(threads.wrap(fn), *a, **k)

        asyncio.get_running_loop().set_default_executor(Profiling())

    async def cpu(request: web.Request) -> web.Response:
        """CPU seconds of this process so far; optionally starts/stops a profile of the loop thread and the
        worker threads (one file per run: both merged)."""
        mark = request.query.get("profile")
        if args.profile and mark == "start":
            profiler[:] = [cProfile.Profile()]
            threads.profiles.clear()
            threads.active = True
            profiler[0].enable()
        elif args.profile and mark == "stop" and profiler:
            profiler[0].disable()
            threads.active = False
            stats = pstats.Stats(profiler[0])
            for profile in list(threads.profiles.values()):
                stats.add(profile)
            stats.dump_stats(Path(args.profile) / f"{args.serve}-{request.query['name']}.prof")
        return web.json_response({"cpu": time.process_time()})

    server.router.add_get("/_bench/cpu", cpu)
    runner, url = await serve(server)
    print(json.dumps({"url": url}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await runner.cleanup()


def _bare_server(kind: str) -> web.Application:
    """The stock way: an ActivityHandler that says "ok", CloudAdapter.process on an aiohttp route."""
    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    from bot.teams_server import ADAPTER_KEY, TeamsAuth, create_adapter, remember_loop

    class Bare(ActivityHandler):  # type: ignore[misc]
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity("ok")

    if kind == "bare-reuse":
        adapter = create_adapter(TeamsAuth())
    else:
        adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(TeamsAuth()))
    bot, server = Bare(), web.Application()

    async def messages(request: web.Request) -> web.Response:
        response: web.Response = await adapter.process(request, bot)
        return response

    server.router.add_post("/api/messages", messages)
    if kind == "bare-reuse":  # as create_server does: our connector clients send with aiohttp on this loop
        server[ADAPTER_KEY] = adapter
        server.on_startup.append(remember_loop)
    return server


def _our_server(args: argparse.Namespace) -> web.Application:
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    from bot.bootstrap import bootstrap
    from bot.dataio.importer import import_world
    from bot.settings import Settings
    from bot.teams_app import on_turn_error
    from bot.teams_server import ADAPTER_KEY, TeamsAuth, create_server
    from storage.conversation_refs import SqlConversationRefs

    app = bootstrap(Settings.model_validate({"DATABASE_URL": args.database_url}))
    for spec in args.tenants.split(","):
        workspace, _, tenant_id = spec.partition("=")
        app.ensure_workspace("teams:" + tenant_id, tenant_id)
        report = import_world(app, "teams:" + tenant_id, world_of(workspace))
        assert not report.errors, report.errors
    server = create_server(app, refs=SqlConversationRefs(app.engine), clock=lambda: NOW)
    if args.serve == "ours-stock":  # the "before": the same bot behind the stock adapter
        stock = CloudAdapter(ConfigurationBotFrameworkAuthentication(TeamsAuth()))
        stock.on_turn_error = on_turn_error
        server[ADAPTER_KEY] = stock
    return server


# ---------------------------------------------------------------- this process: load, connector, report


@dataclass
class Server:
    name: str
    process: subprocess.Popen[str]
    url: str
    cleanup: list[Any] = field(default_factory=list)


@dataclass
class Result:
    bot: str
    spec: Spec
    seconds: float
    latencies: list[float]
    cpu: float  # server CPU seconds over the measured turns
    errors: int

    @property
    def turns(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.turns * 1000 if self.turns else float("nan")


def _database(admin_url: str | None, name: str, tmp: Path) -> tuple[str, list[Any]]:
    """A fresh database per server: a SQLite file, or a new PostgreSQL database dropped at the end."""
    if not admin_url:
        return f"sqlite:///{tmp / name}.db", []
    from sqlalchemy import create_engine, text

    db = f"tp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{db}", [drop]


async def start_server(name: str, args: argparse.Namespace, tenants: list[str], tmp: Path) -> Server:
    url, cleanup = _database(args.database_url, name, tmp)
    command = [sys.executable, __file__, "--serve", name, "--database-url", url, "--tenants", ",".join(tenants)]
    command += ["--profile", args.profile] if args.profile else []
    log = (tmp / f"{name}.log").open("w")
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 300)
    if not line:
        raise SystemExit(f"{name} did not start; see {log.name} in {tmp}")
    return Server(name, process, json.loads(line)["url"], cleanup)


def stop_server(server: Server) -> None:
    assert server.process.stdin is not None
    server.process.stdin.close()
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.terminate()  # only the process this benchmark started
        server.process.wait(10)
    for step in server.cleanup:
        step()


def bodies(spec: Spec, bot: str, connector_url: str, count: int) -> list[tuple[str, bytes]]:
    """(activity id, JSON body) for count personal-chat messages, texts and reps round-robin."""
    base, said, run = json.loads(SAMPLE.read_text()), texts(spec.workspace, spec.workload), uuid.uuid4().hex[:8]
    out = []
    for i in range(count):
        body, rep = copy.deepcopy(base), i % REPS
        body.update(id=f"{bot}-{run}-{i}", text=said[i % len(said)], serviceUrl=connector_url + "/")
        body["channelData"]["tenant"]["id"] = spec.tenant
        body["from"].update(id=f"29:bench-rep-{rep}", aadObjectId=f"00000000-0000-0000-0000-{rep:012d}")
        body["conversation"]["id"] = f"a:bench-chat-{rep}"
        out.append((body["id"], json.dumps(body).encode()))
    return out


async def server_cpu(session: ClientSession, server: Server, profile: str, name: str) -> float:
    async with session.get(f"{server.url}/_bench/cpu", params={"profile": profile, "name": name}) as response:
        cpu: float = (await response.json())["cpu"]
        return cpu


async def run(
    session: ClientSession, connector: tuple[FakeConnector, str], server: Server, spec: Spec, args: Any
) -> Result:
    """WARMUP turns one by one, then at most args.turns turns within args.seconds, `concurrency` at a time."""
    fake, connector_url = connector
    posts = bodies(spec, server.name, connector_url, WARMUP + args.turns)
    sent_at: dict[str, float] = {}
    statuses: list[int] = []

    async def post(activity_id: str, body: bytes) -> None:
        sent_at[activity_id] = time.perf_counter()
        headers = {"Content-Type": "application/json"}
        async with session.post(server.url + "/api/messages", data=body, headers=headers) as response:
            await response.read()
            statuses.append(response.status)

    for activity_id, body in posts[:WARMUP]:
        await post(activity_id, body)
    sent_at.clear()
    statuses.clear()
    fake.sent.clear()
    queue = iter(posts[WARMUP:])
    cpu_before = await server_cpu(session, server, "start", spec.name)
    start = time.perf_counter()
    deadline = start + args.seconds

    async def worker() -> None:
        for activity_id, body in queue:  # one iterator shared by the workers: each body is posted once
            if time.perf_counter() > deadline:
                return
            await post(activity_id, body)

    await asyncio.gather(*(worker() for _ in range(spec.concurrency)))
    seconds = time.perf_counter() - start
    cpu = await server_cpu(session, server, "stop", spec.name) - cpu_before
    replies = {s.reply_to: s for s in fake.sent if s.reply_to in sent_at}
    latencies = [replies[a].at - t for a, t in sent_at.items() if a in replies]
    problems = Counter(f"HTTP {s}" for s in statuses if not 200 <= s < 300)
    problems.update(["no reply"] * (len(sent_at) - len(replies)))
    problems.update(filter(None, (_error_card(s.activity) for s in replies.values())))
    if problems:
        print(f"{server.name} {spec.name}: {dict(problems)}", file=sys.stderr)
    return Result(server.name, spec, seconds, latencies, cpu, sum(problems.values()))


def _error_card(activity: dict[str, Any]) -> str | None:
    """The headline of an error card (an attention-coloured first TextBlock), else None."""
    for attachment in activity.get("attachments") or []:
        first = ((attachment.get("content") or {}).get("body") or [{}])[0]
        if first.get("color") == "attention":
            return str(first.get("text"))
    return None


def medians(results: list[Result]) -> list[Result]:
    """Per bot and spec, the repetition with the median throughput (machines are noisy; ratios less so)."""
    groups: dict[tuple[str, str, str, int], list[Result]] = {}
    for r in results:
        groups.setdefault((r.bot, r.spec.workspace, r.spec.workload, r.spec.concurrency), []).append(r)
    return [sorted(g, key=lambda r: r.throughput)[len(g) // 2] for g in groups.values()]


def table(results: list[Result]) -> str:
    columns = "workspace workload conc bot turns turns/s p50_ms p99_ms CPU_ms/turn thr×bare p50×bare p99×bare errors"
    lines = ["| " + " | ".join(c.replace("_", " ") for c in columns.split()) + " |", "|" + "---|" * 13]
    key = lambda r: (r.spec.workspace, r.spec.workload, r.spec.concurrency)  # noqa: E731
    bare = {key(r): r for r in results if r.bot == "bare"}
    for r in results:
        b = bare.get(key(r))
        ratios = (
            (
                f"{r.throughput / b.throughput:.2f}",
                f"{r.quantile(0.5) / b.quantile(0.5):.2f}",
                f"{r.quantile(0.99) / b.quantile(0.99):.2f}",
            )
            if b and b.turns and r.turns
            else ("", "", "")
        )
        lines.append(
            f"| {r.spec.workspace} | {r.spec.workload} | {r.spec.concurrency} | {r.bot} | {r.turns} | "
            f"{r.throughput:.1f} | {r.quantile(0.5):.1f} | {r.quantile(0.99):.1f} | {r.cpu_ms:.1f} | "
            f"{' | '.join(ratios)} | {r.errors} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    bots, workspaces = args.bots.split(","), args.workspaces.split(",")
    levels = [int(c) for c in args.concurrency.split(",")]
    specs = [
        Spec(w, load, c, r) for w in workspaces for load in args.workloads.split(",") for c in levels
        for r in range(args.repeat)
    ]
    tenants = [f"{spec.workspace}={spec.tenant}" for spec in specs]
    tmp = Path(tempfile.mkdtemp(prefix="teams-bench-"))
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    connector = FakeConnector()
    runner, connector_url = await serve(connector.app())
    servers = [await start_server(b, args, tenants, tmp) for b in bots]
    results = []
    try:
        async with ClientSession(connector=TCPConnector(limit=64), timeout=ClientTimeout(total=60)) as session:
            for spec in specs:
                for server in servers:  # bots side by side: each spec runs on every bot in turn
                    results.append(await run(session, (connector, connector_url), server, spec, args))
                    r = results[-1]
                    print(
                        f"{server.name:11} {spec.name:18} {r.turns:5} turns "
                        f"{r.throughput:7.1f}/s  p50 {r.quantile(0.5):6.1f} ms  p99 {r.quantile(0.99):6.1f} ms  "
                        f"cpu {r.cpu_ms:5.1f} ms  errors {r.errors}",
                        file=sys.stderr,
                    )
    finally:
        for server in servers:
            stop_server(server)
        await runner.cleanup()
    db = "PostgreSQL" if args.database_url else "SQLite"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{db}, {os.cpu_count()} CPUs, load average {load}, up to {args.turns} turns / {args.seconds:g} s per run")
    print("the table shows, per bot and spec, the repetition with the median throughput\n")
    print(table(medians(results)))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="measured turns per run (after a warm-up)")
    parser.add_argument("--seconds", type=float, default=20, help="time limit per run")
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--bots", default="bare,ours-stock,ours")
    parser.add_argument("--workspaces", default="world,demo")
    parser.add_argument("--workloads", default="log,dmu")
    parser.add_argument("--repeat", type=int, default=1, help="runs per bot and spec; the table shows the median")
    parser.add_argument("--database-url", help="PostgreSQL admin URL (a fresh database per server); else SQLite")
    parser.add_argument("--profile", help="directory for cProfile dumps of each server per run (loop and workers)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: run one bot server
    parser.add_argument("--tenants", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    asyncio.run(_serve(arguments) if arguments.serve else main(arguments))
