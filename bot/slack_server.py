"""HTTP serving for the Slack app on aiohttp: POST /slack/events and GET /healthz.

aiohttp keeps thousands of slow clients cheap; the Bolt app (sync, like the dispatcher and the database)
runs in a thread pool. Everything malformed is refused here, before Bolt: a bad signature or timestamp
gets 401, an unreadable body 400, so Bolt and our listeners only ever see well-formed, signed requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt import App as BoltApp
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.bootstrap import App

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024


class BadRequest(ValueError):
    pass


def parse_body(raw: str, content_type: str) -> dict[str, Any]:
    """Slack's three body shapes: JSON events, form-encoded slash commands, form `payload=<JSON>`."""
    try:
        if content_type == "application/json" or raw.startswith("{"):
            data = json.loads(raw)
        else:
            form = dict(parse_qsl(raw, keep_blank_values=True, strict_parsing=bool(raw)))
            data = json.loads(form["payload"]) if "payload" in form else form
    except ValueError as exc:
        raise BadRequest(f"unreadable body: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise BadRequest("the body is not a Slack request")
    return data


def make_web_app(app: App, bolt: BoltApp, *, signing_secret: str, workers: int = 16) -> web.Application:
    verifier = SignatureVerifier(signing_secret)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="touchpoint-bolt")

    async def events(request: web.Request) -> web.Response:
        raw_bytes = await request.read()
        ts = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        # Checked before anything is parsed; the timestamp check refuses replays older than five minutes.
        if not ts.isdigit() or not verifier.is_valid(raw_bytes, ts, signature):
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            raw = raw_bytes.decode("utf-8")
            data = parse_body(raw, request.content_type)
        except (UnicodeDecodeError, BadRequest) as exc:
            log.info("refused a Slack request: %s", exc)
            return web.json_response({"error": "malformed request"}, status=400)
        headers = {k.lower(): request.headers.getall(k) for k in request.headers}
        bolt_request = BoltRequest(body=raw, query=request.query_string, headers=headers)  # type: ignore[arg-type]
        if bolt_request.body != data:
            # Bolt reads any form body containing the word "payload" (a /log about a payload!) as empty.
            bolt_request.body = data
            bolt_request.context = build_context(BoltContext({}), data)
        try:
            response = await asyncio.get_running_loop().run_in_executor(pool, bolt.dispatch, bolt_request)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:  # Bolt choking on a malformed body
            log.info("refused a malformed Slack request: %r", exc)
            return web.json_response({"error": "malformed request"}, status=400)
        return _to_aiohttp(response)

    async def healthz(request: web.Request) -> web.Response:
        try:
            await asyncio.get_running_loop().run_in_executor(pool, _ping, app)
        except Exception as exc:  # noqa: BLE001 -- any failure means unhealthy; the reason goes in the body
            return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
        return web.json_response({"ok": True})

    async def close_pool(_: web.Application) -> None:
        pool.shutdown(wait=False, cancel_futures=True)

    web_app = web.Application(client_max_size=MAX_BODY)
    web_app.router.add_post(EVENTS_PATH, events)
    web_app.router.add_get("/healthz", healthz)
    web_app.on_cleanup.append(close_pool)
    return web_app


def _ping(app: App) -> None:
    with app.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _to_aiohttp(response: BoltResponse) -> web.Response:
    headers = {k: ", ".join(v) for k, v in response.headers.items() if k != "content-length"}
    return web.Response(status=response.status, body=response.body.encode("utf-8"), headers=headers)


def serve_slack(app: App, *, signing_secret: str, token: str, host: str = "0.0.0.0", port: int = 3000,
                client: WebClient | None = None) -> None:
    """`touchpoint serve slack`: blocks, serving until interrupted."""
    from bot.slack_app import build_slack_app

    bolt = build_slack_app(app, signing_secret=signing_secret, token=token, client=client)
    web.run_app(make_web_app(app, bolt, signing_secret=signing_secret), host=host, port=port,
                access_log=None, print=None)
