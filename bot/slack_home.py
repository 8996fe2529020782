"""App Home: the rep's briefing (due steps, stage changes, negative signals) and goals, published when
the Home tab opens and refreshed after a Home button is clicked."""

from __future__ import annotations

from typing import Any

from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import registry
from bot.context import Actor
from bot.render.slack import render_home
from bot.replies import Reply
from bot.slack_app import SlackBot

# Read-only commands whose answers make up the Home tab, in order ("pipeline" once the registry has it).
HOME_COMMANDS = ("pipeline", "digest", "goals", "digest settings")


def home_view(bot: SlackBot, actor: Actor, *, notice: Reply | None = None) -> dict[str, Any]:
    now = bot.clock()
    replies = [bot.core.dispatcher.handle_text(name, actor=actor, now=now)
               for name in HOME_COMMANDS if registry.find(name.split()[0]) is not None]
    return render_home(replies, notice=notice)


def publish(bot: SlackBot, client: WebClient, actor: Actor, *, notice: Reply | None = None) -> None:
    """Builds and publishes the Home view after the ack: reading the briefing can take a moment."""
    bot.sender.later(lambda: client.views_publish(user_id=actor.user_id, view=home_view(bot, actor, notice=notice)),
                     "views.publish")


def register(bolt: BoltApp, bot: SlackBot) -> None:
    @bolt.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab needs nothing from us
        publish(bot, client, bot.actor(context, user_id=str(event.get("user") or "")))
