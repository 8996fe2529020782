"""Digest build benchmark (issue 7): all digests of 1,000 reps over the brain benchmark's workspace, as a ratio
to one SQL scan of the last day's signals (the floor). Nothing is sent: build time only.

    .venv/bin/python bench/brain.py --db sqlite --build-only     # once: 100k accounts, 500k people, 2M signals
    .venv/bin/python bench/digest_build.py --db sqlite [--reps 1000]
    .venv/bin/python bench/digest_build.py --db postgres

The brain database is copied (SQLite file copy / PostgreSQL TEMPLATE), its accounts and their next steps are
spread over `--reps` reps (round robin) and each rep gets a digest schedule; the copy is reused on later runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from bench.brain import BENCH_DIR, NOW, WS
from bot.bootstrap import bootstrap
from bot.digest_content import RepRun, gather_all, render
from bot.messagemap_file import default_message_map
from bot.settings import Settings
from domain.digest import build_digest
from storage.digest_reads import DigestReads

SIZE = "a100000_i500000_s2000000"
FLOOR_SQL = "SELECT * FROM signal WHERE workspace_id = :ws AND occurred_at >= :since"


def prepare_sqlite(reps: int) -> str:
    source = BENCH_DIR / f"brain-{SIZE}.db"
    target = BENCH_DIR / f"digest-{SIZE}-r{reps}.db"
    if not source.exists():
        sys.exit(f"{source} is missing: run `bench/brain.py --db sqlite --build-only` first")
    url = f"sqlite:///{target}"
    if not target.exists():
        shutil.copyfile(source, target)
        spread(url, reps)
    return url


def prepare_postgres(reps: int, base: str) -> str:
    source, target = f"tp_bench_{SIZE}", f"tp_digest_{SIZE}_r{reps}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
    admin.dispose()
    url = f"{base}/{target}"
    if not exists:
        spread(url, reps)
    return url


def spread(url: str, reps: int) -> None:
    """Give the accounts (and their steps) to `reps` reps, and each rep a schedule."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM account WHERE workspace_id = :ws ORDER BY id"),
                                          {"ws": WS})]
        conn.execute(text("UPDATE account SET owner_id = :o WHERE id = :i"),
                     [{"o": f"R{n % reps:04d}", "i": i} for n, i in enumerate(ids)])
        conn.execute(text("UPDATE next_step SET owner_id = (SELECT owner_id FROM account "
                          "WHERE account.id = next_step.account_id) WHERE workspace_id = :ws"), {"ws": WS})
        conn.execute(text("DELETE FROM rep WHERE workspace_id = :ws"), {"ws": WS})
        conn.execute(text("INSERT INTO rep (workspace_id, id, name, tz, digest_time, digest_enabled, digest_days, "
                          "digest_skip_quiet) VALUES (:ws, :id, :id, 'UTC', '08:30', true, '1234567', false)"),
                     [{"ws": WS, "id": f"R{n:04d}"} for n in range(reps)])
        conn.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":  # as autovacuum would after such an update: index-only scans work again
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("account", "next_step", "rep"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()


def analyze_new_indexes(app: Any) -> None:
    """SQLite plans with the statistics of ANALYZE: indexes the migrations added to the copy get theirs once."""
    with app.engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            return
        known = {r[0] for r in conn.execute(text("SELECT DISTINCT idx FROM sqlite_stat1"))}
        indexes = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' "
                                                   "AND name LIKE 'ix_%'"))}
        for table in {r[0] for r in conn.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'index' "
                                                      "AND name IN (SELECT value FROM json_each(:n))"),
                                               {"n": json.dumps(sorted(indexes - known))})}:
            conn.execute(text(f'ANALYZE "{table}"'))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--reps", type=int, default=1000)
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    p.add_argument("--reads", action="store_true", help="also print the time of each set-based read")
    args = p.parse_args()
    url = prepare_sqlite(args.reps) if args.db == "sqlite" else prepare_postgres(args.reps, args.pg_url)
    app = bootstrap(Settings(DATABASE_URL=url.replace("postgresql://", "postgresql+psycopg://")))  # migrates
    analyze_new_indexes(app)
    since = NOW - timedelta(days=1)
    floors = []
    for _ in range(7):
        with app.engine.connect() as conn:
            started = time.perf_counter()
            rows = conn.execute(text(FLOOR_SQL), {"ws": WS, "since": since}).fetchall()
            floors.append(time.perf_counter() - started)
    floor = statistics.median(floors)
    spent = _time_reads() if args.reads else {}
    started = time.perf_counter()
    default_message_map()  # parsed once per process (the scheduler keeps it): not part of a run's time
    parsed = time.perf_counter() - started
    items = 0
    started = time.perf_counter()
    with app.services.uow(WS) as uow:  # what `touchpoint digest run` does for one workspace's due reps
        runs = [RepRun(f"R{n:04d}", "UTC", since) for n in range(args.reps)]
        facts = gather_all(uow, runs, now=NOW)
        gathered = time.perf_counter()
        for run in runs:
            digest = build_digest(facts[run.rep_id])
            render(digest)
            items += len(digest.items)
    total = time.perf_counter() - started
    print(f"database: {args.db}; reps: {args.reps}; signals in the last day: {len(rows)}; digest items: {items}")
    print(f"floor (one scan of the last day's signals): median {floor * 1000:.1f} ms of 7")
    print(f"all digests: {total * 1000:.0f} ms (reads {(gathered - started) * 1000:.0f} ms, "
          f"build and render {(started + total - gathered) * 1000:.0f} ms)")
    print(f"ratio (all digests / floor): {total / floor:.1f}x (the shipped message map, parsed once per process "
          f"before: {parsed * 1000:.0f} ms)")
    for name, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:<18} {sum(times) * 1000:7.1f} ms in {len(times)} call(s)")


def _time_reads() -> dict[str, list[float]]:
    """Time every DigestReads call (statement, fetch and mapping to domain objects) from now on."""
    spent: dict[str, list[float]] = {}

    def timed(name: str, read: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any, **kw: Any) -> Any:
            started = time.perf_counter()
            found = read(*a, **kw)
            spent.setdefault(name, []).append(time.perf_counter() - started)
            return found
        return run

    for name, read in vars(DigestReads).items():
        if callable(read) and not name.startswith("_"):
            setattr(DigestReads, name, timed(name, read))
    return spent

if __name__ == "__main__":
    main()
