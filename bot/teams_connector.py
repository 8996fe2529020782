"""Connector clients built once and reused across turns, through the SDK's own extension points.

The stock CloudAdapter asks its BotFrameworkAuthentication for a ConnectorFactory and a UserTokenClient on
every turn, and each builds a fresh msrest client: ~6 ms of CPU apiece (msrest's retry policy setup scans a
list of 1,000 status codes), plus a new HTTP session, hence a new TCP connection and, with authentication on,
new app credentials whose token cache starts empty. Here the authentication object hands out factories that
keep one client per (app, serviceUrl, audience), and one user token client per app. Nothing of the SDK is
copied: we subclass its public ConfigurationBotFrameworkAuthentication and ConnectorFactory and call through.
"""

from __future__ import annotations

import asyncio
import os
import threading
import urllib.request
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from bot.teams_http import send_on_loop

MAX_CLIENTS = 64  # Teams uses a handful of regional serviceUrls; the bound only stops a flood of made-up ones


class ClientCache:
    """Least-recently-used clients by key; a client is built on first use and then shared by every turn."""

    def __init__(self, limit: int = MAX_CLIENTS) -> None:
        self.limit = limit
        self._clients: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()  # the digest may send proactively from a loop in another thread
        self.built = 0  # how many clients were made: what the reuse saves is visible in tests

    async def get(self, key: Hashable, build: Callable[[], Awaitable[Any]]) -> Any:
        with self._lock:
            client = self._clients.get(key)
        if client is None:
            built = await build()
            with self._lock:
                self.built += 1
                client = self._clients.setdefault(key, built)  # a concurrent first turn may have won: keep one
        with self._lock:
            self._clients[key] = client
            self._clients.move_to_end(key)
            while len(self._clients) > self.limit:
                self._clients.popitem(last=False)  # dropped, not closed: a turn in flight may still hold it
        return client

    def clients(self) -> list[Any]:
        with self._lock:
            return list(self._clients.values())

    def __len__(self) -> int:
        return len(self._clients)

    def clear(self) -> list[Any]:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        return clients


def _app_key(claims_identity: ClaimsIdentity) -> tuple[object, object]:
    """The claims the SDK derives the bot's app id from (audience, else appid): one client set per app."""
    claims = claims_identity.claims or {}
    return claims.get(AuthenticationConstants.AUDIENCE_CLAIM), claims.get(AuthenticationConstants.APP_ID_CLAIM)


class ReusingConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botframework has no type hints
    """The SDK's factory for one turn's app, answering from the shared cache when it can."""

    def __init__(self, inner: ConnectorFactory, app: Hashable, cache: ClientCache,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._inner, self._app, self._cache, self._loop = inner, app, cache, loop

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        async def build() -> ConnectorClient:
            return _tuned(await self._inner.create(service_url, audience), self._loop)

        client: ConnectorClient = await self._cache.get((self._app, service_url, audience), build)
        return client


_ENV_SETTINGS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _tuned(client: ConnectorClient, loop: asyncio.AbstractEventLoop | None) -> ConnectorClient:
    """With no proxy in the environment, the client sends with aiohttp on the serving loop instead of requests
    in a thread (bot/teams_http.py), verifying TLS with the CA bundle requests would use; and with no CA bundle
    either, its requests fallback stops asking the environment on every send (requests walks os.environ for
    proxies per request: a tenth of a turn). When an admin set a proxy, nothing changes: the stock pipeline
    keeps reading the environment."""
    serializer = getattr(client, "_serialize", None)
    if serializer is not None:
        # msrest re-checks every model we send against its schema (as much CPU as serializing it); the Bot
        # Connector validates what it receives, as AutoRest's newer clients leave it to the service
        serializer.client_side_validation = False
    config = getattr(client, "config", None)
    if config is None or urllib.request.getproxies():
        return client
    bundle = next((os.environ[v] for v in _ENV_SETTINGS if os.environ.get(v)), None)  # requests' own order
    if bundle is None:
        config.proxies.use_env_settings = False
    if loop is not None:
        send_on_loop(client, loop, ca_bundle=bundle)
    return client


class ReusingAuthentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """ConfigurationBotFrameworkAuthentication whose connector and user token clients outlive the turn."""

    def __init__(self, configuration: Any, **options: Any) -> None:
        super().__init__(configuration, **options)
        self.connectors = ClientCache()
        self.user_tokens = ClientCache()
        self.serving_loop: asyncio.AbstractEventLoop | None = None  # set when the server starts (teams_server)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._reusing(result.connector_factory, result.claims_identity)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """Used for proactive messages (continue_conversation)."""
        return self._reusing(super().create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        """Built on every turn by the stock adapter although only OAuth prompts use it; per app it is the same."""
        build = super().create_user_token_client  # bound now: zero-argument super() needs the method's frame
        client: UserTokenClient = await self.user_tokens.get(_app_key(claims_identity), lambda: build(claims_identity))
        return client

    def _reusing(self, inner: ConnectorFactory, claims_identity: ClaimsIdentity) -> ReusingConnectorFactory:
        return ReusingConnectorFactory(inner, _app_key(claims_identity), self.connectors, self.serving_loop)

    async def close(self) -> None:
        """Close the cached clients' HTTP sessions (at server shutdown)."""
        for client in self.connectors.clear():
            await client.__aexit__(None, None, None)
        self.user_tokens.clear()
