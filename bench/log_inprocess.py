"""The plain-words log in process: `dispatcher.handle_text` on the demo world, as a Teams turn calls it.

    .venv/bin/python bench/log_inprocess.py [--logs 1000 --rounds 3
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --profile FILE]

A fresh database (a new PostgreSQL database, dropped at the end, or a SQLite file in a temporary directory) gets
the generated demo world (36 accounts, 129 people) in a workspace of its own; each round then logs `--logs`
notes (the texts of teams_turns.py's demo workload, 20 reps round robin, each note its own delivery id) after
20 warm-up logs. Per round: the median, p10 and p90 wall time of one log (perf_counter) and the CPU time of the
whole round per log (thread_time). `--root DIR` runs another tree's code (say, an archive of main) with this
script, for A/B runs.

`--paired` (this tree's code only, PostgreSQL): alternate every 50 logs between the log as it is (two round
trips: BEGIN with the claim and the reads, the writes with COMMIT) and the same code with those three savings
off (psycopg's own BEGIN, COMMIT on its own, the stage read after the writes: four round trips, as before),
and report each: one process, so both see the same machine from one moment to the next.

`--against DIR`: two trees' code in lockstep, for A/B runs of changes that no switch can turn off. Two processes
(this script with `--root DIR`, and with this tree or `--root`), each on a fresh database of its own, set up and
warmed as above; then they take turns, 50 logs each (`--block`), so both see the same machine from one moment to
the next, and each's median wall time and CPU a log are reported per round, with the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server's admin URL (default: SQLite)")
    parser.add_argument("--root", default=str(_ROOT), help="the tree whose code runs")
    parser.add_argument("--profile", default=None, help="write a cProfile of the last round to this file")
    parser.add_argument("--paired", action="store_true", help="two round trips against four, alternated")
    parser.add_argument("--against", default=None, help="another tree, run in lockstep with this one")
    parser.add_argument("--block", type=int, default=50, help="logs a turn with --against")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # a side of --against
    args = parser.parse_args(argv)
    if args.against:
        _against(args)
        return
    sys.path.insert(0, args.root)
    sys.path.insert(1, str(_ROOT))  # bench.teams_turns: the same texts whichever tree runs

    import bot
    from bench.teams_turns import NOW, _database, texts, world_of
    from bot.bootstrap import bootstrap
    from bot.context import Actor
    from bot.dataio.importer import import_world
    from bot.replies import Tone
    from bot.settings import Settings
    print(f"code: {Path(bot.__file__).resolve().parents[1]}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = _database(args.database_url, "log", Path(tmp))
        try:
            app = bootstrap(Settings(DATABASE_URL=url))
            ws = f"bench:{uuid.uuid4().hex[:8]}"
            app.ensure_workspace(ws, "bench")
            report = import_world(app, ws, world_of("demo"))
            assert not report.errors, report.errors
            notes = texts("demo", "log")
            actors = [Actor(ws, f"U_REP{i:02d}", tz="America/New_York") for i in range(20)]
            done = 0

            def log() -> None:
                nonlocal done
                reply = app.dispatcher.handle_text(notes[done % len(notes)], actor=actors[done % len(actors)],
                                                   now=NOW, delivery_id=f"bench-{done}")
                assert reply.tone == Tone.SUCCESS, (reply.headline, notes[done % len(notes)])
                done += 1

            for _ in range(20):
                log()
            if args.serve:
                _serve(log)
            if args.paired:
                _paired(log, args.logs, args.rounds)
            for r in range(0 if args.paired or args.serve else args.rounds):
                profile = None
                if args.profile and r == args.rounds - 1:
                    import cProfile
                    profile = cProfile.Profile(time.thread_time)  # CPU, not waits
                    profile.enable()
                walls = []
                cpu = time.thread_time()
                for _ in range(args.logs):
                    start = time.perf_counter()
                    log()
                    walls.append(time.perf_counter() - start)
                cpu = time.thread_time() - cpu
                if profile is not None:
                    profile.disable()
                    profile.dump_stats(args.profile)
                walls.sort()
                print(f"round {r + 1}: wall median {statistics.median(walls) * 1e3:.3f} ms "
                      f"(p10 {walls[len(walls) // 10] * 1e3:.3f}, p90 {walls[len(walls) * 9 // 10] * 1e3:.3f}), "
                      f"CPU {cpu / args.logs * 1e3:.3f} ms a log", flush=True)
            app.engine.dispose()
        finally:
            for drop in cleanup:
                drop()


def _paired(log: Callable[[], None], logs: int, rounds: int, block: int = 50) -> None:
    import storage.prepared as prepared
    import storage.uow as uow

    real = (prepared._begins_here, uow.run_counted, uow.SqlUnitOfWork.open_log)

    def four_round_trips(on: bool) -> None:
        if not on:
            prepared._begins_here, uow.run_counted, uow.SqlUnitOfWork.open_log = real  # type: ignore[method-assign]
            return
        prepared._begins_here = lambda _pg: False  # psycopg sends BEGIN, in a round trip of its own
        uow.run_counted = lambda conn, steps, **kw: real[1](conn, steps, begin=kw.get("begin", False))  # COMMIT alone
        uow.SqlUnitOfWork.open_log = lambda self, **kw: real[2](self, **{**kw, "stage_of": None})  # type: ignore
        # (the stage is then read after the writes, with them)

    for old in (True, False):  # warm both
        four_round_trips(old)
        for _ in range(20):
            log()
    for r in range(rounds):
        walls: dict[bool, list[float]] = {True: [], False: []}
        cpu = {True: 0.0, False: 0.0}
        for b in range(logs // block * 2):
            old = bool(b % 2)
            four_round_trips(old)
            start_cpu = time.thread_time()
            for _ in range(block):
                start = time.perf_counter()
                log()
                walls[old].append(time.perf_counter() - start)
            cpu[old] += time.thread_time() - start_cpu
        for old in (True, False):
            w = sorted(walls[old])
            print(f"round {r + 1}, {'four' if old else 'two'} round trips: wall median "
                  f"{statistics.median(w) * 1e3:.3f} ms (p10 {w[len(w) // 10] * 1e3:.3f}, "
                  f"p90 {w[len(w) * 9 // 10] * 1e3:.3f}), CPU {cpu[old] / len(w) * 1e3:.3f} ms a log", flush=True)
    four_round_trips(False)


def _serve(log: Callable[[], None]) -> None:
    """A side of --against: on each line of stdin (a count), that many logs; their wall times and CPU on stdout."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        walls = []
        cpu = time.thread_time()
        for _ in range(int(line)):
            start = time.perf_counter()
            log()
            walls.append(time.perf_counter() - start)
        print(json.dumps({"walls": walls, "cpu": time.thread_time() - cpu}), flush=True)


def _against(args: argparse.Namespace) -> None:
    side = [sys.executable, __file__, "--serve", "--logs", "0"]
    side += ["--database-url", args.database_url] if args.database_url else []
    trees = {"A": args.against, "B": args.root}
    sides = {name: subprocess.Popen([*side, "--root", root], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True) for name, root in trees.items()}
    try:
        for name, proc in sides.items():
            assert proc.stdout is not None
            while not (line := proc.stdout.readline()).startswith("{"):
                if not line:
                    raise SystemExit(f"side {name} ({trees[name]}) did not start")
            print(f"{name}: {trees[name]}", flush=True)
        for r in range(args.rounds):
            walls: dict[str, list[float]] = {name: [] for name in sides}
            cpu = dict.fromkeys(sides, 0.0)
            for b in range(args.logs // args.block * 2):
                name = "AB"[b % 2] if r % 2 == 0 else "BA"[b % 2]  # each round starts with the other side
                proc = sides[name]
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(f"{args.block}\n")
                proc.stdin.flush()
                got = json.loads(proc.stdout.readline())
                walls[name] += got["walls"]
                cpu[name] += got["cpu"]
            medians = {name: statistics.median(w) for name, w in walls.items()}
            cpus = {name: cpu[name] / len(walls[name]) for name in sides}
            print(f"round {r + 1}: " + ", ".join(
                f"{name} wall median {medians[name] * 1e3:.3f} ms, CPU {cpus[name] * 1e3:.3f} ms a log"
                for name in sides) + f"; B/A wall {medians['B'] / medians['A']:.3f}, CPU {cpus['B'] / cpus['A']:.3f}",
                flush=True)
    finally:
        for proc in sides.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=120)


if __name__ == "__main__":
    main()
