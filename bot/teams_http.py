"""The connector client's HTTP sends on the event loop (aiohttp) instead of `requests` in a worker thread.

msrest's default async pipeline runs every send through `requests` in the loop's thread pool: a thread hop,
`requests`' per-call session merging and http.client, about 1 ms of CPU a turn (under 0.3 ms on
aiohttp). msrest lets a client's
`config.pipeline` be replaced (the SDK's own BotFrameworkConnectorConfiguration does it for `pipeline_type`);
this pipeline keeps msrest's own policies (user agent, raw deserializer, HTTP logger) in the same order, signs
with the same SDK credentials, and sends with this driver, an implementation of msrest's AsyncHTTPSender.

What the driver keeps from the requests one: the client's timeout and redirect settings, TLS verification
against certifi's bundle (as `requests` does), a retry of up to 3 failed connects (nothing was sent, so a
message is never posted twice), and msrest's ClientRequestError for a failed connection. It is used only
when no proxy is set in the environment (bot/teams_connector.py); with one, the stock pipeline keeps reading
it. A CA bundle set for requests (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) is used as requests would use
it. Status codes are the SDK's to judge, as before (its operations raise on non-2xx).
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any

import aiohttp
import certifi
from botframework.connector.auth import AppCredentials
from msrest.exceptions import ClientRequestError
from msrest.pipeline import AsyncHTTPPolicy, AsyncPipeline, Request, Response
from msrest.pipeline.aiohttp import AioHTTPSender
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse, AsyncHTTPSender
from multidict import CIMultiDict

CONNECT_RETRIES = 3  # msrest's ClientRetryPolicy: connect=3, backoff 0.8 s (urllib3: 0, 1.6, 3.2 s)
BACKOFF = 0.8


class SignedRequests(AsyncHTTPPolicy):  # type: ignore[misc]  # msrest has no type hints
    """The SDK credentials' Authorization header on every request (a token only when an app id is set)."""

    def __init__(self, credentials: AppCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    async def send(self, request: Request, **kwargs: Any) -> Response:
        headers = _Headers()
        self._credentials.signed_session(headers)  # sets or drops Authorization, as on a requests session
        if "Authorization" in headers.headers:
            request.http_request.headers["Authorization"] = headers.headers["Authorization"]
        response: Response = await self.next.send(request, **kwargs)  # type: ignore[union-attr]
        return response


class _Headers:
    """What AppCredentials.signed_session touches of a requests.Session: its headers."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}


class AiohttpDriver(AsyncHTTPSender):  # type: ignore[misc]
    """msrest's HTTP driver interface on one aiohttp session (kept-alive connections), made on first use."""

    def __init__(self, config: Any, ca_bundle: str | None = None) -> None:
        connection, redirects = config.connection, config.redirect_policy
        self._timeout = aiohttp.ClientTimeout(connect=connection.timeout, sock_read=connection.timeout)
        self._follow, self._max_redirects = bool(redirects.allow), int(redirects.max_redirects)
        verify = (ca_bundle or True) if connection.verify is True else connection.verify
        self._ssl: ssl.SSLContext | bool = _tls(verify, connection.cert)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> AiohttpDriver:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def send(self, request: ClientRequest, **config: Any) -> AsyncClientResponse:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        data = request.data.encode() if isinstance(request.data, str) else request.data
        for attempt in range(CONNECT_RETRIES + 1):
            try:
                async with self._session.request(request.method, request.url, headers=request.headers, data=data,
                                                 ssl=self._ssl, allow_redirects=self._follow,
                                                 max_redirects=self._max_redirects) as response:
                    return _Response(request, response, await response.read())
            except aiohttp.ClientConnectorError as exc:  # could not connect: nothing was sent, safe to retry
                if attempt == CONNECT_RETRIES:
                    raise ClientRequestError("Error occurred in request.", exc) from exc
                await asyncio.sleep(BACKOFF * 2 ** attempt if attempt else 0)
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise ClientRequestError("Error occurred in request.", exc) from exc
        raise AssertionError("unreachable")


class _Response(AsyncClientResponse):  # type: ignore[misc]
    """A finished aiohttp response as msrest's operations read it (status_code, headers, body(), text())."""

    def __init__(self, request: ClientRequest, response: aiohttp.ClientResponse, body: bytes) -> None:
        super().__init__(request, response)
        self.status_code = response.status
        self.headers = CIMultiDict(response.headers)
        self.reason = response.reason
        self._body = body

    def body(self) -> bytes:
        return self._body

    def raise_for_status(self) -> None:
        self.internal_response.raise_for_status()


def _tls(verify: bool | str, cert: Any) -> ssl.SSLContext | bool:
    """TLS as `requests` does it: certifi's bundle unless `verify` names another file or directory, or is False."""
    if verify is False:
        return False
    where = verify if isinstance(verify, str) else certifi.where()
    is_dir = os.path.isdir(where)
    context = ssl.create_default_context(cafile=None if is_dir else where, capath=where if is_dir else None)
    if cert:
        context.load_cert_chain(*(cert if isinstance(cert, tuple) else (cert,)))
    return context


def aiohttp_pipeline(config: Any, ca_bundle: str | None = None) -> AsyncPipeline:
    """msrest's default connector pipeline (ServiceClientAsync._create_default_pipeline), sending on aiohttp."""
    policies = [config.user_agent_policy, SignedRequests(config.credentials), RawDeserializer(),
                config.http_logger_policy]
    return AsyncPipeline(policies, AioHTTPSender(AiohttpDriver(config, ca_bundle)))  # type: ignore[arg-type]


class ServingLoopPipeline:
    """A connector client's `config.pipeline`: the aiohttp pipeline on the loop that serves the bot, msrest's
    stock pipeline on any other (`touchpoint digest run` sends from a fresh loop per rep: an aiohttp session
    belongs to one loop, and requests in a thread belongs to none)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fast: AsyncPipeline, stock: Any) -> None:
        self._loop, self.fast, self.stock = loop, fast, stock

    async def run(self, request: Any, **kwargs: Any) -> Response:
        pipeline = self.fast if asyncio.get_running_loop() is self._loop else self.stock
        response: Response = await pipeline.run(request, **kwargs)
        return response

    async def __aenter__(self) -> ServingLoopPipeline:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        await self.fast.__aexit__(*exc_details)
        await self.stock.__aexit__(*exc_details)


def send_on_loop(client: Any, loop: asyncio.AbstractEventLoop, *, ca_bundle: str | None = None) -> bool:
    """Give a connector client the aiohttp pipeline for sends on `loop`, when its credentials are the SDK's
    AppCredentials (the only kind the SDK's factories make); True when it did. `ca_bundle`: the environment's
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, which requests would verify with."""
    config = getattr(client, "config", None)
    if config is None or not isinstance(getattr(config, "credentials", None), AppCredentials):
        return False
    config.pipeline = ServingLoopPipeline(loop, aiohttp_pipeline(config, ca_bundle), config.pipeline)
    return True
