"""The plain-words log in process: `dispatcher.handle_text` on the demo world, as a Teams turn calls it.

    .venv/bin/python bench/log_inprocess.py [--logs 1000 --rounds 3
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --profile FILE]

A fresh database (a new PostgreSQL database, dropped at the end, or a SQLite file in a temporary directory) gets
the generated demo world (36 accounts, 129 people) in a workspace of its own; each round then logs `--logs`
notes (the texts of teams_turns.py's demo workload, 20 reps round robin, each note its own delivery id) after
20 warm-up logs. Per round: the median, p10 and p90 wall time of one log (perf_counter) and the CPU time of the
whole round per log (thread_time). `--root DIR` runs another tree's code (say, an archive of main) with this
script, for A/B runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server's admin URL (default: SQLite)")
    parser.add_argument("--root", default=str(_ROOT), help="the tree whose code runs")
    parser.add_argument("--profile", default=None, help="write a cProfile of the last round to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.root)
    sys.path.insert(1, str(_ROOT))  # bench.teams_turns: the same texts whichever tree runs

    import bot
    from bench.teams_turns import NOW, texts, world_of
    from bot.bootstrap import bootstrap
    from bot.context import Actor
    from bot.dataio.importer import import_world
    from bot.replies import Tone
    from bot.settings import Settings
    print(f"code: {Path(bot.__file__).resolve().parents[1]}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _database(args.database_url, Path(tmp))
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
            for r in range(args.rounds):
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
            drop()


def _database(admin_url: str | None, tmp: Path) -> tuple[str, object]:
    if not admin_url:
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    from sqlalchemy import create_engine, text

    name = f"tp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


if __name__ == "__main__":
    main()
