"""A loopback Bot Framework connector that records what the bot sends, and a loop thread to host servers.

Tests stay synchronous: both aiohttp servers run on one event loop in a background thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Runs app on 127.0.0.1 at a free port; returns the runner (to clean up) and the base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@dataclass
class Sent:
    conversation_id: str
    reply_to: str | None
    activity: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)  # arrival: the benchmark's latency ends here

    @property
    def card(self) -> dict[str, Any]:
        content: dict[str, Any] = self.activity["attachments"][0]["content"]
        return content

    @property
    def headline(self) -> str:
        text: str = self.card["body"][0]["text"]
        return text

    def submit(self, title: str) -> dict[str, Any]:
        """The data a click on the titled button posts back."""
        actions = list(self.card.get("actions", []))
        actions += [a for e in self.card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
        data: dict[str, Any] = next(a["data"] for a in actions if a["title"] == title)
        return data


@dataclass
class FakeConnector:
    """Answers the Bot Framework REST calls the bot makes: send to a conversation, reply, update."""

    sent: list[Sent] = field(default_factory=list)
    fail_next: int = 0  # answer this many sends with a 500, as a broken connector would
    peers: set[object] = field(default_factory=set)  # the bot's TCP connections (host, port): reuse shows here
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._send)
        return app

    async def _send(self, request: web.Request) -> web.Response:
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.json_response({"error": {"code": "ServiceError", "message": "down"}}, status=500)
        body = json.loads(await request.read())
        self.sent.append(Sent(request.match_info["conversation"], request.match_info.get("reply_to"), body))
        return web.json_response({"id": f"sent-{next(self._ids)}"}, status=201)


def get(url: str) -> tuple[int, dict[str, Any] | None]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, json.loads(response.read())


def post(
    url: str, body: bytes, content_type: str = "application/json", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any] | None]:
    """POST and return (status, JSON body or None), errors included."""
    request = urllib.request.Request(url, body, {"Content-Type": content_type, **(headers or {})}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:  # aiohttp's own errors (405, 413) are plain text
        return status, None
