"""The reply's way out: aiohttp on the serving loop, the card sent as rendered, and Teams receiving exactly what
the SDK's stock path (requests, cards as plain dicts) sends."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, Attachment
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.exceptions import ClientRequestError

import bot.teams_app as teams_app
import bot.teams_http as teams_http
from bot.bootstrap import App
from bot.render.teams import render_activity
from bot.replies import Reply
from bot.teams_app import on_turn_error
from bot.teams_connector import ReusingAuthentication
from bot.teams_http import ServingLoopPipeline, send_on_loop
from bot.teams_proactive import notify_rep
from bot.teams_refs import InMemoryRefs
from bot.teams_server import ADAPTER_KEY, TeamsAuth, create_server
from tests.conftest import NOW, SHARED
from tests.integration.helpers import load_world
from tests.integration.teams_fakes import FakeConnector, LoopThread, post, serve

SAMPLE = json.loads((SHARED / "platform-samples" / "teams_message_personal.json").read_text())
TENANT = "tenant-send-path"  # each test loads the fixture world into a fresh tenant of its own (see `tenant`)
SAID = [
    "log call with Frank at Globex, he wants the security pack by Friday",
    "dmu Globex",
    "help",
    "log call with Zed at Nowhere Inc",  # a question card
    "stage Globex",
    "x" * 5000,  # an error card
]


class Endpoint:
    def __init__(self, loop: LoopThread, app: App, *, stock: bool = False) -> None:
        self.loop, self.connector = loop, FakeConnector()
        self._connector_runner, self.connector_url = loop.run(serve(self.connector.app()))
        self.server = create_server(app, refs=InMemoryRefs(), clock=lambda: NOW)
        if stock:  # the SDK's own adapter: a fresh client per turn, requests in a thread
            adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(TeamsAuth()))
            adapter.on_turn_error = on_turn_error
            self.server[ADAPTER_KEY] = adapter
        self._runner, self.url = loop.run(serve(self.server))

    def say(self, text: str, activity_id: str, tenant: str = TENANT) -> None:
        body = copy.deepcopy(SAMPLE)
        body.update(id=activity_id, text=text, serviceUrl=self.connector_url + "/")
        body["channelData"]["tenant"]["id"] = tenant
        assert post(self.url + "/api/messages", json.dumps(body).encode())[0] == 200

    def received(self) -> list[str]:
        """What the connector got, with what differs between two runs (ids made per log, the port) masked."""
        text = json.dumps([s.activity for s in self.connector.sent], ensure_ascii=False)
        activities = json.loads(text.replace(self.connector_url, "URL"))
        return [re.sub(r"[0-9a-f]{32}", "ID", json.dumps(a)) for a in activities]

    @property
    def clients(self) -> list[Any]:
        authentication = self.server[ADAPTER_KEY].bot_framework_authentication
        assert isinstance(authentication, ReusingAuthentication)
        return authentication.connectors.clients()

    def close(self) -> None:
        self.loop.run(self._runner.cleanup())
        self.loop.run(self._connector_runner.cleanup())


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    running = LoopThread()
    yield running
    running.stop()


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def _plain_card_activity(reply: Reply) -> Activity:
    """The reply as the SDK's samples build it: the card as a plain dict (deep-copied and walked by msrest)."""
    rendered = render_activity(reply)
    return Activity(type=rendered["type"], summary=rendered["summary"], text_format=rendered["textFormat"],
                    attachments=[Attachment(content_type=a["contentType"], content=a["content"])
                                 for a in rendered["attachments"]])


def test_teams_receives_exactly_what_the_stock_sdk_path_sends(
        loop: LoopThread, shared_app: App, no_proxy: None, monkeypatch: pytest.MonkeyPatch) -> None:
    tenants = [f"send-path-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for tenant in tenants:  # two tenants with the same world: the same log writes the same things in each
        shared_app.ensure_workspace("teams:" + tenant)
        load_world(shared_app, "teams:" + tenant)
    ours = Endpoint(loop, shared_app)
    try:
        for n, text in enumerate(SAID):
            ours.say(text, f"ours-{n}", tenants[0])
        (client,) = ours.clients
        assert isinstance(client.config.pipeline, ServingLoopPipeline)  # sent on aiohttp
    finally:
        ours.close()
    monkeypatch.setattr(teams_app, "to_activity", _plain_card_activity)
    stock = Endpoint(loop, shared_app, stock=True)
    try:
        for n, text in enumerate(SAID):
            stock.say(text, f"stock-{n}", tenants[1])
    finally:
        stock.close()
    sent = [a.replace("ours-", "") for a in ours.received()]
    assert len(sent) == len(SAID) and "Logged for Globex" in sent[0] and "Which account" not in sent[0]
    assert sent == [a.replace("stock-", "") for a in stock.received()]


def test_a_send_from_another_loop_takes_the_stock_pipeline_and_arrives(
        loop: LoopThread, shared_app: App, no_proxy: None) -> None:
    """`touchpoint digest run` sends from a fresh loop per rep: an aiohttp session belongs to one loop."""
    shared_app.ensure_workspace("teams:" + TENANT)
    endpoint = Endpoint(loop, shared_app)
    try:
        endpoint.say("help", "first")
        rep = SAMPLE["from"]["aadObjectId"]
        results: list[bool] = []
        thread = threading.Thread(target=lambda: results.append(
            asyncio.run(notify_rep(endpoint.server, "teams:" + TENANT, rep, Reply("Your digest")))))
        thread.start()
        thread.join(30)
        assert results == [True]
        assert loop.run(notify_rep(endpoint.server, "teams:" + TENANT, rep, Reply("Your digest")))  # serving loop
        assert [s.activity["summary"] for s in endpoint.connector.sent][1:] == ["Your digest", "Your digest"]
    finally:
        endpoint.close()


def test_with_a_proxy_in_the_environment_the_stock_pipeline_is_kept(
        loop: LoopThread, shared_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    shared_app.ensure_workspace("teams:" + TENANT)
    endpoint = Endpoint(loop, shared_app)
    try:
        endpoint.say("help", "proxied")
        (client,) = endpoint.clients
        assert not isinstance(client.config.pipeline, ServingLoopPipeline)
        assert len(endpoint.connector.sent) == 1
    finally:
        endpoint.close()


def test_the_aiohttp_pipeline_signs_with_the_sdk_credentials(loop: LoopThread, no_proxy: None) -> None:
    seen: list[str | None] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"id": "1"}, status=201)

    recorder = web.Application()
    recorder.router.add_post("/v3/conversations/{conversation}/activities", record)
    runner, url = loop.run(serve(recorder))
    credentials = MicrosoftAppCredentials(str(uuid.uuid4()), "secret")
    credentials.get_access_token = lambda force_refresh=False: "token-1"  # no identity platform in a test

    async def send() -> None:
        client = ConnectorClient(credentials, base_url=url)
        assert send_on_loop(client, asyncio.get_running_loop())
        await client.conversations.send_to_conversation("a:1", Activity(type="message", text="hi"))
        await client.__aexit__(None, None, None)

    try:
        loop.run(send())
    finally:
        loop.run(runner.cleanup())
    assert seen == ["Bearer token-1"]


def test_a_connector_that_cannot_be_reached_is_a_client_request_error(
        loop: LoopThread, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(teams_http, "BACKOFF", 0.0)
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url="http://127.0.0.1:9")  # discard port

    async def send() -> None:
        send_on_loop(client, asyncio.get_running_loop())
        try:
            await client.conversations.send_to_conversation("a:1", Activity(type="message", text="hi"))
        finally:
            await client.__aexit__(None, None, None)

    with pytest.raises(ClientRequestError):
        loop.run(send())
