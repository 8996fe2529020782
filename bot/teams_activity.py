"""Teams protocol details as plain functions (no SDK): who is speaking, in which tenant, and what they said.

Kept free of botbuilder so a move to the Microsoft 365 Agents SDK changes only bot/teams_app.py and the server.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WORKSPACE_PREFIX = "teams:"
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")  # Teams sends formatted messages as HTML
_SPACE = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class Mention:
    """A `mention` entity: who was mentioned and the `<at>…</at>` markup that stands for them in the text."""

    id: str
    text: str


def mentions_of(entities: Iterable[tuple[str | None, Mapping[str, object]]]) -> list[Mention]:
    """(type, properties) of each entity -> the mentions among them."""
    found = []
    for kind, props in entities:
        mentioned = props.get("mentioned")
        if (kind or "").lower() == "mention" and isinstance(mentioned, Mapping):
            found.append(Mention(str(mentioned.get("id") or ""), str(props.get("text") or "")))
    return found


def timezone_of(entities: Iterable[tuple[str | None, Mapping[str, object]]]) -> str:
    """The IANA zone of the rep's Teams client (the clientInfo entity), else UTC."""
    for kind, props in entities:
        zone = props.get("timezone")
        if (kind or "").lower() == "clientinfo" and isinstance(zone, str) and zone:
            return zone
    return "UTC"


def words_of(text: str | None, mentions: Iterable[Mention], bot_id: str | None) -> str:
    """The rep's words: the bot's own @mention dropped, other mentions kept as plain names, HTML undone."""
    text = text or ""
    for mention in mentions:
        if bot_id and mention.id == bot_id and mention.text:
            text = text.replace(mention.text, " ")
    text = _AT.sub(lambda m: m.group(1), text)  # "<at>Hank Scorpio</at>" -> "Hank Scorpio"
    text = html.unescape(_TAGS.sub(" ", text.replace("<br>", "\n")))
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.splitlines()).strip()


def workspace_of(tenant_id: str) -> str:
    """A Teams tenant is a workspace: the security boundary for everything its reps log."""
    return WORKSPACE_PREFIX + tenant_id


def tenant_of(channel_data: object, conversation_tenant: str | None) -> str | None:
    """The tenant id: channelData.tenant.id (always sent by Teams), else conversation.tenantId."""
    if isinstance(channel_data, Mapping):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, Mapping) and isinstance(tenant.get("id"), str) and tenant["id"]:
            return str(tenant["id"])
    return conversation_tenant or None


def delivery_key(conversation_id: str, activity_id: str | None) -> str | None:
    """A retry-proof key for one incoming activity. Teams message ids are timestamps, unique only within a
    conversation, so the conversation is part of the key; hashed to fit the delivery table."""
    if not activity_id:
        return None
    return "teams:" + hashlib.sha256(f"{conversation_id}\n{activity_id}".encode()).hexdigest()[:40]


def base_conversation(conversation_id: str) -> str:
    """A channel thread's id is the channel's plus ";messageid=…": proactive messages go to the channel."""
    return conversation_id.split(";messageid=", 1)[0]


EXECUTE = "adaptiveCard/action"  # the invoke name of an Adaptive Card Action.Execute (Universal Actions)
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ERROR_TYPE = "application/vnd.microsoft.error"


def execute_data(value: object) -> dict[str, object] | None:
    """An Action.Execute invoke's `value` -> the action's data (inputs merged in, as for Action.Submit)."""
    action = value.get("action") if isinstance(value, Mapping) else None
    if not isinstance(action, Mapping) or action.get("type") != "Action.Execute":
        return None
    data = action.get("data")
    return dict(data) if isinstance(data, Mapping) else {}


def card_response(card: Mapping[str, object]) -> dict[str, object]:
    """The invoke response body that shows `card` in place of the one the rep clicked."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": dict(card)}


def error_response(status: int, code: str, message: str) -> dict[str, object]:
    """The invoke response body for an Action.Execute the bot cannot take (the SDK's own cannot be serialized)."""
    return {"statusCode": status, "type": ERROR_TYPE, "value": {"code": code, "message": message}}
