"""Events: free text in the bot's DM, `@Touchpoint ...` in a channel (answered in a thread); recorded,
acknowledged, then run after the ack like slash commands (bot/slack_inbox.py)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.context import Actor
from bot.render.slack import render_slack
from bot.replies import Reply
from bot.slack_app import NotRecorded, SlackBot
from bot.slack_people import IncompleteRequest, plain_words
from storage.slack_installations import InboxItem

KIND = "event"  # its kind in the inbox
NOT_RECORDED = "the event could not be recorded"


class RecentEvents:
    """Event ids this process already took on: a retry of one is acknowledged and skipped.

    The database's delivery ids still keep a log from doubling across processes; this only avoids
    answering twice when Slack retries because the first answer was slow.
    """

    def __init__(self, size: int = 5000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def seen(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._ids

    def add(self, event_id: str) -> None:
        """Marks an id taken on: only once it is recorded, so a retry of one that was not is run."""
        with self._lock:
            self._ids[event_id] = None
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)


def register(bolt: BoltApp, bot: SlackBot) -> None:
    recent = RecentEvents()
    bot.inbox.on(KIND, lambda item, token: reply(bot, item, token))

    def answer(event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient,
               *, thread_ts: str | None) -> None:
        event_id = str(body.get("event_id") or "")
        if not event_id or recent.seen(event_id):
            return
        user = str(event.get("user") or "")
        if not user:
            raise IncompleteRequest("the event names no Slack user")
        payload = {"words": plain_words(str(event.get("text") or ""), bot_user_id=context.bot_user_id),
                   "user_id": user, "channel": str(event.get("channel") or ""), "thread_ts": thread_ts,
                   "delivery_id": f"slack:{event_id}", "said_at": bot.clock().isoformat(),
                   "team_id": context.team_id, "enterprise_id": context.enterprise_id,
                   "is_enterprise_install": bool(context.is_enterprise_install)}
        # Recorded before the ack and keyed by the event id: a retry reaching any process is not run twice.
        try:
            bot.inbox.accept(f"event:{event_id}", workspace_id=bot.workspace(context), kind=KIND, payload=payload,
                             token=context.bot_token)
        except SQLAlchemyError as exc:  # a 503: Slack sends the event again
            raise NotRecorded(NOT_RECORDED) from exc
        recent.add(event_id)

    @bolt.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        # Only what a person writes in our DM: no edits, joins, bot posts or channel chatter.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        answer(event, body, context, client, thread_ts=event.get("thread_ts"))

    @bolt.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("bot_id") or str(event.get("channel", "")).startswith("D"):
            return  # in a DM the message event already answers
        answer(event, body, context, client, thread_ts=event.get("thread_ts") or event.get("ts"))


# what a recorded request asks of the dispatcher, as the rep who wrote it, when they wrote it
Ask = Callable[[Actor, datetime], Reply]


def reply(bot: SlackBot, item: InboxItem, token: str | None, ask: Ask | None = None) -> None:
    """Runs a recorded message (in an inbox worker) and answers it where it was written; `ask`: what to run, when
    not its words as a DM (a log modal's note for the account picked)."""
    p = item.payload
    token = token or bot.token_for(p)
    actor = bot.people.actor(workspace=item.workspace_id, user_id=p["user_id"], token=token)
    ask = ask or (lambda rep, now: bot.core.dispatcher.handle_text(p["words"], actor=rep, now=now,
                                                                   delivery_id=p["delivery_id"]))
    post(bot, p, ask(actor, datetime.fromisoformat(p["said_at"])), token)


def post(bot: SlackBot, p: dict[str, Any], answer: Reply, token: str | None) -> None:
    """Posts an answer where the recorded request was written (its thread, if any)."""
    thread = {"thread_ts": p["thread_ts"]} if p.get("thread_ts") else {}
    auth = {"token": token} if token else {}  # slack_sdk takes a "token" out of the body as the bearer token
    bot.client.api_call("chat.postMessage", json={**auth, "channel": p["channel"], **thread, **render_slack(answer)})
