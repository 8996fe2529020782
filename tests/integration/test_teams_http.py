"""The Teams bot over HTTP on loopback: real sample Activities in, cards out to a fake Bot Framework connector."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from bot.bootstrap import App
from bot.replies import Reply, Section
from bot.teams_proactive import notify_rep
from bot.teams_refs import InMemoryRefs
from bot.teams_server import TeamsAuth, create_server
from tests.conftest import NOW, SHARED
from tests.integration.helpers import load_world
from tests.integration.teams_fakes import FakeConnector, LoopThread, Sent, get, post, serve

SAMPLES = SHARED / "platform-samples"
REP = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"  # Megan Bowen's aadObjectId in the personal sample


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / f"teams_{name}.json").read_text())
    return loaded


@dataclass
class Stack:
    loop: LoopThread
    connector: FakeConnector
    connector_url: str
    bot_url: str
    refs: InMemoryRefs
    server: web.Application


@pytest.fixture(scope="module")
def stack(shared_app: App) -> Iterator[Stack]:
    loop, connector, refs = LoopThread(), FakeConnector(), InMemoryRefs()
    connector_runner, connector_url = loop.run(serve(connector.app()))
    server = create_server(shared_app, refs=refs, clock=lambda: NOW)
    bot_runner, bot_url = loop.run(serve(server))
    yield Stack(loop, connector, connector_url, bot_url, refs, server)
    loop.run(bot_runner.cleanup())
    loop.run(connector_runner.cleanup())
    loop.stop()


@dataclass
class Teams:
    """One test's view: a fresh tenant with the fixture world, and helpers to post Activities."""

    stack: Stack
    app: App
    tenant: str

    @property
    def workspace(self) -> str:
        return "teams:" + self.tenant

    def activity(self, name: str, /, *, tenant: str | None = None, **fields: Any) -> dict[str, Any]:
        body = copy.deepcopy(sample(name))
        body["serviceUrl"] = self.stack.connector_url + "/"
        body["channelData"]["tenant"]["id"] = tenant or self.tenant
        body["id"] = fields.pop("id", None) or uuid.uuid4().hex
        body.update(fields)
        return body

    def post(self, body: dict[str, Any] | bytes, content_type: str = "application/json") -> int:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        status, _ = post(self.stack.bot_url + "/api/messages", raw, content_type)
        return status

    def say(self, text: str, **fields: Any) -> Sent:
        """A personal-chat message; returns the one card the bot sent back."""
        before = len(self.stack.connector.sent)
        assert self.post(self.activity("message_personal", text=text, **fields)) == 200
        (reply,) = self.stack.connector.sent[before:]
        return reply

    def click(self, card: Sent, title: str, **fields: Any) -> Sent:
        """What Teams posts when the rep clicks a card's Action.Submit: a message with `value`, no text."""
        before = len(self.stack.connector.sent)
        body = self.activity("message_personal", value=card.submit(title), replyToId="sent-x", **fields)
        del body["text"]
        assert self.post(body) == 200
        (reply,) = self.stack.connector.sent[before:]
        return reply

    def execute(self, card: Sent, title: str, **fields: Any) -> tuple[int, dict[str, Any] | None]:
        """What Teams posts for a card's Action.Execute: an `adaptiveCard/action` invoke; the answer is the body."""
        action = {"type": "Action.Execute", "verb": "tp", "data": card.submit(title)}
        body = self.activity("message_personal", type="invoke", name="adaptiveCard/action", **fields)
        body.pop("text")
        body["value"] = fields.pop("value", None) or {"action": action, "trigger": "manual"}
        return post(self.stack.bot_url + "/api/messages", json.dumps(body).encode())

    def interactions(self, account: str) -> int:
        with self.app.services.uow(self.workspace) as uow:
            found = uow.accounts.by_name(account)
            assert found is not None
            return len(uow.interactions.of_account(found.id, limit=50))


@pytest.fixture
def teams(stack: Stack, app: App) -> Teams:
    stack.connector.sent.clear()
    stack.connector.fail_next = 0
    tenant = str(uuid.uuid4())
    app.ensure_workspace("teams:" + tenant, "Test tenant")
    load_world(app, "teams:" + tenant)
    return Teams(stack, app, tenant)


def test_log_ask_choose_save_and_undo_through_the_endpoint(teams: Teams) -> None:
    before = teams.interactions("Initech Logistics")
    question = teams.say("log Good meeting with Initech today")
    personal = sample("message_personal")["conversation"]["id"]
    assert question.conversation_id == personal
    assert question.card["body"][0]["color"] == "accent" and "Which account" in question.headline
    saved = teams.click(question, "Initech Logistics")
    assert "Initech Logistics" in saved.headline and saved.card["body"][0]["color"] == "good"
    assert teams.interactions("Initech Logistics") == before + 1  # stored before the endpoint answered
    undone = teams.click(saved, "Undo")
    assert undone.headline.startswith("Undone")
    assert teams.interactions("Initech Logistics") == before


def test_a_channel_mention_is_answered_in_its_thread_without_the_mention(teams: Teams) -> None:
    body = teams.activity("message_channel_mention", text="<at>Teams TestBot</at> dmu Globex")
    assert teams.post(body) == 200
    (reply,) = teams.stack.connector.sent
    assert reply.conversation_id == body["conversation"]["id"]  # "…;messageid=…": the thread
    assert reply.reply_to == body["id"]
    assert "Globex Corporation" in reply.headline and "buying group" in reply.headline


def test_installing_into_a_team_says_welcome_and_remembers_the_conversation(teams: Teams) -> None:
    body = teams.activity("conversationUpdate_bot_added_team")
    assert teams.post(body) == 200
    (welcome,) = teams.stack.connector.sent
    assert welcome.conversation_id == body["conversation"]["id"]
    assert welcome.headline.startswith("Hi, I'm Touchpoint")
    assert "log NOTE" in json.dumps(welcome.card)
    (ref,) = teams.stack.refs.of_user(teams.workspace, body["from"]["id"])
    assert ref.conversation_type == "channel" and ref.service_url == teams.stack.connector_url + "/"


def test_a_member_joining_later_gets_no_welcome(teams: Teams) -> None:
    body = teams.activity("conversationUpdate_bot_added_team", membersAdded=[{"id": "29:someone-else"}])
    assert teams.post(body) == 200
    assert teams.stack.connector.sent == []


def test_a_resent_activity_logs_once(teams: Teams) -> None:
    before = teams.interactions("Globex Corporation")
    first = teams.say("log call with Frank at Globex, went fine", id="1485983408511")
    again = teams.say("log call with Frank at Globex, went fine", id="1485983408511")
    assert first.card["body"][0]["color"] == "good" and "Already" in again.headline
    assert teams.interactions("Globex Corporation") == before + 1


def test_another_tenant_cannot_use_this_tenants_ids(teams: Teams, app: App) -> None:
    saved = teams.say("log call with Frank at Globex, went fine")
    other = str(uuid.uuid4())
    app.ensure_workspace("teams:" + other)
    refused = teams.click(saved, "Undo", channelData={"tenant": {"id": other}})  # same rep id, other tenant
    assert refused.card["body"][0]["color"] == "attention"
    question = teams.say("Good meeting with Initech today")
    forged = teams.click(question, "Initech Software", channelData={"tenant": {"id": other}})
    assert forged.card["body"][0]["color"] == "attention"
    assert "Initech" not in forged.headline


@pytest.mark.parametrize("channel", ["webchat", "directline", "emulator"])
def test_an_activity_from_outside_teams_reads_no_tenant_data(teams: Teams, channel: str) -> None:
    """Web Chat or Direct Line clients write their own channelData: the tenant it names proves nothing."""
    assert "Globex" in teams.say("dmu Globex").headline  # the tenant's data, asked from Teams
    outside = teams.say("dmu Globex", channelId=channel)
    assert outside.headline == "I only work inside a Microsoft Teams tenant."
    assert "Frank" not in json.dumps(outside.card)


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"type": "message"', "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b'{"type": "message", "text": "hi"}', "application/json", 400),  # no serviceUrl, conversation, from
        (b'{"type": "message", "text": "hi"}', "text/plain", 415),
        (b"\xff\xfe", "application/json", 400),
        (b'{"type": "typing"}', "application/json", 200),
    ],
)
def test_bad_requests_get_clean_answers_and_send_nothing(
    teams: Teams, raw: bytes, content_type: str, status: int
) -> None:
    assert teams.post(raw, content_type) == status
    assert teams.stack.connector.sent == []


def test_a_message_with_fields_of_the_wrong_shape_is_a_400(teams: Teams) -> None:
    body = teams.activity("message_personal", entities="not a list", timestamp={"x": 1})
    assert teams.post(body) == 400
    assert teams.post(teams.activity("message_personal", text="help")) == 200


def test_an_activity_type_the_bot_does_not_handle_is_a_no_op(teams: Teams) -> None:
    for kind in ("messageReaction", "endOfConversation", "event"):
        assert teams.post(teams.activity("message_personal", type=kind)) == 200
    assert teams.stack.connector.sent == []


def test_a_failed_reply_ends_in_a_polite_error_card_not_a_500(teams: Teams) -> None:
    teams.stack.connector.fail_next = 1
    assert teams.post(teams.activity("message_personal", text="dmu Globex")) == 200
    (reply,) = teams.stack.connector.sent
    assert reply.card["body"][0]["color"] == "attention" and "went wrong" in reply.headline


def test_health_says_whether_authentication_is_on(stack: Stack) -> None:
    assert get(stack.bot_url + "/healthz") == (200, {"ok": True, "auth": False})
    assert post(stack.bot_url + "/healthz", b"{}")[0] == 405


def test_with_an_app_id_an_unauthenticated_activity_is_refused(
    teams: Teams, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    secured = create_server(app, auth=TeamsAuth(APP_ID=str(uuid.uuid4()), APP_PASSWORD="secret"))
    assert "authentication is OFF" not in caplog.text
    runner, url = teams.stack.loop.run(serve(secured))
    try:
        body = json.dumps(teams.activity("message_personal", text="log call with Frank at Globex")).encode()
        assert post(url + "/api/messages", body)[0] == 401  # no Authorization header
        assert teams.stack.connector.sent == []
    finally:
        teams.stack.loop.run(runner.cleanup())


def test_without_an_app_id_the_server_warns_loudly(app: App, caplog: pytest.LogCaptureFixture) -> None:
    create_server(app)
    assert any(r.levelname == "WARNING" and "authentication is OFF" in r.message for r in caplog.records)


def test_installed_in_a_personal_chat_the_bot_can_later_write_first(teams: Teams) -> None:
    body = teams.activity("conversationUpdate_bot_added_personal")
    bot_id = body["membersAdded"][0]["id"]
    body["recipient"] = {"id": bot_id, "name": "Touchpoint"}  # the docs sample has "28:<BOT ID>" here
    body["conversation"]["id"] = "a:1personal-chat"
    assert teams.post(body) == 200
    (welcome,) = teams.stack.connector.sent
    assert welcome.conversation_id == "a:1personal-chat" and welcome.headline.startswith("Hi, I'm Touchpoint")
    rep = body["from"]["aadObjectId"]
    digest = Reply("Your digest: 1 due", (Section("Due and overdue", ("Send the security pack to Globex",)),))
    assert teams.stack.loop.run(notify_rep(teams.stack.server, teams.workspace, rep, digest))
    _, pushed = teams.stack.connector.sent
    assert pushed.conversation_id == "a:1personal-chat" and pushed.reply_to is None  # a new message, not a reply
    assert pushed.headline == "Your digest: 1 due" and pushed.activity["from"]["id"] == bot_id


def test_a_rep_the_bot_never_met_or_cannot_reach_is_reported_not_raised(teams: Teams) -> None:
    teams.say("dmu Globex")
    digest = Reply("Your digest")
    assert not teams.stack.loop.run(notify_rep(teams.stack.server, teams.workspace, "someone-else", digest))
    teams.stack.connector.fail_next = 5
    assert not teams.stack.loop.run(notify_rep(teams.stack.server, teams.workspace, REP, digest))


def test_an_action_execute_is_answered_with_a_card_in_the_invoke_response(teams: Teams) -> None:
    before = teams.interactions("Globex Corporation")
    saved = teams.say("log call with Frank at Globex, went fine")
    assert teams.interactions("Globex Corporation") == before + 1
    status, body = teams.execute(saved, "Undo")
    assert status == 200 and body is not None
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard" and body["value"]["body"][0]["text"].startswith("Undone")
    assert teams.interactions("Globex Corporation") == before  # done before the response, as for a message
    assert len(teams.stack.connector.sent) == 1  # the card came back in the response, not as a new message


def test_an_action_execute_from_another_tenant_is_refused_in_its_card(teams: Teams, app: App) -> None:
    saved = teams.say("log call with Frank at Globex, went fine")
    other = str(uuid.uuid4())
    app.ensure_workspace("teams:" + other)
    status, body = teams.execute(saved, "Undo", channelData={"tenant": {"id": other}})
    assert status == 200 and body is not None and body["value"]["body"][0]["color"] == "attention"


@pytest.mark.parametrize(
    ("value", "name", "status"),
    [
        ({"action": {"type": "Action.Submit", "data": {}}}, "adaptiveCard/action", 400),
        ({"trigger": "manual"}, "adaptiveCard/action", 400),
        ("not an object", "adaptiveCard/action", 400),
        ({"action": {"type": "Action.Execute", "data": {"tp_action": "nope"}}}, "adaptiveCard/action", 200),
        ({"action": {"type": "Action.Execute"}}, "adaptiveCard/action", 200),  # no data: an old card, politely
        ({"commandId": "search"}, "composeExtension/query", 501),  # an invoke the bot does not serve
    ],
)
def test_a_bad_invoke_gets_a_clean_answer_and_sends_nothing(
    teams: Teams, value: object, name: str, status: int
) -> None:
    body = teams.activity("message_personal", type="invoke", name=name, value=value)
    code, answer = post(teams.stack.bot_url + "/api/messages", json.dumps(body).encode())
    assert code == status
    if status == 400:
        assert (
            answer is not None and answer["statusCode"] == 400 and answer["type"] == "application/vnd.microsoft.error"
        )
    if status == 200:
        assert answer is not None and answer["value"]["body"][0]["color"] == "attention"
    assert teams.stack.connector.sent == []
