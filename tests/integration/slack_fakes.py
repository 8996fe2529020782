"""Loopback Slack for tests: a fake Web API that records calls, signed requests built from Slack's real
payload samples (../shared/platform-samples), and a thread that serves an aiohttp app on a random port."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from aiohttp import web
from slack_sdk import WebClient

from bot.bootstrap import App
from bot.slack_app import build_slack_app
from bot.slack_oauth import OAuthCredentials
from bot.slack_server import make_web_app
from tests.conftest import NOW
from tests.integration.helpers import load_world

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "platform-samples"
SECRET = "test-signing-secret"
BOT_USER = "U0BOT"
REP = "U0REP"
FORM = "application/x-www-form-urlencoded"


class LoopbackServer:
    """Serves an aiohttp application from its own event loop thread, on 127.0.0.1 and a free port."""

    def __init__(self, web_app: web.Application, *, keepalive_timeout: float = 75.0) -> None:
        self._app = web_app
        self._loop = asyncio.new_event_loop()
        # keepalive_timeout: how long an idle kept connection stays open before the server closes it
        self._runner = web.AppRunner(web_app, access_log=None, keepalive_timeout=keepalive_timeout)
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.url = ""

    def start(self) -> LoopbackServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._runner.setup(), self._loop).result(10)
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        asyncio.run_coroutine_threadsafe(site.start(), self._loop).result(10)
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    def open_connections(self) -> int:
        """How many client connections the server holds open now (kept-alive ones included)."""
        async def count() -> int:
            server = self._runner.server
            return len(server.connections) if server is not None else 0

        return asyncio.run_coroutine_threadsafe(count(), self._loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@dataclass
class Call:
    path: str
    params: dict[str, Any]
    token: str = ""  # the bearer token the call was made with
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one per TCP connection

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class FakeSlackApi:
    """The Web API methods the app uses, plus response_url webhooks under /webhook/; records every call."""

    calls: list[Call] = field(default_factory=list)
    tz: dict[str, str] = field(default_factory=dict)
    throttle: dict[str, int] = field(default_factory=dict)  # method -> how many 429s to answer first
    faults: dict[str, list[int]] = field(default_factory=dict)  # method or hook id -> statuses to answer first
    client: tuple[str, str] = ("", "")  # the app's client id and secret, checked by oauth.v2.access
    grants: dict[str, Grant] = field(default_factory=dict)  # OAuth code -> the install it grants (used once)
    teams: dict[str, str] = field(default_factory=dict)  # bot token -> its team, for auth.test
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # Socket Mode: envelope id -> the app's ack
    _sockets: list[tuple[web.WebSocketResponse, asyncio.AbstractEventLoop]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def web_app(self) -> web.Application:
        web_app = web.Application()
        web_app.router.add_route("*", "/api/{method}", self._api)
        web_app.router.add_post("/webhook/{hook}", self._webhook)
        web_app.router.add_get("/link/", self._socket)
        return web_app

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's Socket Mode end: says hello, then records the app's acks of the envelopes sent to it."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TOUCH"},
                            "debug_info": {"host": "loopback"}})
        with self._lock:
            self._sockets.append((ws, asyncio.get_running_loop()))
        async for message in ws:
            data = json.loads(message.data) if message.type == web.WSMsgType.TEXT else {}
            if "envelope_id" in data:
                with self._lock:
                    self.acks[data["envelope_id"]] = data
        return ws

    def connected(self) -> int:
        with self._lock:
            return sum(1 for ws, _ in self._sockets if not ws.closed)

    def deliver(self, kind: str, payload: dict[str, Any], *, timeout: float = 10.0) -> dict[str, Any]:
        """Sends an envelope down the newest open socket; returns the app's ack (its `payload` is the answer)."""
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": ""}
        with self._lock:
            ws, loop = next((ws, loop) for ws, loop in reversed(self._sockets) if not ws.closed)
        asyncio.run_coroutine_threadsafe(ws.send_json(envelope), loop).result(timeout)
        eventually(lambda: envelope_id in self.acks, timeout)
        return self.acks[envelope_id]

    def grant(self, code: str, team: str, token: str, *, installer: str = REP) -> None:
        """Slack will answer oauth.v2.access for `code` with this team's bot token, once."""
        self.grants[code] = Grant(team, token, installer)
        self.teams[token] = team

    async def _record(self, request: web.Request) -> Call:
        params: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if request.content_type == "application/json":
            params.update(json.loads(raw or "{}"))
        else:
            params.update(parse_qsl(raw))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else str(params.get("token") or "")
        peer = request.transport.get_extra_info("peername") if request.transport else None
        call = Call(request.path, params, token, tuple(peer[:2]) if peer else ("", 0))
        with self._lock:
            self.calls.append(call)
        return call

    def _oauth_access(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: the client's credentials in Basic auth, and a code granted and not yet used."""
        expected = "Basic " + base64.b64encode(":".join(self.client).encode()).decode()
        if request.headers.get("Authorization") != expected:
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            found = self.grants.pop(str(params.get("code")), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        return {"ok": True, "app_id": "A0TOUCH", "authed_user": {"id": found.installer},
                "scope": "commands,chat:write,im:history,im:write,app_mentions:read,users:read",
                "token_type": "bot", "access_token": found.token, "bot_user_id": BOT_USER,
                "team": {"id": found.team, "name": f"Team {found.team}"}, "enterprise": None,
                "is_enterprise_install": False}

    def _fault(self, name: str) -> web.Response | None:
        """The next status queued for `name` in `faults` (a 429 says Retry-After: 1), if any."""
        with self._lock:
            queued = self.faults.get(name) or []
            status = queued.pop(0) if queued else None
        if status is None:
            return None
        return web.json_response({"ok": False, "error": f"status_{status}"}, status=status,
                                 headers={"Retry-After": "1"} if status == 429 else None)

    def connections(self, method: str) -> set[tuple[str, int]]:
        """The distinct client connections that calls to `method` (or webhook id) came over."""
        return {c.peer for c in self.of(method)}

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = await self._record(request)
        params = call.params
        if (fault := self._fault(method)) is not None:
            return fault
        if self.throttle.get(method, 0) > 0:
            self.throttle[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        if method == "oauth.v2.access":
            return web.json_response(self._oauth_access(request, params))
        if method == "apps.connections.open":  # only an app-level token may open Socket Mode
            if not call.token.startswith("xapp-"):
                return web.json_response({"ok": False, "error": "not_allowed_token_type"})
            return web.json_response({"ok": True, "url": f"ws://{request.host}/link/?ticket={uuid.uuid4()}"})
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"user_id": BOT_USER, "bot_id": "B0BOT", "team_id": self.teams.get(call.token, "T0TEAM"),
                          "user": "touchpoint"},
            "users.info": {"user": {"id": params.get("user"), "tz": self.tz.get(str(params.get("user")),
                                                                                 "America/New_York")}},
            "chat.postMessage": {"channel": params.get("channel"), "ts": f"{time.time():.6f}"},
        }
        return web.json_response({"ok": True, **answers.get(method, {})})

    async def _webhook(self, request: web.Request) -> web.Response:
        await self._record(request)
        if (fault := self._fault(request.match_info["hook"])) is not None:
            return fault
        return web.Response(text="ok")

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, *, where: Callable[[dict[str, Any]], bool] | None = None,
                 timeout: float = 10.0) -> list[Call]:
        """The calls to `method` (or webhook id) whose params match `where`, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [c for c in self.of(method) if where is None or where(c.params)]
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} call(s) to {method}; got {[c.path for c in self.calls]}")


@dataclass(frozen=True)
class Grant:
    team: str
    token: str
    installer: str


# --- signed requests ---------------------------------------------------------------------------------------


def signature(body: str, ts: int | str, secret: str = SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()


def post(url: str, body: str, *, content_type: str, ts: int | str | None = None, sig: str | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST with a valid v0 signature unless `sig` is given; returns (status, body)."""
    ts = int(time.time()) if ts is None else ts
    all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                   "X-Slack-Signature": sig if sig is not None else signature(body, ts), **(headers or {})}
    req = urllib.request.Request(url, data=body.encode(), headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def slash_body(*, command: str, text: str, team: str, user: str, response_url: str) -> str:
    """Slack's documented slash command payload with our team, user and words."""
    fields = dict(parse_qsl((SAMPLES / "slack_slash_command.txt").read_text().strip()))
    fields.update(command=command, text=text, team_id=team, user_id=user, response_url=response_url,
                  trigger_id=f"{time.time_ns()}.1.abc")
    return urlencode(fields)


def click_body(*, button: dict[str, Any], team: str, user: str, response_url: str | None) -> str:
    """The bolt-python block_actions sample, clicking `button` (an element from one of our messages, or
    from the Home tab when there is no response_url)."""
    payload = sample("slack_block_actions.json")
    payload["team"] = {"id": team, "domain": "example"}
    payload["user"] = {"id": user, "team_id": team}
    payload["container"]["is_ephemeral"] = True
    payload["response_url"] = response_url
    if response_url is None:  # a Home tab button: the payload names the view instead of a message
        del payload["response_url"], payload["message"], payload["channel"]
        payload["container"] = {"type": "view", "view_id": "V0HOME"}
        payload["view"] = {"id": "V0HOME", "type": "home", "team_id": team, "blocks": []}
    payload["trigger_id"] = f"{time.time_ns()}.1.xyz"
    payload["actions"] = [{**copy.deepcopy(button), "block_id": "b1", "action_ts": f"{time.time():.6f}"}]
    return "payload=" + quote(json.dumps(payload))


def event_body(*, team: str, user: str, text: str, event_id: str, kind: str = "message") -> str:
    """Slack's documented message.im envelope (or an app_mention in a channel) from our team and user."""
    envelope = sample("slack_message_im_event.json")
    envelope.update(team_id=team, event_id=event_id)
    envelope["authorizations"][0].update(team_id=team, user_id=BOT_USER, is_bot=True)
    envelope["event"].update(user=user, text=text, ts=f"{time.time():.6f}")
    if kind == "app_mention":
        envelope["event"].update(type="app_mention", channel="C0SALES")
        envelope["event"].pop("channel_type")
    return json.dumps(envelope)


def home_opened_body(*, team: str, user: str) -> str:
    """Slack's documented app_home_opened envelope for our team and user."""
    envelope = sample("slack_app_home_opened.json")
    envelope.update(team_id=team, event_id=f"Ev{time.time_ns()}")
    envelope["authorizations"][0].update(team_id=team, user_id=BOT_USER, is_bot=True)
    envelope["event"]["user"] = user
    envelope["event"]["view"]["team_id"] = team
    return json.dumps(envelope)


def _interaction(name: str, team: str, user: str, **fields: Any) -> str:
    payload = sample(name)
    payload["team"] = {"id": team, "domain": "example"}
    payload["user"] = {"id": user, "team_id": team, "name": "rep"}
    payload["trigger_id"] = f"{time.time_ns()}.1.trg"
    payload.update(fields)
    return "payload=" + quote(json.dumps(payload))


def shortcut_body(*, team: str, user: str, callback_id: str, text: str = "") -> str:
    """bolt-python's message shortcut sample (or its global shortcut sample when there is no text)."""
    if not text:
        return _interaction("slack_global_shortcut.json", team, user, callback_id=callback_id)
    message = {**sample("slack_message_action.json")["message"], "text": text, "user": user}
    return _interaction("slack_message_action.json", team, user, callback_id=callback_id, message=message)


def options_body(*, team: str, user: str, query: str) -> str:
    """An external select asking for options (block_suggestion), on the view submission sample's view."""
    view = {**sample("slack_view_submission.json")["view"], "team_id": team, "app_installed_team_id": team}
    return _interaction("slack_view_submission.json", team, user, type="block_suggestion", action_id="account",
                        block_id="account", value=query, view=view)


def submission_body(*, team: str, user: str, values: dict[str, Any], view_id: str) -> str:
    """bolt-python's view_submission sample, submitting our log modal with `values` as its state."""
    view = sample("slack_view_submission.json")["view"]
    view.update(id=view_id, callback_id="log_modal", state={"values": values}, team_id=team,
                app_installed_team_id=team)  # Bolt takes the workspace from here for views
    return _interaction("slack_view_submission.json", team, user, view=view)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def button(message: dict[str, Any], label_part: str) -> dict[str, Any]:
    return next(b for b in buttons(message) if label_part in b["text"]["text"])


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


# --- a running Touchpoint Slack server --------------------------------------------------------------------


@dataclass
class Slack:
    """One running Touchpoint Slack server and the fake Slack it talks to."""

    app: App
    api: FakeSlackApi
    api_url: str
    url: str

    def slash(self, team: str, command: str, text: str, user: str = REP) -> dict[str, Any]:
        """Runs a slash command; returns the answer posted to its response_url after the (empty) ack."""
        hook = self.hook()
        status, body = post(self.url, slash_body(command=command, text=text, team=team, user=user,
                                                 response_url=hook), content_type=FORM)
        assert (status, body) == (200, ""), body
        (call,) = self.api.wait_for(hook.rsplit("/", 1)[-1])
        return call.params

    def click(self, team: str, element: dict[str, Any], user: str = REP) -> dict[str, Any]:
        """Clicks a button; returns what was posted to the click's response_url."""
        hook = self.hook()
        status, body = post(self.url, click_body(button=element, team=team, user=user, response_url=hook),
                            content_type=FORM)
        assert status == 200, body
        (call,) = self.api.wait_for(hook.rsplit("/", 1)[-1])
        return call.params

    def event(self, team: str, text: str, *, event_id: str = "", retry: int = 0, **kw: str) -> int:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        body = event_body(team=team, user=kw.pop("user", REP), text=text, event_id=event_id or new_id("Ev"), **kw)
        status, _ = post(self.url, body, content_type="application/json", headers=headers)
        return status

    def hook(self) -> str:
        return f"{self.api_url}/webhook/{new_id('hook')}"


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


@contextmanager
def running_slack(app: App, *, oauth: OAuthCredentials | None = None) -> Iterator[Slack]:
    """Touchpoint's Slack server and a fake Slack Web API, both on loopback, the clock fixed at NOW: for the
    one workspace of the bot token xoxb-test, or, given OAuth credentials, for the workspaces installed."""
    api = FakeSlackApi()
    api_server = LoopbackServer(api.web_app()).start()
    token = None if oauth else "xoxb-test"
    if oauth:
        api.client = (oauth.client_id, oauth.client_secret)
    client = WebClient(token=token, base_url=api_server.url + "/api/")
    bolt = build_slack_app(app, signing_secret=SECRET, token=token, client=client, clock=lambda: NOW, oauth=oauth)
    server = LoopbackServer(make_web_app(app, bolt, signing_secret=SECRET)).start()
    try:
        yield Slack(app, api, api_server.url, server.url + "/slack/events")
    finally:
        server.stop()
        api_server.stop()


def world_team(slack: Slack) -> str:
    """A Slack team of its own, holding the fixture world (Globex, two Initechs...)."""
    team = new_id("T")
    slack.app.ensure_workspace(f"slack:{team}")
    load_world(slack.app, f"slack:{team}")
    return team


def interactions(app: App, team: str, account: str) -> list[str]:
    with app.services.uow(f"slack:{team}") as uow:
        found = uow.accounts.by_name(account)
        assert found is not None
        return [i.text for i in uow.interactions.of_account(found.id, limit=50)]
