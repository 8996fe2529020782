"""Our Teams endpoint's own CPU per turn, the dispatcher replaced by one that answers a canned log reply at once.

    .venv/bin/python bench/teams_adapter_turns.py [--turns 3000 --root DIR]

One process: the endpoint (`create_server`, as `touchpoint serve teams` builds it, with in-memory conversation
references), the fake Bot Framework connector of tests/integration/teams_fakes.py and an aiohttp client posting
personal-chat message Activities one at a time (20 reps round robin), after 50 warm-up turns. Printed: CPU
(`time.process_time`, all three together) and wall time per turn. What the dispatcher costs is left out, so a
change to the adapter's side of a turn (reading the Activity, the worker-thread hop, the reference bookkeeping,
rendering, msrest and aiohttp on the send) shows here when teams_turns.py's spread would hide it; the client's
and the connector's share is the same for both sides of an A/B. `--root DIR` runs another tree's code (say, an
archive of main next to this checkout), for A/B runs alternated process by process.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import sys
import time
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = _ROOT.parent / "shared" / "platform-samples" / "teams_message_personal.json"
NOW = datetime(2026, 11, 18, 22, 30, tzinfo=UTC)
WARMUP, REPS = 50, 20


async def run(turns: int) -> tuple[float, float]:
    from aiohttp import ClientSession

    from bot.replies import Button, Facts, Reply, Section, Tone
    from bot.teams_refs import InMemoryRefs
    from bot.teams_server import create_server
    from tests.integration.teams_fakes import FakeConnector, serve

    reply = Reply(
        "Logged for Globex Corporation: call with Frank Grimes (CFO).",
        (
            Facts((("Stage", "Validation"), ("Next step", "Send the security pack by Fri 20 Nov"),
                   ("Signals", "wants a pilot"))),
            Section("People", ("Frank Grimes — CFO, Champion", "Alice Wong — CTO, Evaluator")),
        ),
        (Button("Undo", "log.undo", {"id": "123"}, "danger"), Button("Edit", "log.edit", {"id": "123"})),
        tone=Tone.SUCCESS,
    )

    class Dispatcher:
        def handle_text(self, words: str, **context: Any) -> Reply:
            return reply

    app: Any = types.SimpleNamespace(dispatcher=Dispatcher(), ensure_workspace=lambda *a, **k: None)
    connector = FakeConnector()
    connector_runner, connector_url = await serve(connector.app())
    server_runner, server_url = await serve(create_server(app, refs=InMemoryRefs(), clock=lambda: NOW))
    base, bodies = json.loads(SAMPLE.read_text()), []
    for i in range(WARMUP + turns):
        body, rep = copy.deepcopy(base), i % REPS
        body.update(id=f"turn-{i}", text="log call with Frank at Globex", serviceUrl=connector_url + "/")
        body["from"].update(id=f"29:rep-{rep}", aadObjectId=f"00000000-0000-0000-0000-{rep:012d}")
        body["conversation"]["id"] = f"a:chat-{rep}"
        bodies.append(json.dumps(body).encode())
    try:
        async with ClientSession() as session:

            async def post(body: bytes) -> None:
                headers = {"Content-Type": "application/json"}
                async with session.post(server_url + "/api/messages", data=body, headers=headers) as response:
                    assert response.status == 200, response.status

            for body in bodies[:WARMUP]:
                await post(body)
            cpu, wall = time.process_time(), time.perf_counter()
            for body in bodies[WARMUP:]:
                await post(body)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await server_runner.cleanup()
        await connector_runner.cleanup()
    assert len(connector.sent) == WARMUP + turns, "every turn is answered"
    return cpu / turns, wall / turns


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--root", default=str(_ROOT), help="the tree whose code runs")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.root)
    cpu, wall = asyncio.run(run(args.turns))
    print(f"{args.root}: {args.turns} turns, CPU {cpu * 1e6:.0f} µs a turn, wall {wall * 1e6:.0f} µs a turn")


if __name__ == "__main__":
    main()
