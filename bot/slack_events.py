"""Events: free text in the bot's DM, `@Touchpoint ...` in a channel (answered in a thread)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.render.slack import render_slack
from bot.slack_app import SlackBot
from bot.slack_people import plain_words


class RecentEvents:
    """Event ids this process already took on: a retry of one is acknowledged and skipped.

    The database's delivery ids still keep a log from doubling across processes; this only avoids
    answering twice when Slack retries because the first answer was slow.
    """

    def __init__(self, size: int = 5000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def claim(self, event_id: str) -> bool:
        """True the first time an id is seen."""
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


def register(bolt: BoltApp, bot: SlackBot) -> None:
    recent = RecentEvents()

    def answer(event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient,
               *, thread_ts: str | None) -> None:
        event_id = str(body.get("event_id") or "")
        if not event_id or not recent.claim(event_id):
            return
        words = plain_words(str(event.get("text") or ""), bot_user_id=context.bot_user_id)
        actor = bot.actor(context, user_id=str(event.get("user") or ""))
        reply = bot.core.dispatcher.handle_text(words, actor=actor, now=bot.clock(), delivery_id=f"slack:{event_id}")
        thread = {"thread_ts": thread_ts} if thread_ts else {}
        bot.sender.call(client, "chat.postMessage", channel=event["channel"], **thread, **render_slack(reply))

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
