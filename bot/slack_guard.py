"""Tenant isolation at the door: a request is acted on only for a user of the workspace it is authorized for.

In a Slack Connect channel, Bolt takes the workspace from the installation (`authorizations[0]`) while the user
may belong to another organisation. Such a user would otherwise act as a rep of our workspace, read its buying
groups and log into its data. Every event, slash command, shortcut and action passes through here first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.slack_send import Sender

log = logging.getLogger(__name__)

OUTSIDER = ("Sorry, Touchpoint only works for members of the workspace that installed it. "
            "Nothing was read or saved.")
INTERACTIONS = frozenset({"block_actions", "view_submission", "shortcut", "message_action", "block_suggestion",
                          "view_closed"})


@dataclass(frozen=True)
class Home:
    """Where the payload says its user belongs: a team (T...), an enterprise (E...), either or neither."""

    team: str | None = None
    enterprise: str | None = None
    shared: bool = False  # the request comes from a channel shared with other organisations


def _split(value: object) -> tuple[str | None, str | None]:
    """Slack puts a team id or, for a user of another Grid organisation, an enterprise id in the same field."""
    text = str(value or "")
    if not text:
        return None, None
    return (None, text) if text.startswith("E") else (text, None)


def user_home(body: dict[str, Any]) -> Home:
    """The user's team per kind: events `event.user_team` (or `user_profile.team`, `team`), slash commands
    `user_team` or `team_id` (a command runs under the user's own installation), interactions `user.team_id`."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        if not event.get("user"):
            return Home()  # app_uninstalled, tokens_revoked...: nobody acts
        profile = event.get("user_profile") or {}
        team, enterprise = _split(event.get("user_team") or profile.get("team") or event.get("team"))
        return Home(team, enterprise, shared=body.get("is_ext_shared_channel") is True)
    if body.get("command"):
        team, _ = _split(body.get("user_team") or body.get("team_id"))
        return Home(team, str(body.get("enterprise_id") or "") or None)
    if body.get("type") in INTERACTIONS:
        user = body.get("user") or {}
        team, enterprise = _split(user.get("team_id") if isinstance(user, dict) else None)
        return Home(team, enterprise, shared=body.get("is_ext_shared_channel") is True)
    return Home()


def outsider(home: Home, *, team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool) -> bool:
    """The rule slack_people.workspace_id draws the boundary with: the team, or, for an org-wide install without a
    team in the request (slack:E1:), the enterprise, where any of its workspaces' users belongs."""
    org_wide = is_enterprise_install and not team_id
    if home.enterprise:
        if home.enterprise != enterprise_id:
            return True
        if org_wide:
            return False
    if home.team and not org_wide:
        return home.team != team_id
    # Nothing says where the user belongs: only a channel shared outside the organisation can hold outsiders.
    return home.shared


def refuse_outsiders(sender: Sender) -> Callable[..., BoltResponse | None]:
    """A Bolt global middleware: outsiders get a polite refusal, and no listener runs (nothing read or written)."""

    def middleware(body: dict[str, Any], context: BoltContext, client: WebClient,
                   next: Callable[[], None]) -> BoltResponse | None:
        refused = refuse_outsider(body, context, sender, client)
        if refused is None:
            next()
        return refused

    return middleware


def refuse_outsider(body: dict[str, Any], context: BoltContext, sender: Sender,
                    client: WebClient) -> BoltResponse | None:
    """The refusal an outsider gets, or None for a user of the workspace the request is authorized for."""
    home = user_home(body)
    if not outsider(home, team_id=context.team_id, enterprise_id=context.enterprise_id,
                    is_enterprise_install=bool(context.is_enterprise_install)):
        return None
    log.warning("refused a Slack request from outside the workspace: user team %s, enterprise %s, "
                "authorized for team %s, enterprise %s", home.team, home.enterprise, context.team_id,
                context.enterprise_id)
    return refusal(body, sender, client)


def refusal(body: dict[str, Any], sender: Sender, client: WebClient) -> BoltResponse:
    """What the outsider sees: the ack of a slash command, the modal's error, or a note only they see."""
    if body.get("command"):
        return BoltResponse(status=200, body=OUTSIDER)
    if body.get("type") == "view_submission":
        blocks = ((body.get("view") or {}).get("blocks")) or []
        first = next((b.get("block_id") for b in blocks if b.get("type") == "input" and b.get("block_id")), None)
        if first:  # the modal stays open with the reason under its first field
            return BoltResponse(status=200, body={"response_action": "errors", "errors": {first: OUTSIDER}})
    elif body.get("response_url"):
        sender.respond(str(body["response_url"]), {"text": OUTSIDER}, response_type="ephemeral",
                       replace_original=False)
    elif body.get("type") == "event_callback" and (event := body.get("event") or {}).get("channel"):
        sender.call(client, "chat.postEphemeral", channel=event["channel"], user=event.get("user"), text=OUTSIDER)
    return BoltResponse(status=200, body="")
