"""Connector clients and conversation references outlive the turn: built once, reused, still correct."""

from __future__ import annotations

import asyncio
import copy
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from aiohttp import web

from bot.bootstrap import App
from bot.replies import Reply
from bot.teams_connector import ClientCache, ReusingAuthentication
from bot.teams_proactive import notify_rep
from bot.teams_refs import InMemoryRefs, StoredRef
from bot.teams_server import ADAPTER_KEY, create_server
from tests.conftest import NOW, SHARED
from tests.integration.teams_fakes import FakeConnector, LoopThread, post, serve

SAMPLE = json.loads((SHARED / "platform-samples" / "teams_message_personal.json").read_text())


class CountingRefs(InMemoryRefs):
    """Counts saves; can fail the next ones, and notes how many ran at once (the SQL store is read-then-write)."""

    def __init__(self) -> None:
        super().__init__()
        self.saves = self.fail_next = self.running = self.most_at_once = 0

    def save(self, ref: StoredRef) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(0.02)  # wide enough for two turns to overlap here
            if self.fail_next > 0:
                self.fail_next -= 1
                raise RuntimeError("database is locked")
            self.saves += 1
            super().save(ref)
        finally:
            self.running -= 1


@dataclass
class Bench:
    loop: LoopThread
    server: web.Application
    bot_url: str
    connectors: list[tuple[FakeConnector, str]]  # two fake connectors: two serviceUrls
    refs: CountingRefs
    clock: list[datetime]

    @property
    def clients(self) -> ClientCache:
        authentication = self.server[ADAPTER_KEY].bot_framework_authentication
        assert isinstance(authentication, ReusingAuthentication)
        return authentication.connectors

    def say(self, text: str = "help", *, via: int = 0, chat: str | None = None, name: str | None = None) -> None:
        body = copy.deepcopy(SAMPLE)
        body.update(id=uuid.uuid4().hex, text=text, serviceUrl=self.connectors[via][1] + "/")
        body["from"]["name"] = name or body["from"]["name"]
        body["channelData"]["tenant"]["id"] = "tenant-connector-tests"
        body["conversation"]["id"] = chat or body["conversation"]["id"]
        assert post(self.bot_url + "/api/messages", json.dumps(body).encode())[0] == 200


@pytest.fixture
def bench(shared_app: App) -> Iterator[Bench]:
    loop, refs, clock = LoopThread(), CountingRefs(), [NOW]
    connectors = [FakeConnector(), FakeConnector()]
    served = [loop.run(serve(c.app())) for c in connectors]
    server = create_server(shared_app, refs=refs, clock=lambda: clock[0])
    runner, bot_url = loop.run(serve(server))
    yield Bench(loop, server, bot_url, [(c, url) for c, (_, url) in zip(connectors, served, strict=True)], refs, clock)
    loop.run(runner.cleanup())
    for connector_runner, _ in served:
        loop.run(connector_runner.cleanup())
    loop.stop()


def test_turns_share_one_connector_client_and_one_connection(bench: Bench) -> None:
    for _ in range(5):
        bench.say()
    connector, _ = bench.connectors[0]
    assert len(connector.sent) == 5
    assert len(connector.peers) == 1  # keep-alive: the stock adapter opens a new connection per turn
    assert bench.clients.built == 1


def test_a_client_reads_proxies_from_the_environment_only_when_some_are_set(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    bench.say(via=0)
    (quiet,) = bench.clients.clients()
    assert quiet.config.proxies.use_env_settings is False  # nothing to read: requests stops walking os.environ
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the fake connector is on loopback
    bench.say(via=1)
    proxied = next(c for c in bench.clients.clients() if c is not quiet)
    assert proxied.config.proxies.use_env_settings is True  # an admin's proxy is honoured


def test_another_service_url_gets_its_own_client(bench: Bench) -> None:
    (first, _), (second, _) = bench.connectors
    bench.say(via=0)
    bench.say(via=1)
    bench.say(via=0)
    assert (len(first.sent), len(second.sent)) == (2, 1)  # each reply went to its own activity's serviceUrl
    assert bench.clients.built == 2 and len(bench.clients) == 2


def test_proactive_messages_reuse_their_client(bench: Bench) -> None:
    bench.say()
    rep = SAMPLE["from"]["aadObjectId"]
    for _ in range(3):
        assert bench.loop.run(notify_rep(bench.server, "teams:tenant-connector-tests", rep, Reply("Your digest")))
    connector, _ = bench.connectors[0]
    assert len(connector.sent) == 4
    assert bench.clients.built == 2  # one for the turn's claims, one for the bot's own (proactive) claims


def test_a_private_briefing_goes_only_to_the_reps_one_to_one_chat_never_a_channel(bench: Bench) -> None:
    workspace, tenant = "teams:tenant-connector-tests", "tenant-connector-tests"
    connector, url = bench.connectors[0]

    def talked(rep: str, conversation: str, kind: str) -> None:
        reference = {"channelId": "msteams", "serviceUrl": url + "/", "bot": {"id": "28:bot", "name": "Touchpoint"},
                     "user": {"id": rep}, "conversation": {"id": conversation, "conversationType": kind,
                                                            "tenantId": tenant}}
        bench.refs.save(StoredRef(workspace, rep, conversation, kind, url + "/", reference, NOW))

    talked("channel-only", "19:sales@thread.skype", "channel")
    talked("channel-only", "19:deal-room@thread.v2", "groupChat")
    assert not bench.loop.run(notify_rep(bench.server, workspace, "channel-only", Reply("Your digest")))
    talked("both", "19:sales@thread.skype", "channel")
    talked("both", "a:both-1on1", "personal")
    connector.fail_next = 1  # the 1:1 chat refuses this once: the briefing must not fall back to the channel
    assert not bench.loop.run(notify_rep(bench.server, workspace, "both", Reply("Your digest")))
    assert connector.sent == []
    assert bench.loop.run(notify_rep(bench.server, workspace, "both", Reply("Your digest")))
    assert [s.conversation_id for s in connector.sent] == ["a:both-1on1"]


def test_an_unchanged_reference_is_stored_once_until_it_changes_or_ages(bench: Bench) -> None:
    bench.say()
    bench.say()
    assert bench.refs.saves == 1
    bench.say(via=1)  # Teams moved the conversation to another serviceUrl: the digest must follow
    assert bench.refs.saves == 2
    bench.clock[0] = NOW + timedelta(hours=2)
    bench.say(via=1)
    assert bench.refs.saves == 3
    (ref,) = bench.refs.of_user("teams:tenant-connector-tests", SAMPLE["from"]["aadObjectId"])
    assert ref.service_url == bench.connectors[1][1] + "/" and ref.updated_at == bench.clock[0]


def test_any_change_in_what_makes_a_reference_stores_it_again(bench: Bench) -> None:
    bench.say()
    bench.say(chat=SAMPLE["conversation"]["id"] + ";messageid=1")  # a thread of the same chat: the same reference
    assert bench.refs.saves == 1
    bench.say(name="Megan Bowen-Smith")  # the rep's display name is part of the stored reference
    assert bench.refs.saves == 2
    (ref,) = bench.refs.of_user("teams:tenant-connector-tests", SAMPLE["from"]["aadObjectId"])
    assert ref.reference["user"]["name"] == "Megan Bowen-Smith"
    assert ref.reference["conversation"]["id"] == SAMPLE["conversation"]["id"] and "activityId" not in ref.reference


def test_references_are_stored_one_at_a_time(bench: Bench) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: bench.say(chat=f"a:chat-{n}"), range(4)))
    assert bench.refs.saves == 4 and bench.refs.most_at_once == 1


def test_a_reference_that_cannot_be_stored_does_not_cost_the_answer(bench: Bench) -> None:
    bench.refs.fail_next = 1
    bench.say()
    (reply,) = bench.connectors[0][0].sent
    assert reply.card["body"][0]["color"] != "attention"  # the rep got the real answer
    assert bench.refs.saves == 0
    bench.say()  # tried again on the next message
    assert bench.refs.saves == 1


def test_the_cache_keeps_the_first_client_and_drops_the_least_recently_used() -> None:
    cache, built = ClientCache(limit=2), []

    async def build(name: str) -> str:
        await asyncio.sleep(0)
        built.append(name)
        return name

    async def scenario() -> list[str]:
        racing = await asyncio.gather(cache.get("a", lambda: build("a1")), cache.get("a", lambda: build("a2")))
        await cache.get("b", lambda: build("b"))
        await cache.get("a", lambda: build("a3"))  # "a" is now the most recently used
        await cache.get("c", lambda: build("c"))  # over the limit: "b" goes
        again = await cache.get("b", lambda: build("b2"))
        return [*racing, again]

    assert asyncio.run(scenario()) == ["a1", "a1", "b2"]  # two first uses at once: one client is kept
    assert built == ["a1", "a2", "b", "c", "b2"] and len(cache) == 2
