"""The process that runs recorded Slack requests, so the one that acknowledges them never waits for the GIL
while a note is parsed (parsing is CPU-bound Python). `serve_slack` starts it beside the server."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from bot.slack_oauth import OAuthCredentials

log = logging.getLogger(__name__)

WORKER_NICENESS = 10


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    token: str | None
    api_url: str
    oauth: OAuthCredentials | None


def run(config: WorkerConfig, wake: Any, stop: Any) -> None:
    """The worker process: the same Bolt app's listeners registered the processors; only the inbox runs."""
    from slack_sdk import WebClient

    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from bot.slack_app import build_slack_app
    from bot.slack_inbox import Inbox
    from bot.slack_send import with_retries
    from storage.slack_installations import SqlSlackInbox

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the server, which stops us in order
    # Background work: when CPUs are short, the server acknowledging requests within Slack's 3 s goes first.
    os.nice(WORKER_NICENESS)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = bootstrap(Settings(DATABASE_URL=config.database_url), migrate=False)  # type: ignore[call-arg]
    inbox = Inbox(SqlSlackInbox(app.engine))
    client = with_retries(WebClient(token=config.token, base_url=config.api_url, timeout=15))
    build_slack_app(app, signing_secret="unused-by-the-worker", token=config.token, client=client,
                    oauth=config.oauth, inbox=inbox)
    log.info("Slack worker ready")
    inbox.work(stop, wake)


class WorkerProcess:
    """Starts and stops the worker; `wake` tells it a request was recorded."""

    def __init__(self, config: WorkerConfig) -> None:
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or sockets inherited
        self.wake = ctx.Event()
        self._stop = ctx.Event()
        self._process: BaseProcess = ctx.Process(target=run, args=(config, self.wake, self._stop),
                                                 name="touchpoint-slack-worker", daemon=True)

    def start(self) -> WorkerProcess:
        self._process.start()
        return self

    def alive(self) -> bool:
        return self._process.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        self._process.join(timeout)
        if self._process.is_alive():
            log.warning("the Slack worker did not stop in %s s; terminating it", timeout)
            self._process.terminate()
            self._process.join(5)
