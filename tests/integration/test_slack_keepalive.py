"""The worker's answers and Web API calls go over kept-alive connections (bot/slack_http.py), against a fake
Slack on loopback that records which TCP connection each call came over: a connection is reused, a 429 waits
for Retry-After and delivers once, a connection the server closed while idle is replaced without sending the
post twice, 5xx answers are retried, and a post whose connection broke after it was sent is not resent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot import slack_http
from bot.slack_send import respond_now, retry_handlers
from tests.integration.slack_fakes import SAMPLES, FakeSlackApi, LoopbackServer, Slack, eventually, new_id

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")


@pytest.fixture(autouse=True)
def fresh_pool() -> Iterator[None]:
    slack_http.reset_pool()
    yield
    slack_http.reset_pool()


@pytest.fixture
def fake() -> Iterator[tuple[FakeSlackApi, str]]:
    api = FakeSlackApi()
    server = LoopbackServer(api.web_app()).start()
    try:
        yield api, server.url
    finally:
        server.stop()


def test_several_answers_go_over_one_connection(fake: tuple[FakeSlackApi, str]) -> None:
    api, url = fake
    hooks = [new_id("hook") for _ in range(5)]
    for i, hook in enumerate(hooks):
        respond_now(f"{url}/webhook/{hook}", {"text": f"answer {i}"}, response_type="ephemeral")
    calls = [api.wait_for(hook)[0] for hook in hooks]
    assert [c.params["text"] for c in calls] == [f"answer {i}" for i in range(5)]
    assert calls[0].params["response_type"] == "ephemeral"
    assert len({c.peer for c in calls}) == 1  # five posts, one TCP connection


def test_a_429_waits_for_retry_after_then_delivers_once(fake: tuple[FakeSlackApi, str]) -> None:
    api, url = fake
    hook = new_id("hook")
    api.faults[hook] = [429]
    slept: list[float] = []
    answer = slack_http.post_json(f"{url}/webhook/{hook}", {"text": "hi"})
    assert answer.status == 200
    calls = api.of(hook)
    assert len(calls) == 2 and api.faults[hook] == []  # the throttled try, then the one that went in
    assert len({c.peer for c in calls}) == 1  # the 429 did not cost a connection
    # the wait itself: Retry-After (1 s) plus jitter, given to the sleeper
    api.faults[hook] = [429]
    slack_http.post(f"{url}/webhook/{hook}", b"{}", {"Content-Type": "application/json"}, sleep=slept.append)
    assert len(slept) == 1 and 1.0 <= slept[0] < 2.0


def test_5xx_answers_are_retried_and_a_post_that_keeps_failing_raises(fake: tuple[FakeSlackApi, str]) -> None:
    api, url = fake
    hook = new_id("hook")
    api.faults[hook] = [500, 503]
    slept: list[float] = []
    answer = slack_http.post(f"{url}/webhook/{hook}", b'{"text": "x"}', {"Content-Type": "application/json"},
                             sleep=slept.append)
    assert answer.status == 200 and len(api.of(hook)) == 3 and len(slept) == 2
    stubborn = new_id("hook")
    api.faults[stubborn] = [500, 500, 500]
    with pytest.raises(ConnectionError):  # the inbox tries the request again later
        respond_now(f"{url}/webhook/{stubborn}", {"text": "x"})
    assert len(api.of(stubborn)) == 3  # the first try and two retries


def test_a_connection_the_server_closed_while_idle_is_replaced_without_a_duplicate() -> None:
    api = FakeSlackApi()
    server = LoopbackServer(api.web_app(), keepalive_timeout=0.2).start()  # closes idle connections at 0.2 s
    try:
        first, second, third = (new_id("hook") for _ in range(3))
        respond_now(f"{server.url}/webhook/{first}", {"text": "1"})
        respond_now(f"{server.url}/webhook/{second}", {"text": "2"})
        assert api.of(first)[0].peer == api.of(second)[0].peer  # kept while busy
        eventually(lambda: server.open_connections() == 0, timeout=5)  # the keep-alive timer closed it
        respond_now(f"{server.url}/webhook/{third}", {"text": "3"})
        assert len(api.of(third)) == 1  # sent once, on a new connection
        assert api.of(third)[0].peer != api.of(second)[0].peer
    finally:
        server.stop()


def test_a_post_whose_connection_broke_after_it_was_sent_is_not_sent_again() -> None:
    seen: list[str] = []

    async def drop(request: web.Request) -> web.Response:
        seen.append(await request.text())
        assert request.transport is not None
        request.transport.close()  # read it, then hung up without an answer: Slack may have it
        await asyncio.sleep(0.1)
        return web.Response(text="ok")

    web_app = web.Application()
    web_app.router.add_post("/webhook/{hook}", drop)
    server = LoopbackServer(web_app).start()
    try:
        with pytest.raises(ConnectionError):
            respond_now(f"{server.url}/webhook/x", {"text": "once"})
        assert len(seen) == 1
    finally:
        server.stop()


def test_a_refused_connect_is_retried_then_raised() -> None:
    slept: list[float] = []
    with pytest.raises(OSError):
        slack_http.post("http://127.0.0.1:9/webhook/x", b"{}", {}, sleep=slept.append)
    assert len(slept) == slack_http.CONNECT_RETRIES


def test_the_web_client_keeps_its_connection_and_slack_sdks_retries(fake: tuple[FakeSlackApi, str]) -> None:
    api, url = fake
    client = slack_http.KeptAliveWebClient(token="xoxb-test", base_url=url + "/api/", timeout=5,
                                           retry_handlers=retry_handlers())
    for i in range(3):
        assert client.chat_postMessage(channel="D0REP", text=f"m{i}")["ok"]
    api.faults["chat.postMessage"] = [429]
    assert client.chat_postMessage(channel="D0REP", text="after a 429")["ok"]
    api.faults["users.info"] = [503]
    assert client.users_info(user="U0REP")["user"]["tz"] == "America/New_York"
    posts = api.of("chat.postMessage")
    assert [c.params["text"] for c in posts] == ["m0", "m1", "m2", "after a 429", "after a 429"]
    assert len(api.of("users.info")) == 2
    assert len({c.peer for c in api.calls}) == 1  # seven calls, one connection
    api.faults["chat.postMessage"] = [400]
    with pytest.raises(SlackApiError):  # an error answer still reads as slack_sdk's own error
        client.chat_postMessage(channel="D0REP", text="bad")


def test_slash_commands_answers_reach_the_rep_over_kept_connections(slack: Slack, team: str) -> None:
    answers = [slack.slash(team, "/log", f"call with Frank at Globex, note {i}") for i in range(4)]
    assert all("Logged for Globex Corporation" in a["text"] for a in answers)
    hooks = [c for c in slack.api.calls if c.path.startswith("/webhook/")][-4:]
    # Fewer connections than answers. (Not exactly one: the fake records a post before it answers, so the
    # next command may be answered before the last post's connection is back in the pool.)
    assert len({c.peer for c in hooks}) <= 2
