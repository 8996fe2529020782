"""Socket Mode, offline: slack_sdk's built-in websocket client, run by Bolt's SocketModeHandler on our app,
talks to a fake Slack on loopback (apps.connections.open hands out a ws:// URL there). Slack's own
websocket endpoint is not reachable here and is not exercised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.bootstrap import App
from bot.slack_app import SlackConfigError, build_slack_app
from bot.slack_server import make_web_app, serve_slack
from bot.slack_socket import app_token_from, socket_mode_handler
from tests.conftest import NOW
from tests.integration.helpers import load_world
from tests.integration.slack_fakes import (
    FORM,
    SAMPLES,
    FakeSlackApi,
    LoopbackServer,
    event_body,
    eventually,
    interactions,
    new_id,
    post,
    slash_body,
)

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")

APP_TOKEN = "xapp-1-A0TOUCH-1234567890-" + "ab" * 32
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Socketed:
    app: App
    api: FakeSlackApi
    api_url: str
    url: str  # the HTTP server that runs alongside: /healthz
    handler: SocketModeHandler


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[tuple[FakeSlackApi, str]]:
    api = FakeSlackApi()
    server = LoopbackServer(api.web_app()).start()
    yield api, server.url
    server.stop()


@pytest.fixture(scope="module")
def socketed(shared_app: App, fake_slack: tuple[FakeSlackApi, str]) -> Iterator[Socketed]:
    api, api_url = fake_slack
    client = WebClient(token="xoxb-test", base_url=api_url + "/api/")
    bolt = build_slack_app(shared_app, signing_secret="", token="xoxb-test", client=client, clock=lambda: NOW)
    handler = socket_mode_handler(bolt, APP_TOKEN)
    server = LoopbackServer(make_web_app(shared_app, bolt, signing_secret=None, socket=handler)).start()
    try:
        yield Socketed(shared_app, api, api_url, server.url, handler)
    finally:
        server.stop()
    assert not handler.client.is_connected()  # stopping the server closed the websocket


def world_team(app: App) -> str:
    team = new_id("T")
    app.ensure_workspace(f"slack:{team}")
    load_world(app, f"slack:{team}")
    return team


def slash_payload(socketed: Socketed, team: str, command: str, text: str) -> dict[str, str]:
    hook = f"{socketed.api_url}/webhook/{new_id('hook')}"
    return dict(parse_qsl(slash_body(command=command, text=text, team=team, user="U0REP", response_url=hook)))


def test_the_handler_runs_our_bolt_app_with_the_app_token(socketed: Socketed) -> None:
    assert socketed.handler.app_token == APP_TOKEN
    assert socketed.handler.client.web_client is socketed.handler.app.client
    assert socketed.handler.client.is_connected()
    # the websocket URL was asked for with the app-level token, never the bot token
    assert [c.token for c in socketed.api.of("apps.connections.open")] == [APP_TOKEN]


def test_a_slash_command_over_the_socket_is_acked_then_answered_and_saved(socketed: Socketed) -> None:
    team = world_team(socketed.app)
    payload = slash_payload(socketed, team, "/log", "call with Frank at Globex, asked for a trial")
    ack = socketed.api.deliver("slash_commands", payload)
    assert "payload" not in ack  # acknowledged at once; the answer follows through the response_url
    (answer,) = socketed.api.wait_for(payload["response_url"].rsplit("/", 1)[-1])
    assert answer.params["response_type"] == "ephemeral"
    assert "Logged for Globex Corporation" in answer.params["text"]
    assert "call with Frank at Globex, asked for a trial" in interactions(socketed.app, team, "Globex Corporation")


def test_a_dm_over_the_socket_is_acked_then_answered_and_a_retry_is_not_logged_twice(socketed: Socketed) -> None:
    team = world_team(socketed.app)
    event_id, text = new_id("Ev"), "log call with Frank at Globex, pricing looks fine"
    envelope = json.loads(event_body(team=team, user="U0REP", text=text, event_id=event_id))
    before = len(socketed.api.of("chat.postMessage"))
    assert socketed.api.deliver("events_api", envelope).get("payload") is None  # a bare ack
    socketed.api.wait_for("chat.postMessage", before + 1)
    socketed.api.deliver("events_api", envelope)  # Slack re-sends an event it thinks was not acked in time
    time.sleep(0.3)
    assert len(socketed.api.of("chat.postMessage")) == before + 1
    assert interactions(socketed.app, team, "Globex Corporation").count(text.removeprefix("log ")) == 1


def test_health_is_served_but_http_events_are_not_taken_in_socket_mode(socketed: Socketed) -> None:
    with urllib.request.urlopen(socketed.url + "/healthz", timeout=5) as resp:
        assert json.loads(resp.read()) == {"ok": True}
    body = slash_body(command="/log", text="x", team="T1", user="U1", response_url="http://127.0.0.1:9/")
    assert post(socketed.url + "/slack/events", body, content_type=FORM)[0] in (404, 405)


@pytest.mark.parametrize("token,says", [
    ("", "set SLACK_APP_TOKEN"), ("   ", "set SLACK_APP_TOKEN"),
    ("xoxb-1234567890-abcdefghijk", "is a bot token"), ("xapp-", "not an app-level token"),
    ("xapp-1-A0 has spaces-123", "not an app-level token"), ("sk-abcdefghijklmnop", "not an app-level token"),
])
def test_a_missing_or_malformed_app_token_says_what_to_set_without_echoing_it(token: str, says: str) -> None:
    with pytest.raises(SlackConfigError, match=says) as raised:
        app_token_from(None, {"SLACK_APP_TOKEN": token})
    assert len(token.strip()) < 8 or token not in str(raised.value)  # the value itself is never repeated
    assert "xapp-" in str(raised.value) and "App-Level Tokens" in str(raised.value)


def test_the_app_token_comes_from_the_environment_unless_given() -> None:
    assert app_token_from(None, {"SLACK_APP_TOKEN": APP_TOKEN}) == APP_TOKEN
    assert app_token_from(APP_TOKEN, {}) == APP_TOKEN


def test_serve_slack_refuses_to_start_without_an_app_token_before_calling_slack(
        app: App, fake_slack: tuple[FakeSlackApi, str]) -> None:
    api, api_url = fake_slack
    before = len(api.calls)
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN"):
        serve_slack(app, token="xoxb-test", socket=True, host="127.0.0.1", port=9, env={"SLACK_API_URL": api_url})
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        serve_slack(app, token="xoxb-test", host="127.0.0.1", port=9, env={"SLACK_API_URL": api_url + "/api/"})
    assert len(api.calls) == before
    with pytest.raises(SlackConfigError, match=r"SLACK_BOT_TOKEN.*could not be reached"):
        serve_slack(app, token="xoxb-test", signing_secret="s", host="127.0.0.1", port=9,
                    env={"SLACK_API_URL": "http://127.0.0.1:9/api/"})


def test_a_slack_that_cannot_be_reached_gives_a_clear_error(app: App, fake_slack: tuple[FakeSlackApi, str]) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack[1] + "/api/")
    bolt = build_slack_app(app, signing_secret="", token="xoxb-test", client=client)
    client.base_url = "http://127.0.0.1:9/api/"  # then Slack goes away: nothing listens on port 9
    handler = socket_mode_handler(bolt, APP_TOKEN)
    server = LoopbackServer(make_web_app(app, bolt, signing_secret=None, socket=handler))
    with pytest.raises(SlackConfigError, match="could not be reached for Socket Mode"):
        server.start()
    assert not handler.client.is_connected()


def test_serve_slack_socket_end_to_end_in_its_own_process(database_url: str, tmp_path: Path,
                                                           fake_slack: tuple[FakeSlackApi, str]) -> None:
    api, api_url = fake_slack
    opened = len(api.of("apps.connections.open"))
    from tests.integration.test_serve import free_port, stopped, wait_healthy

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HOME": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": api_url + "/api/"}
    env.pop("SLACK_SIGNING_SECRET", None)  # not needed in Socket Mode
    code = f"from bot.bootstrap import bootstrap; from bot.slack_server import serve_slack; " \
           f"serve_slack(bootstrap(), socket=True, host='127.0.0.1', port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        eventually(lambda: len(api.of("apps.connections.open")) > opened)
        hook = new_id("hook")
        api.deliver("slash_commands", {"command": "/touchpoint", "text": "help", "team_id": new_id("T"),
                                       "user_id": "U0REP", "user_name": "rep", "trigger_id": new_id("trg"),
                                       "response_url": f"{api_url}/webhook/{hook}", "channel_id": "D1"})
        assert "Touchpoint" in api.wait_for(hook)[0].params["text"]
    finally:
        err = stopped(proc)
    assert "Traceback" not in err, err
