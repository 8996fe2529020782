"""A loopback Slack Web API for digest tests: conversations.open and chat.postMessage, with scripted failures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web


@dataclass
class FakeSlackApi:
    posted: list[dict[str, Any]] = field(default_factory=list)  # delivered chat.postMessage bodies
    attempts: int = 0  # chat.postMessage calls, refused ones included
    rate_limit_next: int = 0  # answer this many postMessage calls with 429 Retry-After: 1
    error_for: dict[str, str] = field(default_factory=dict)  # user id -> Slack error code
    tokens: list[str] = field(default_factory=list)  # the bearer token of each delivered message

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/conversations.open", self._open)
        app.router.add_post("/api/auth.test", self._auth_test)
        app.router.add_post("/api/chat.postMessage", self._post)
        return app

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        raw = (await request.read()).decode()
        if request.content_type == "application/json":
            parsed: dict[str, Any] = json.loads(raw or "{}")
            return parsed
        return dict(parse_qsl(raw))

    async def _auth_test(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "team_id": "T0FAKE", "user_id": "U0BOT", "bot_id": "B0BOT"})

    async def _open(self, request: web.Request) -> web.Response:
        user = str((await self._body(request)).get("users", ""))
        if user in self.error_for:
            return web.json_response({"ok": False, "error": self.error_for[user]})
        return web.json_response({"ok": True, "channel": {"id": f"D-{user}"}})

    async def _post(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        body = await self._body(request)
        self.posted.append(body)
        self.tokens.append(request.headers.get("Authorization", "").removeprefix("Bearer "))
        return web.json_response({"ok": True, "channel": body.get("channel"), "ts": f"{len(self.posted)}.0001"})
