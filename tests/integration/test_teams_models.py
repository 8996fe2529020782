"""The SDK objects the Teams adapter builds its own way: the incoming Activity, read one present field at a time,
and the reply, which holds only the fields set. Both must be what msrest and the SDK would have made."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, Attachment, ChannelAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from bot.render.teams import _escape_markdown, escape
from bot.teams_app import CardContent, OutgoingActivity
from bot.teams_server import ActivityReader, read_activity
from tests.conftest import SHARED

SAMPLES = sorted((SHARED / "platform-samples").glob("teams_*.json"))


def sample(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SHARED / "platform-samples" / f"teams_{name}.json").read_text())
    return body


def variants() -> list[dict[str, Any]]:
    """The shapes Teams sends, and the fields msrest treats specially: nested models and lists of them, unknown
    keys (additional_properties) at every level, dates with offsets, nulls, free-form objects."""
    base = sample("message_personal")
    out = [json.loads(path.read_text()) for path in SAMPLES]
    out.append({**base, "somethingNew": {"a": [1, 2]}, "text": None, "value": {"tp_action": "x", "n": [1, {"b": 2}]}})
    out.append({**base, "from": {**base["from"], "role": "user", "extra": True, "properties": {"k": "v"}},
                "conversation": {**base["conversation"], "tenantId": "t", "isGroup": False, "unknown": 1}})
    out.append({**base, "timestamp": "2026-11-18T22:30:00.1234567+01:00", "localTimestamp": None,
                "expiration": "2026-12-01T00:00:00Z", "listenFor": ["a", "b"], "historyDisclosed": True})
    out.append({**base, "type": "conversationUpdate", "membersAdded": [{"id": "1", "x": 2}, {"id": "2"}],
                "membersRemoved": [], "reactionsAdded": [{"type": "like"}],
                "attachments": [{"contentType": "text/html", "content": "<b>x</b>", "name": "n", "extra": 1}],
                "suggestedActions": {"to": ["a"], "actions": [{"type": "imBack", "title": "t", "value": {"v": 1}}]},
                "relatesTo": {"activityId": "9", "user": {"id": "u"}, "conversation": {"id": "c"}},
                "textHighlights": [{"text": "x", "occurrence": 1}],
                "semanticAction": {"id": "s", "entities": {"e": {"type": "t", "more": 1}}, "state": "start"}})
    return out


@pytest.mark.parametrize("body", variants())
def test_the_incoming_activity_is_exactly_what_msrest_makes(body: dict[str, Any]) -> None:
    ours, stock = read_activity(copy.deepcopy(body)), Activity.deserialize(copy.deepcopy(body))
    assert type(ours) is Activity and ours == stock  # msrest models compare their __dict__, nested ones too
    assert ours.serialize() == stock.serialize()
    assert [vars(m) for m in ours.entities or []] == [vars(m) for m in stock.entities or []]


@pytest.mark.parametrize(
    "change",
    [{"entities": "not a list"}, {"timestamp": {"x": 1}}, {"from": "someone"}, {"membersAdded": [1]},
     {"conversation": {"isGroup": {"no": 1}}}, {"timestamp": "yesterday"}],
)
def test_a_field_of_the_wrong_shape_fails_as_it_does_in_msrest(change: dict[str, Any]) -> None:
    body = {**sample("message_personal"), **change}
    with pytest.raises(Exception) as stock:
        Activity.deserialize(copy.deepcopy(body))
    with pytest.raises(type(stock.value)):
        read_activity(copy.deepcopy(body))


def test_the_reader_builds_the_activity_itself_only_while_msrest_would_build_it_the_same_way() -> None:
    reader = ActivityReader()
    assert reader._fields_of(Activity) is not None and reader._fields_of(ChannelAccount) is not None
    assert reader._fields_of(CardContent) is None  # a catch-all `additional_properties`: msrest's to build


def _sent(activity: Activity) -> Any:
    """What the SDK sends of a reply: deep-copied, addressed from the incoming activity, serialized by msrest."""
    incoming = Activity.deserialize(sample("message_personal"))
    reply = TurnContext.apply_conversation_reference(copy.deepcopy(activity),
                                                     TurnContext.get_conversation_reference(incoming))
    reply.input_hint, reply.id = "acceptingInput", None
    serializer = ConnectorClient(MicrosoftAppCredentials("", ""), base_url="http://x/")._serialize
    return serializer.body(reply, "Activity")


def test_a_reply_is_sent_as_the_stock_activity_with_the_same_fields_would_be() -> None:
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "hi"}]}
    fields = {"type": "message", "summary": "hi", "text_format": "plain"}
    ours = OutgoingActivity(**fields, attachments=[Attachment(content_type="x", content=CardContent(card))])
    stock = Activity(**fields, attachments=[Attachment(content_type="x", content=card)])
    assert json.dumps(_sent(ours)) == json.dumps(_sent(stock))  # key order included
    assert ours.text is None and ours.attachment_layout is None  # fields not set read as the stock defaults


def test_a_reply_holds_its_own_defaults_and_rejects_unknown_fields() -> None:
    first, second = OutgoingActivity(type="message"), OutgoingActivity(type="message")
    first.additional_properties["x"] = 1
    assert second.additional_properties == {} and Activity().additional_properties == {}
    with pytest.raises(TypeError):
        OutgoingActivity(colour="red")


def test_escape_skips_only_text_its_substitutions_would_leave_unchanged() -> None:
    alphabet = [*"ab Z09.)#>+-=|<\\*_[]`~/!?\n\r\t\x0b\x0c\x1c\x00\x7f\u202a\u2066\u00a0\u2028\u3000\u0660•:",
                "1.", " 2)", "<at>", "\r\n"]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert escape(text) == _escape_markdown(text), repr(text)
