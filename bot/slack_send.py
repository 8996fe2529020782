"""Sending to Slack after the ack: a small thread pool, and clients that survive 429s and blips."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import slack_http

log = logging.getLogger(__name__)


def retry_handlers() -> list[RetryHandler]:
    """Honour Retry-After on 429, and retry connection resets and 5xx a couple of times."""
    return [RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2)]


def with_retries(client: WebClient) -> WebClient:
    """Add our retry handlers to a client (keeping any it has of other kinds)."""
    kinds = {type(h) for h in client.retry_handlers}
    client.retry_handlers.extend(h for h in retry_handlers() if type(h) not in kinds)
    return client


class Sender:
    """Runs platform calls after the ack, so a slow or rate-limited Slack never delays the 3-second answer."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def later(self, work: Callable[[], object], what: str) -> None:
        def guarded() -> None:
            try:
                work()
            except Exception:  # a failed send must not kill the worker; the log is already saved
                log.exception("sending %s to Slack failed", what)

        self._executor.submit(guarded)

    def respond(self, response_url: str, message: dict[str, Any], **options: object) -> None:
        """POST to an interaction's response_url (works in channels the bot was never invited to)."""
        self.later(lambda: respond_now(response_url, message, **options), "a response")

    def call(self, client: WebClient, method: str, **params: Any) -> None:
        """A Web API call (chat.postMessage, views.publish...) after the ack."""
        self.later(lambda: client.api_call(method, json=params), method)


def respond_now(response_url: str, message: dict[str, Any], **options: object) -> None:
    """POST to a response_url now, on a kept-alive connection (bot/slack_http.py: 429 and 5xx retried, a post
    that may have reached Slack never resent); raises when Slack keeps failing (5xx) or the connection does,
    so the caller may try again later. A 4xx (the URL expired after 30 minutes, or was used five times) will
    not get better: logged only."""
    resp = slack_http.post_json(response_url, {**message, **options}, timeout=10)
    if resp.status >= 500:
        raise ConnectionError(f"response_url answered {resp.status}")
    if resp.status >= 300:
        log.warning("response_url answered %s: %s", resp.status, resp.text()[:200])
