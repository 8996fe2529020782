"""Sending whatever digests are due now, exactly once per rep per local day, from any number of processes."""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

from bot.bootstrap import App
from bot.digest_content import RepRun, gather_all, render
from bot.digest_delivery import DigestChannel, Outcome
from domain.digest import DigestFacts, build_digest
from domain.schedule import due_day
from domain.tenancy import Rep
from storage.digest_reads import DigestReads
from storage.digest_sends import DigestSends

log = logging.getLogger(__name__)
BATCH = 500  # reps whose digests are read together; each is still claimed right before its own send


def run_due(app: App, channels: Mapping[str, DigestChannel], *, now: datetime) -> Counter[str]:
    """One pass: claim each due rep's digest, build it, send it, record the outcome. Returns outcome counts."""
    sends = DigestSends(app.engine)
    counts: Counter[str] = Counter()
    due: dict[str, list[tuple[Rep, date]]] = defaultdict(list)
    for workspace_id, rep in sends.due_reps():
        day = due_day(rep, now)
        if day is not None and workspace_id.split(":", 1)[0] in channels:  # console workspaces get none
            due[workspace_id].append((rep, day))
    for workspace_id, reps in due.items():
        channel = channels[workspace_id.split(":", 1)[0]]
        for batch in (reps[i:i + BATCH] for i in range(0, len(reps), BATCH)):
            with app.services.uow(workspace_id) as uow:
                sent = DigestReads(uow.session, workspace_id).last_sent(rep.id for rep, _ in batch)
            runs = [RepRun(rep.id, rep.tz, sent.get(rep.id)) for rep, _ in batch]
            built = _gather_batch(app, workspace_id, runs, now=now)
            for (rep, day), run in zip(batch, runs, strict=True):
                if not sends.claim(workspace_id, rep.id, day, now=now):  # each claimed just before its send
                    counts["elsewhere"] += 1
                    continue
                outcome = _deliver(app, channel, workspace_id, rep, run, now=now, facts=built.get(rep.id))
                sends.finish(workspace_id, rep.id, day, status=outcome, now=now)
                counts[outcome] += 1
    return counts


def _gather_batch(app: App, workspace_id: str, runs: list[RepRun], *, now: datetime) -> dict[str, DigestFacts]:
    """The facts of a batch of reps in a few set-based reads; empty when that fails (each rep then retries
    on its own, so one bad rep cannot stop the others' digests)."""
    try:
        with app.services.uow(workspace_id) as uow:
            return gather_all(uow, runs, now=now)
    except Exception:
        log.exception("digest batch for %s failed; gathering rep by rep", workspace_id)
        return {}


def _deliver(app: App, channel: DigestChannel, workspace_id: str, rep: Rep, run: RepRun, *, now: datetime,
             facts: DigestFacts | None) -> str:
    try:
        if facts is None:
            with app.services.uow(workspace_id) as uow:
                facts = gather_all(uow, [run], now=now)[rep.id]
        digest = build_digest(facts)
        if digest.is_quiet and rep.digest_skip_quiet:
            return "skipped"
        return channel.send(workspace_id, rep.id, render(digest)).value
    except Exception:  # one rep's failure must not stop the others' digests; the claim retries it later
        log.exception("digest for %s/%s failed", workspace_id, rep.id)
        return Outcome.RETRY.value


class DigestScheduler:
    """Runs `run_due` every minute inside `touchpoint serve` (the embedded default)."""

    def __init__(self, app: App, channels: Mapping[str, DigestChannel], *,
                 clock: Callable[[], datetime] | None = None, interval: float = 60) -> None:
        self._app, self._channels = app, channels
        self._clock = clock or (lambda: datetime.now(UTC))
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="digest-scheduler", daemon=True)

    def start(self) -> DigestScheduler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                counts = run_due(self._app, self._channels, now=self._clock())
                if counts:
                    log.info("digests: %s", dict(counts))
            except Exception:  # the database may be briefly away; the next minute tries again
                log.exception("digest pass failed")
            self._stop.wait(self._interval)
