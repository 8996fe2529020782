"""HTTP serving for the Slack app on aiohttp: POST /slack/events, GET /healthz, and with OAuth installs
GET /slack/install and /slack/oauth_redirect.

aiohttp keeps thousands of slow clients cheap; the Bolt app (sync, like the dispatcher and the database)
runs in a thread pool. Everything malformed is refused here, before Bolt: a bad signature or timestamp
gets 401, an unreadable body 400, so Bolt and our listeners only ever see well-formed, signed requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import CIMultiDict
from slack_bolt import App as BoltApp
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.bootstrap import App
from bot.slack_app import SlackConfigError, build_slack
from bot.slack_commands import recorder
from bot.slack_inbox import Inbox, InboxStore
from bot.slack_oauth import OAuthCredentials
from bot.slack_send import with_retries
from bot.slack_socket import app_token_from, socket_lifecycle, socket_mode_handler
from bot.slack_worker import WorkerConfig, WorkerProcess
from storage.slack_installations import SqlSlackInbox
from storage.slack_spool import SpoolInbox, spool_engine, spool_path

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SWITCH_INTERVAL = 0.0005
MAX_BODY = 1024 * 1024


CleanupContext = Callable[[web.Application], AsyncIterator[None]]


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


def make_web_app(app: App, bolt: BoltApp, *, signing_secret: str | None, workers: int = 16,
                 socket: SocketModeHandler | None = None, worker: WorkerProcess | None = None,
                 inbox: Inbox | None = None,
                 direct: Callable[[dict[str, Any]], BoltResponse | None] | None = None) -> web.Application:
    """The HTTP server; with a Socket Mode handler, Slack's requests come over its websocket instead (opened
    with the server, closed with it) and POST /slack/events does not exist. A worker process, if given,
    starts and stops with the server, and the server is unhealthy without it; `inbox` is released (its worker
    woken) once each reply is sent. `direct` answers what it can on the event loop itself, without Bolt or the
    thread pool (a slash command recorded in a spool file: bot/slack_commands.recorder); None from it, and every
    request without it, goes to Bolt in the thread pool."""
    if socket is None and not signing_secret:
        raise SlackConfigError("Set SLACK_SIGNING_SECRET (your Slack app's Basic Information > Signing Secret).")
    verifier = SignatureVerifier(signing_secret or "unused: Socket Mode takes no HTTP events")
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
        try:
            response = direct(data) if direct is not None else None
            if response is None:
                response = await asyncio.get_running_loop().run_in_executor(pool, _dispatch, bolt, request, raw,
                                                                            data)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:  # Bolt choking on a malformed body
            log.info("refused a malformed Slack request: %r", exc)
            return web.json_response({"error": "malformed request"}, status=400)
        reply = _to_aiohttp(response)
        try:
            await reply.prepare(request)
            await reply.write_eof()  # the ack is on its way to Slack...
        finally:
            if inbox is not None:
                inbox.release()  # ...so the worker may take the CPU now
        return reply

    async def oauth(request: web.Request, step: Callable[[BoltRequest], BoltResponse]) -> web.Response:
        """The install page and the redirect from Slack: Bolt's OAuth flow, on our state and installation stores."""
        headers = {k.lower(): request.headers.getall(k) for k in request.headers}
        bolt_request = BoltRequest(body="", query=request.query_string, headers=headers)  # type: ignore[arg-type]
        response = await asyncio.get_running_loop().run_in_executor(pool, step, bolt_request)
        return _to_aiohttp(response)

    async def healthz(request: web.Request) -> web.Response:
        try:
            await asyncio.get_running_loop().run_in_executor(pool, _ping, app)
        except Exception as exc:  # noqa: BLE001 -- any failure means unhealthy; the reason goes in the body
            return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
        if socket is not None and not socket.client.is_connected():
            return web.json_response({"ok": False, "error": "socket mode is not connected"}, status=503)
        if worker is not None and not worker.alive():
            return web.json_response({"ok": False, "error": "the Slack worker process is not running"}, status=503)
        if worker is not None and not worker.ready():  # requests are recorded meanwhile, answered once it is
            return web.json_response({"ok": False, "error": "starting: the worker is building its indexes"},
                                     status=503)
        return web.json_response({"ok": True})

    async def close_pool(_: web.Application) -> None:
        pool.shutdown(wait=False, cancel_futures=True)

    web_app = web.Application(client_max_size=MAX_BODY)
    if worker is not None:
        web_app.cleanup_ctx.append(_worker_lifecycle(worker))
    if socket is None:
        web_app.router.add_post(EVENTS_PATH, events)
    else:
        web_app.cleanup_ctx.append(socket_lifecycle(socket))
    web_app.router.add_get("/healthz", healthz)
    flow = bolt.oauth_flow
    if flow is not None:  # installs through OAuth: the page with the "Add to Slack" button, and Slack's redirect
        web_app.router.add_get(flow.install_path, partial(oauth, step=flow.handle_installation))
        web_app.router.add_get(flow.redirect_uri_path, partial(oauth, step=flow.handle_callback))
    web_app.on_cleanup.append(close_pool)
    return web_app


def _worker_lifecycle(worker: WorkerProcess) -> CleanupContext:
    async def run(_: web.Application) -> AsyncIterator[None]:
        worker.start()
        yield
        await asyncio.get_running_loop().run_in_executor(None, worker.stop)

    return run


def _dispatch(bolt: BoltApp, request: web.Request, raw: str, data: dict[str, Any]) -> BoltResponse:
    headers = {k.lower(): request.headers.getall(k) for k in request.headers}
    bolt_request = BoltRequest(body=raw, query=request.query_string, headers=headers)  # type: ignore[arg-type]
    if bolt_request.body != data:
        # Bolt reads any form body containing the word "payload" (a /log about a payload!) as empty.
        bolt_request.body = data
        bolt_request.context = build_context(BoltContext({}), data)
    return bolt.dispatch(bolt_request)


def _ping(app: App) -> None:
    with app.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _to_aiohttp(response: BoltResponse) -> web.Response:
    headers: CIMultiDict[str] = CIMultiDict()
    for name, values in response.headers.items():
        if name != "content-length":
            for value in values:  # one header line each: two cookies joined by a comma would be one bad cookie
                headers.add(name, value)
    return web.Response(status=response.status, body=response.body.encode("utf-8"), headers=headers)


def inbox_store(app: App) -> tuple[InboxStore, str | None]:
    """Where this server records requests before their ack, and the spool file's path if it is one: on a SQLite
    file, a spool beside it that only this process writes (so an ack never waits for the worker's writes to the
    database); on PostgreSQL, the inbox table."""
    database = app.engine.url.database
    if app.engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return SqlSlackInbox(app.engine), None
    path = spool_path(Path(database))
    return SpoolInbox(spool_engine(path), app.engine), str(path)


def serve_slack(app: App, *, signing_secret: str | None = None, token: str | None = None, host: str = "0.0.0.0",
                port: int = 3000, socket: bool = False, app_token: str | None = None, api_url: str | None = None,
                contexts: Sequence[CleanupContext] = (), env: Mapping[str, str] | None = None) -> None:
    """`touchpoint serve slack [--socket]`: blocks, serving until interrupted.

    What is not given comes from the environment: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN (one workspace) or
    SLACK_CLIENT_ID + SLACK_CLIENT_SECRET (OAuth installs), SLACK_APP_TOKEN (Socket Mode), SLACK_API_URL.
    `contexts` are aiohttp cleanup contexts run with the server (the digest scheduler). A configuration that
    cannot work raises SlackConfigError, whose message says what to set.
    """
    env = os.environ if env is None else env
    # Acks must not wait long for the GIL while a worker parses notes: hand it over every 0.5 ms, not 5 ms.
    sys.setswitchinterval(SWITCH_INTERVAL)
    signing_secret = signing_secret or env.get("SLACK_SIGNING_SECRET") or None
    token = token or env.get("SLACK_BOT_TOKEN") or None
    api_url = api_url or env.get("SLACK_API_URL") or WebClient.BASE_URL
    # Everything that can be checked offline is checked before Bolt calls auth.test or a socket opens.
    app_token = app_token_from(app_token, env) if socket else None
    if not socket and not signing_secret:
        raise SlackConfigError("Set SLACK_SIGNING_SECRET (your Slack app's Basic Information > Signing Secret).")
    client = with_retries(WebClient(token=token, base_url=api_url, timeout=15))
    oauth = None if token else OAuthCredentials.from_env(env)
    # Slash commands are recorded and acknowledged here, and run in a worker process (bot/slack_worker.py).
    store, spool = inbox_store(app)
    worker = WorkerProcess(WorkerConfig(app.settings.url(), spool, token, api_url, oauth))
    inbox = Inbox(store, wake=worker.wake, wake_after_reply=not socket)  # HTTP: woken once the ack is sent
    try:  # with a bot token, Bolt checks it with auth.test right here
        bolt, bot = build_slack(app, signing_secret=signing_secret or "", token=token, client=client, oauth=oauth,
                               inbox=inbox, verify_requests=False)  # make_web_app checks each signature first
    except (SlackApiError, OSError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
        raise SlackConfigError(f"Slack did not accept SLACK_BOT_TOKEN or could not be reached: {reason}") from None
    handler = socket_mode_handler(bolt, app_token) if socket else None
    # A slash command's ack only records it in the spool file (local, never the network: the bot token was
    # checked at start), so it runs on the event loop, without Bolt. With OAuth, each request's installation is
    # read first; on PostgreSQL the record is a network round trip: those go to Bolt in the thread pool.
    direct = recorder(bot, token) if spool is not None and token and handler is None else None
    server = make_web_app(app, bolt, signing_secret=signing_secret, socket=handler, worker=worker, inbox=inbox,
                          direct=direct)
    server.cleanup_ctx.extend(contexts)
    web.run_app(server, host=host, port=port, access_log=None, print=None)
