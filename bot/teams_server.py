"""The Teams endpoint: aiohttp serving POST /api/messages (Bot Framework CloudAdapter) and GET /healthz.

Bad requests get clean 400/415 answers before the SDK sees them (the stock adapter answers a malformed body
with a 500), unknown activity types are a polite 200 no-op, and a turn's failure stops at on_turn_error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from botbuilder import schema
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model

from bot.bootstrap import App
from bot.teams_app import TeamsBot, on_turn_error
from bot.teams_connector import ReusingAuthentication
from bot.teams_refs import ConversationRefs, InMemoryRefs

log = logging.getLogger(__name__)

BOT_KEY = web.AppKey("teams_bot", TeamsBot)
ADAPTER_KEY = web.AppKey("teams_adapter", CloudAdapter)
_NEEDS_ADDRESS = {"message", "conversationUpdate", "invoke", "installationUpdate", "messageReaction"}


@dataclass(frozen=True)
class TeamsAuth:
    """The bot's Microsoft App registration; all empty means authentication is off (local development)."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.APP_ID)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TeamsAuth:
        """The variable names the Bot Framework samples and Azure Bot Service use."""
        env = os.environ if env is None else env
        return cls(
            env.get("MicrosoftAppId", ""),
            env.get("MicrosoftAppPassword", ""),
            env.get("MicrosoftAppType", "") or "MultiTenant",
            env.get("MicrosoftAppTenantId", ""),
        )


AUTH_KEY = web.AppKey("teams_auth", TeamsAuth)
REFS_KEY = web.AppKey("teams_refs", ConversationRefs)


class ActivityReader:
    """An incoming Activity, deserialized by msrest one present field at a time.

    msrest's model deserializer walks every field of a model (42 for an Activity: a key look-up, a copy of the
    field's description and a type dispatch each) to fill the dozen or so a message has, and the same for each
    nested model (sender, recipient, conversation, entities). Here each field of the body goes through msrest's
    own `deserialize_data` with its type from the model's `_attribute_map`, and keys the map does not know become
    `additional_properties`, as msrest makes them: the same objects (tested against `Activity.deserialize`), for
    the fields that are there. A model with anything this shortcut does not cover (flattened or empty keys,
    read-only or constant fields, subtypes, a field named additional_properties) is left to msrest whole."""

    def __init__(self) -> None:
        models = {name: value for name, value in vars(schema).items() if isinstance(value, type)}
        self._deserializer = Deserializer(models)  # the classes msrest's Model.deserialize would resolve
        self._models: dict[str, tuple[type, dict[str, tuple[str, str]]]] = {}
        for name, model in models.items():
            fields = self._fields_of(model)
            if fields is not None:
                self._models[name] = (model, fields)

    @staticmethod
    def _fields_of(model: type) -> dict[str, tuple[str, str]] | None:
        """JSON key -> (attribute, msrest type) of a model this reader can build, else None."""
        if not issubclass(model, Model) or model._validation or getattr(model, "_subtype_map", None):
            return None
        if "additional_properties" in model._attribute_map:  # msrest then collects no unknown keys
            return None
        fields = {spec["key"]: (name, spec["type"]) for name, spec in model._attribute_map.items()}
        if any(not key or "." in key for key in fields) or len(fields) != len(model._attribute_map):
            return None
        return fields

    def read(self, body: dict[str, Any]) -> Activity:
        activity: Activity = self._value(body, "Activity")
        return activity

    def _value(self, value: Any, kind: str) -> Any:
        model = self._models.get(kind)
        if model is not None and isinstance(value, dict):
            return self._model(*model, value)
        if kind.startswith("[") and kind[1:-1] in self._models and isinstance(value, list):
            return [self._value(item, kind[1:-1]) for item in value]
        return self._deserializer.deserialize_data(value, kind)  # None, plain values, dates, objects...

    def _model(self, model: type, fields: dict[str, tuple[str, str]], body: dict[str, Any]) -> Any:
        values, extra = {}, {}
        for key, value in body.items():
            known = fields.get(key)
            if known is None:
                extra[key] = value
            else:
                values[known[0]] = self._value(value, known[1])
        built = model(**values)
        if extra:
            built.additional_properties = extra
        return built


read_activity = ActivityReader().read


def problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def check_activity(body: object) -> str | None:
    """What makes this body unusable as an Activity, or None when the bot can take it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (an Activity)"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "the Activity has no type"
    if body["type"] not in _NEEDS_ADDRESS:
        return None  # answered with a no-op; its fields don't matter
    conversation, sender = body.get("conversation"), body.get("from")
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"].startswith(("http://", "https://")):
        return "the Activity has no serviceUrl to answer to"
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return "the Activity has no conversation id"
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str):
        return "the Activity has no sender (from.id)"
    return None


async def messages(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return problem(415, "send the Activity as application/json")
    try:
        body: Any = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return problem(400, "the body is not valid JSON")
    reason = check_activity(body)
    if reason:
        return problem(400, reason)
    if body["type"] not in _NEEDS_ADDRESS:
        return web.Response(status=200)  # typing, endOfConversation, events...: nothing to do
    try:
        activity = read_activity(body)
    except Exception:  # msrest raises several types for fields of the wrong shape
        log.info("undecodable Activity", exc_info=True)
        return problem(400, "the Activity has fields of the wrong type")
    adapter, bot = request.app[ADAPTER_KEY], request.app[BOT_KEY]
    try:
        invoke = await adapter.process_activity(request.headers.get("Authorization", ""), activity, bot.on_turn)
    except PermissionError:
        return problem(401, "the request is not authenticated for this bot")
    if invoke is not None:
        return web.json_response(invoke.body, status=invoke.status)
    return web.Response(status=200)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "auth": request.app[AUTH_KEY].enabled})


def create_adapter(auth: TeamsAuth) -> CloudAdapter:
    """The stock CloudAdapter, with connector clients kept across turns (see bot/teams_connector.py)."""
    adapter = CloudAdapter(ReusingAuthentication(auth))
    adapter.on_turn_error = on_turn_error
    return adapter


async def remember_loop(server: web.Application) -> None:
    """Connector clients send with aiohttp on the loop that serves the bot (bot/teams_http.py)."""
    authentication = server[ADAPTER_KEY].bot_framework_authentication
    if isinstance(authentication, ReusingAuthentication):
        authentication.serving_loop = asyncio.get_running_loop()


async def close_clients(server: web.Application) -> None:
    authentication = server[ADAPTER_KEY].bot_framework_authentication
    if isinstance(authentication, ReusingAuthentication):
        await authentication.close()


def create_server(
    app: App,
    *,
    auth: TeamsAuth | None = None,
    refs: ConversationRefs | None = None,
    clock: Callable[[], datetime] | None = None,
) -> web.Application:
    """The aiohttp application for Teams; `touchpoint serve teams` runs it."""
    auth = auth or TeamsAuth()
    if not auth.enabled:
        log.warning(
            "!!! Teams authentication is OFF: no MicrosoftAppId is set, so /api/messages accepts "
            "unauthenticated Activities. Use this only for local development and tests. !!!"
        )
    server = web.Application()
    server[AUTH_KEY] = auth
    server[REFS_KEY] = refs = refs or InMemoryRefs()
    server[BOT_KEY] = TeamsBot(app, refs, clock=clock)
    server[ADAPTER_KEY] = create_adapter(auth)
    server.router.add_post("/api/messages", messages)
    server.router.add_get("/healthz", healthz)
    server.on_startup.append(remember_loop)
    server.on_cleanup.append(close_clients)
    return server


def serve_teams(app: App, *, host: str = "0.0.0.0", port: int = 3978, auth: TeamsAuth | None = None) -> None:
    """Run the endpoint until interrupted (`touchpoint serve teams`); 3978 is the Bot Framework's usual port."""
    from storage.conversation_refs import SqlConversationRefs

    server = create_server(app, auth=auth or TeamsAuth.from_env(), refs=SqlConversationRefs(app.engine))
    web.run_app(server, host=host, port=port)
