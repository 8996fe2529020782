"""The Teams bot: an ActivityHandler that turns Activities into dispatcher calls and replies with Adaptive Cards.

Thin on purpose: protocol details are in bot/teams_activity.py, cards in bot/render/teams.py.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount
from msrest.serialization import Model

from bot import registry
from bot.bootstrap import App
from bot.context import Actor
from bot.render.teams import read_submit, render_activity, render_card
from bot.replies import Reply, Section, error
from bot.teams_activity import (
    EXECUTE,
    base_conversation,
    card_response,
    delivery_key,
    error_response,
    execute_data,
    mentions_of,
    tenant_of,
    timezone_of,
    words_of,
    workspace_of,
)
from bot.teams_refs import ConversationRefs, SavedRefs, StoredRef

log = logging.getLogger(__name__)


class CardContent(Model):  # type: ignore[misc]  # msrest has no type hints
    """A rendered Adaptive Card (JSON values only) as an attachment's content, sent exactly as rendered.

    As a plain dict, the SDK deep-copies the card on every send and msrest's serializer walks every node of it
    (a look-up in ~100 model classes per dict and list) to produce the very same dict. As an msrest Model whose
    only field is msrest's documented `additional_properties` catch-all, it is serialized as one dict update
    and copied as itself: the card is never changed after rendering."""

    _attribute_map = {"additional_properties": {"key": "", "type": "{object}"}}  # noqa: RUF012  # msrest's own shape

    def __init__(self, content: dict[str, Any]) -> None:
        super().__init__()
        self.additional_properties = content

    def __deepcopy__(self, memo: dict[int, Any]) -> CardContent:
        return self


_FIELDS: dict[str, Any] = Activity._attribute_map
_FIELD_ORDER = {name: position for position, name in enumerate(_FIELDS)}


class OutgoingActivity(Activity):  # type: ignore[misc]  # botbuilder has no type hints
    """An Activity we send, which shows msrest only the fields it has.

    msrest walks every field of a model's `_attribute_map` to send it: 42 for an Activity, of which a reply sets
    about ten; the rest are None and left out of the JSON anyway. Here the map holds the fields that are set, in
    the Activity's order, so what Teams receives is unchanged (tested against the stock path); only the walk over
    the empty ones is saved. The stock Activity's defaults are class attributes (set below, read from a stock
    Activity), so an instance's `__dict__` holds only what was set: the map is made from those few (msrest reads
    it four times a send), and the SDK's deep copy of the reply copies only them."""

    def __init__(self, **fields: Any) -> None:  # not Activity.__init__, which would set all 42 on the instance
        unknown = fields.keys() - _FIELD_ORDER.keys()
        if unknown:
            raise TypeError(f"not fields of an Activity: {sorted(unknown)}")
        self.__dict__.update({name: copy.copy(value) for name, value in _MUTABLE_DEFAULTS.items()}, **fields)

    @property  # type: ignore[override]  # msrest reads it from the instance when it sends
    def _attribute_map(self) -> dict[str, Any]:
        names = [name for name, value in self.__dict__.items() if value is not None and name in _FIELD_ORDER]
        names.sort(key=_FIELD_ORDER.__getitem__)
        return {name: _FIELDS[name] for name in names}


_STOCK_DEFAULTS = vars(Activity())
_MUTABLE_DEFAULTS = {name: value for name, value in _STOCK_DEFAULTS.items() if value is not None}  # {} and such
for _name, _value in _STOCK_DEFAULTS.items():
    if _value is None:
        setattr(OutgoingActivity, _name, None)


def to_activity(reply: Reply) -> Activity:
    """The rendered reply as an SDK Activity, built field by field (msrest's deserialize walks the whole card)."""
    rendered = render_activity(reply)
    attachments = [Attachment(content_type=a["contentType"], content=CardContent(a["content"]))
                   for a in rendered["attachments"]]
    return OutgoingActivity(
        type=rendered["type"], summary=rendered["summary"], text_format=rendered["textFormat"], attachments=attachments
    )


def welcome() -> Reply:
    lines = [f"{c.usage} — {c.summary}" for c in registry.commands() if c.slash]
    return Reply(
        "Hi, I'm Touchpoint. Tell me about a call in plain words, or ask about any account. "
        "In a channel, @mention me first.",
        (Section("What I can do", tuple(lines)),),
    )


def _entities(activity: Activity) -> list[tuple[str | None, Mapping[str, object]]]:
    return [(e.type, e.additional_properties or {}) for e in activity.entities or []]


def _address(activity: Activity) -> tuple[object, ...]:
    """Everything a conversation reference is made of (the thread's message id aside), as plain values: what
    tells whether the stored reference is still right, without serializing one on every message (msrest)."""
    conversation = {k: v for k, v in vars(activity.conversation).items() if k != "id"}
    sender, bot = activity.from_property, activity.recipient
    return (activity.channel_id, activity.service_url, activity.locale, base_conversation(activity.conversation.id),
            conversation, dict(vars(sender)) if sender else None, dict(vars(bot)) if bot else None)


class TeamsBot(ActivityHandler):  # type: ignore[misc]  # botbuilder has no type hints
    def __init__(self, app: App, refs: ConversationRefs, *, clock: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.refs = refs
        self._clock = clock or (lambda: datetime.now(UTC))
        self._workspaces: set[str] = set()  # tenants whose workspace row exists already
        self._saved = SavedRefs()
        self._saving = threading.Lock()

    def actor(self, activity: Activity) -> Actor | None:
        """The rep behind an activity, in their tenant's workspace; None outside a Teams tenant. Only Teams vouches
        for the tenant an activity names: from Web Chat or Direct Line, its channelData is the client's to write."""
        if activity.channel_id != "msteams":
            return None
        tenant = tenant_of(activity.channel_data, getattr(activity.conversation, "tenant_id", None))
        sender: ChannelAccount | None = activity.from_property
        if not tenant or sender is None or not sender.id:
            return None
        return Actor(
            workspace_of(tenant),
            sender.aad_object_id or sender.id,
            "teams",
            sender.name or "",
            timezone_of(_entities(activity)),
        )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity: Activity = turn_context.activity
        actor = self.actor(activity)
        if actor is None:
            await turn_context.send_activity(to_activity(error("I only work inside a Microsoft Teams tenant.")))
            return
        reply = await asyncio.to_thread(self._answer, activity, actor, activity.value)  # one hop for the database
        await turn_context.send_activity(to_activity(reply))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Action.Execute: the answer is a card in the HTTP response, shown in place of the clicked card."""
        activity: Activity = turn_context.activity
        if activity.name != EXECUTE:
            return await super().on_invoke_activity(turn_context)  # the SDK's 501 for the invokes we don't serve
        data = execute_data(activity.value)
        if data is None:
            return InvokeResponse(
                status=400, body=error_response(400, "BadRequest", "expected an Action.Execute with data")
            )
        actor = self.actor(activity)
        if actor is None:
            reply = error("I only work inside a Microsoft Teams tenant.")
        else:
            reply = await asyncio.to_thread(self._answer, activity, actor, data)
        return InvokeResponse(status=200, body=card_response(render_card(reply)))

    def _answer(self, activity: Activity, actor: Actor, value: object) -> Reply:
        """Runs in a worker thread: remember the conversation, then the dispatcher's answer to a click
        (`value`: a Submit's or an Execute's data) or to the rep's words."""
        self._prepare(activity, actor)
        dispatcher, now = self.app.dispatcher, self._clock()
        delivery = delivery_key(activity.conversation.id, activity.id)
        submit = read_submit(value)
        if submit is not None:
            action, data = submit
            return dispatcher.handle_action(action, data, actor=actor, now=now, delivery_id=delivery)
        if activity.type == ActivityTypes.invoke:
            return error("That card is from an older version of me. Please start again from a fresh message.")
        bot_id = activity.recipient.id if activity.recipient else None
        words = words_of(activity.text, mentions_of(_entities(activity)), bot_id)
        if not words and activity.value is not None:
            return error("That card is from an older version of me. Please start again from a fresh message.")
        return dispatcher.handle_text(words, actor=actor, now=now, delivery_id=delivery)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        activity: Activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(m.id == bot_id for m in members_added):
            return  # someone else joined a conversation the bot is already in: nothing to say
        actor = self.actor(activity)
        if actor is not None:
            await asyncio.to_thread(self._prepare, activity, actor)
        await turn_context.send_activity(to_activity(welcome()))

    def _prepare(self, activity: Activity, actor: Actor) -> None:
        """Runs in a worker thread: make sure the tenant's workspace exists, and remember where this rep can
        be reached later (stored again only when it changed or REF_REFRESH passed: a database write per
        message would cost more than the rest of the adapter)."""
        if actor.workspace_id not in self._workspaces:
            self.app.ensure_workspace(actor.workspace_id, "Microsoft Teams tenant")
            self._workspaces.add(actor.workspace_id)
        conversation = base_conversation(activity.conversation.id)
        now, key, address = self._clock(), (actor.workspace_id, actor.user_id, conversation), _address(activity)
        if not self._saved.due(key, address, now):
            return
        reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
        reference["conversation"]["id"] = conversation
        reference.pop("activityId", None)  # proactive messages start new posts, not replies
        kind = activity.conversation.conversation_type or "personal"
        ref = StoredRef(*key, kind, activity.service_url or "", reference, now)
        try:
            with self._saving:  # the SQL store reads, then inserts: two first messages at once would collide
                self.refs.save(ref)
        except Exception:  # bookkeeping for later proactive messages must not cost the rep this answer
            log.warning("could not store the conversation reference; trying again on the next message", exc_info=True)
            return
        self._saved.stored(key, address, now)


async def on_turn_error(turn_context: TurnContext, exc: Exception) -> None:
    """The error boundary for a turn: log it, and tell the rep politely instead of going silent."""
    log.error("Teams turn failed", exc_info=exc)
    try:
        await turn_context.send_activity(
            to_activity(error("Something went wrong on my side. Please try again in a moment."))
        )
    except Exception:  # the connector itself may be what failed; the log above has the cause
        log.exception("could not tell the rep about the failed turn")
