"""Slack HTTP over kept-alive connections. slack_sdk's sync clients open a new connection (and, against the
real Slack, a new TLS handshake) for every call; here one urllib3 pool per process keeps them open.

Retries never send a post twice if it may have reached Slack: only a failed connect (nothing was sent) and
answers 429 (after Retry-After) and 5xx are tried again. A kept connection the server has closed while idle
is noticed when it is taken from the pool (urllib3 checks it) and replaced before anything is sent.
"""

from __future__ import annotations

import email.message
import http.client
import io
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urllib3
from slack_sdk import WebClient
from slack_sdk.proxy_env_variable_loader import load_http_proxy_from_env
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ReadTimeoutError

log = logging.getLogger(__name__)

POOL_SIZE = 8  # connections kept per host: the Sender's thread pool has 8 threads
RATE_LIMIT_RETRIES = 3  # the same counts as bot/slack_send.py retry_handlers()
SERVER_ERROR_RETRIES = 2
CONNECT_RETRIES = 2
BACKOFF = 0.5  # seconds, doubled per retry (slack_sdk's default interval)


class MaybeSent(ConnectionError):
    """The connection failed after the request was written: Slack may have it, so it is not sent again."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: urllib3.HTTPHeaderDict
    body: bytes

    def text(self) -> str:
        return self.body.decode(_charset(self.headers.get("Content-Type", "")), errors="replace")


def _charset(content_type: str) -> str:
    msg = email.message.Message()
    msg["Content-Type"] = content_type
    return msg.get_content_charset() or "utf-8"


_pool: urllib3.PoolManager | None = None
_pool_lock = threading.Lock()


def pool() -> urllib3.PoolManager:
    """This process's pool (thread-safe). TLS is verified against the system's CAs, like urllib's default;
    a proxy comes from HTTPS_PROXY / HTTP_PROXY as slack_sdk reads it."""
    global _pool
    with _pool_lock:
        if _pool is None:
            proxy = load_http_proxy_from_env(log)
            manager = urllib3.ProxyManager(proxy, maxsize=POOL_SIZE) if proxy else None
            _pool = manager or urllib3.PoolManager(maxsize=POOL_SIZE)
        return _pool


def reset_pool() -> None:
    """Closes every kept connection (tests, and a proxy setting that changed)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.clear()
        _pool = None


def send_once(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """One POST on a kept connection, no retry. Raises URLError when the connect failed (nothing sent),
    MaybeSent or TimeoutError when it failed later."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    try:
        resp = pool().request("POST", url, body=body, headers=headers, timeout=timeout, retries=False,
                              redirect=False, preload_content=True)
    except ConnectTimeoutError as exc:  # NewConnectionError too: refused, unresolved, connect timed out
        raise urllib.error.URLError(exc) from exc
    except ReadTimeoutError as exc:
        raise TimeoutError(str(exc)) from exc
    except HTTPError as exc:  # reset or closed after the request was written
        raise MaybeSent(str(exc)) from exc
    return Answer(resp.status, resp.headers, resp.data)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0,
         sleep: Callable[[float], object] = time.sleep) -> Answer:
    """POST with Slack's retries: Retry-After on 429 (3 times), 5xx (2 times) and failed connects (2 times)
    with backoff. Returns the last answer, whatever its status; raises when the connection kept failing."""
    limited = failed = unreachable = 0
    while True:
        try:
            answer = send_once(url, body, headers, timeout)
        except urllib.error.URLError:
            if unreachable >= CONNECT_RETRIES:
                raise
            unreachable += 1
            sleep(BACKOFF * 2 ** (unreachable - 1) + random.random() * 0.1)
            continue
        if answer.status == 429 and limited < RATE_LIMIT_RETRIES:
            limited += 1
            sleep(_retry_after(answer) + random.random())
        elif answer.status >= 500 and failed < SERVER_ERROR_RETRIES:
            failed += 1
            sleep(BACKOFF * 2 ** (failed - 1) + random.random() * 0.1)
        else:
            return answer
        # the host only: a response_url's path is a credential for the channel
        log.info("Slack answered %s to %s; trying again", answer.status, urllib3.util.parse_url(url).host)


def _retry_after(answer: Answer) -> float:
    try:
        return max(0.0, float(answer.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def post_json(url: str, payload: dict[str, Any], *, timeout: float = 10.0) -> Answer:
    return post(url, json.dumps(payload).encode(), {"Content-Type": "application/json;charset=utf-8"},
                timeout=timeout)


class KeptAliveWebClient(WebClient):
    """slack_sdk's WebClient (its retry handlers, parsing and errors) sending through the kept-alive pool.
    slack_sdk has no public transport hook; this replaces the one method that opens a connection."""

    def _perform_urllib_http_request_internal(self, url: str, req: urllib.request.Request) -> dict[str, Any]:
        data = req.data if isinstance(req.data, bytes) else b""
        headers_out = {name: str(value) for name, value in req.header_items()}  # urllib allows int values
        answer = send_once(url, data, headers_out, float(self.timeout))
        headers = http.client.HTTPMessage()
        for name, value in answer.headers.items():
            headers[name] = value
        if answer.status >= 400:  # what urlopen raises, and what slack_sdk's retry handlers look at
            raise urllib.error.HTTPError(url, answer.status, http.client.responses.get(answer.status, ""),
                                         headers, io.BytesIO(answer.body))
        return {"status": answer.status, "headers": headers, "body": answer.text()}
