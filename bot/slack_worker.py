"""The process that runs recorded Slack requests, so the one that acknowledges them never waits for the GIL
while a note is parsed (parsing is CPU-bound Python). `serve_slack` starts it beside the server."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.slack_oauth import OAuthCredentials
from storage.tables import WORKSPACE

if TYPE_CHECKING:
    from bot.bootstrap import App

log = logging.getLogger(__name__)

WORKER_NICENESS = 10


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    spool: str | None  # the SQLite spool file requests are recorded in (storage/slack_spool.py); None: the table
    token: str | None
    api_url: str
    oauth: OAuthCredentials | None


def run(config: WorkerConfig, wake: Any, stop: Any, ready: Any = None) -> None:
    """The worker process: the same Bolt app's listeners registered the processors; only the inbox runs."""
    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from bot.slack_app import build_slack_app
    from bot.slack_http import KeptAliveWebClient
    from bot.slack_inbox import Inbox
    from bot.slack_send import with_retries
    from storage.slack_installations import SqlSlackInbox
    from storage.slack_spool import SpoolInbox, spool_engine

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the server, which stops us in order
    # Background work: when CPUs are short, the server acknowledging requests within Slack's 3 s goes first.
    os.nice(WORKER_NICENESS)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = bootstrap(Settings(DATABASE_URL=config.database_url), migrate=False)  # type: ignore[call-arg]
    store = SpoolInbox(spool_engine(Path(config.spool)), app.engine) if config.spool else SqlSlackInbox(app.engine)
    inbox = Inbox(store)
    # Answers and Web API calls reuse their connections: no connect (and TLS handshake) per answer.
    client = with_retries(KeptAliveWebClient(token=config.token, base_url=config.api_url, timeout=15))
    build_slack_app(app, signing_secret="unused-by-the-worker", token=config.token, client=client,
                    oauth=config.oauth, inbox=inbox)
    warm(app)
    if ready is not None:
        ready.set()
    log.info("Slack worker ready")
    inbox.work(stop, wake)


def warm(app: App) -> int:
    """Builds every Slack workspace's parser index before taking requests, so the first note after a deploy is
    answered at once instead of after the index is built (about 7 s at 100,000 accounts). Requests recorded
    meanwhile wait in the inbox. Returns how many indexes were built."""
    with app.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(WORKSPACE.c.id).where(WORKSPACE.c.id.startswith("slack:")))]
    started = time.perf_counter()
    for workspace in ids:
        app.services.directory(workspace)
    log.info("parser indexes of %s Slack workspace(s) built in %.1f s", len(ids), time.perf_counter() - started)
    return len(ids)


class Doorbell:
    """Tells the worker a request was recorded, without waiting for it. (multiprocessing.Event.set() waits until
    every process sleeping on it has woken up, its Condition's handshake: on two busy cores that held the
    server for milliseconds behind a worker at nice 10.) A semaphore's post never waits; each ring is one post."""

    def __init__(self, ctx: Any) -> None:
        self._rings = ctx.Semaphore(0)

    def set(self) -> None:
        self._rings.release()

    def clear(self) -> None:
        while self._rings.acquire(block=False):
            pass

    def is_set(self) -> bool:
        if self._rings.acquire(block=False):
            self._rings.release()
            return True
        return False

    def wait(self, timeout: float | None = None) -> bool:
        return bool(self._rings.acquire(timeout=timeout))


class WorkerProcess:
    """Starts and stops the worker; `wake` tells it a request was recorded."""

    def __init__(self, config: WorkerConfig) -> None:
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or sockets inherited
        self.wake = Doorbell(ctx)
        self._stop = ctx.Event()
        self._ready = ctx.Event()
        self._process: BaseProcess = ctx.Process(target=run, args=(config, self.wake, self._stop, self._ready),
                                                 name="touchpoint-slack-worker", daemon=True)

    def start(self) -> WorkerProcess:
        self._process.start()
        return self

    def alive(self) -> bool:
        return self._process.is_alive()

    def ready(self) -> bool:
        """Its parser indexes are built: answers come without the first-request wait."""
        return self._ready.is_set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        self._process.join(timeout)
        if self._process.is_alive():
            log.warning("the Slack worker did not stop in %s s; terminating it", timeout)
            self._process.terminate()
            self._process.join(5)
