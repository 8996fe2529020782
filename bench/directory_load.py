"""Loading the parser's index of a large workspace from the database (DirectoryCache._load): what a process pays
at start and whenever another process changed the workspace's accounts.

    .venv/bin/python bench/directory_load.py [--accounts 100000 --contacts 200000 --seed 7] [--runs 3]

Uses the Slack benchmark's cached workspace (bench/slack_ack.py builds it on first use) and prints the wall time
of each load and the number of objects the process tracks after it.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from slack_ack import world_file
from sqlalchemy import create_engine, text

from bot.directory_cache import DirectoryCache


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=100_000)
    p.add_argument("--contacts", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    engine = create_engine(f"sqlite:///{world_file(args.accounts, args.contacts, args.seed)}")
    with engine.connect() as conn:
        workspace = conn.execute(text("SELECT id FROM workspace ORDER BY id LIMIT 1")).scalar_one()
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        directory = DirectoryCache(engine)(workspace)
        times.append(time.perf_counter() - started)
        print(f"load: {times[-1] * 1000:.0f} ms; objects tracked after: {len(gc.get_objects()):,}")
        del directory
    print(f"median of {args.runs}: {statistics.median(times) * 1000:.0f} ms "
          f"({args.accounts:,} accounts, {args.contacts:,} contacts)")


if __name__ == "__main__":
    main()
