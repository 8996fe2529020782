"""The work of a slash command's ack in process: Bolt's dispatch of our listener against `recorder`, which records
the same request without it (bot/slack_commands.py). Both write the same spool record (storage/slack_spool.py)
on a fresh SQLite file; no HTTP, so what is measured is only what differs between the two.

    .venv/bin/python bench/slack_record.py [--requests 3000 --rounds 5]

Alternates the two in rounds and prints the median per request of each round (wall and CPU, microseconds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import BoltRequest
from slack_sdk import WebClient

from bot.bootstrap import bootstrap
from bot.settings import Settings
from bot.slack_app import build_slack
from bot.slack_commands import recorder
from bot.slack_inbox import Inbox
from bot.slack_server import inbox_store
from tests.integration.slack_fakes import SECRET, FakeSlackApi, LoopbackServer, slash_body

TEAM = "TBENCHREC1"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = bootstrap(Settings(DATABASE_URL=f"sqlite:///{tmp}/bench.db"))
        app.ensure_workspace(f"slack:{TEAM}")
        api = LoopbackServer(FakeSlackApi().web_app()).start()  # Bolt's auth.test at start, nothing after
        try:
            store, _ = inbox_store(app)  # the spool file beside the database, as `serve_slack` records
            inbox = Inbox(store, wake=threading.Event())  # recorded only: no worker runs them here
            client = WebClient(token="xoxb-test", base_url=api.url + "/api/")
            bolt, bot = build_slack(app, signing_secret=SECRET, token="xoxb-test", client=client, inbox=inbox,
                                    verify_requests=False)
            direct = recorder(bot, "xoxb-test")

            def body() -> str:
                return slash_body(command="/log", text="call with Frank at Globex, wants a demo next week",
                                  team=TEAM, user="U0REP", response_url=api.url + "/webhook/h")

            form = {"content-type": ["application/x-www-form-urlencoded"]}

            def via_bolt(raw: str) -> object:  # the raw form, which Bolt parses again
                return bolt.dispatch(BoltRequest(body=raw, headers=form))  # type: ignore[arg-type]

            def via_recorder(raw: str) -> object:  # the form `make_web_app` parsed before either
                return direct(dict(parse_qsl(raw)))

            sides: dict[str, Callable[[str], object]] = {"bolt": via_bolt, "recorder": via_recorder}
            for run in sides.values():  # warm both
                for _ in range(200):
                    run(body())
            print(f"{args.requests} requests a round; wall: median, CPU: mean per request (us)")
            print("| round | bolt wall | bolt CPU | recorder wall | recorder CPU |")
            print("|---:|---:|---:|---:|---:|")
            for n in range(1, args.rounds + 1):
                row = []
                for run in sides.values():
                    walls, cpus, bodies = [], [], [body() for _ in range(args.requests)]  # unique trigger ids
                    for raw in bodies:
                        w, c = time.perf_counter(), time.process_time()
                        run(raw)
                        cpus.append(time.process_time() - c)
                        walls.append(time.perf_counter() - w)
                    row += [statistics.median(walls) * 1e6, statistics.mean(cpus) * 1e6]
                print(f"| {n} | " + " | ".join(f"{v:.0f}" for v in row) + " |")
        finally:
            api.stop()
            app.engine.dispose()


if __name__ == "__main__":
    main()
