"""The neutral dispatcher every adapter calls: text or a button + actor + now -> Reply."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime

from bot import registry
from bot.context import Actor, Request, Services, StaleReading
from bot.replies import AskBack, Repeated, Reply, error
from bot.reps import RepRegistry
from domain.errors import TouchpointError
from domain.understanding import Intent, read_message

log = logging.getLogger(__name__)

MAX_CHARS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Free text is routed by the parser's intent to the same handlers as the commands.
_INTENT_COMMAND = {
    Intent.LOG: "log", Intent.DMU: "dmu", Intent.STAGE: "stage", Intent.NEXT: "next",
    Intent.DIGEST: "digest", Intent.GOALS: "goals", Intent.ACCOUNT: "account", Intent.HELP: "help",
}


def clean_text(text: str) -> str:
    """Drop control characters (keep newlines and tabs) and outer whitespace."""
    return _CONTROL.sub("", text or "").strip()


class Dispatcher:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._actions = registry.actions()
        self._reps = RepRegistry()

    def handle_text(self, text: str, *, actor: Actor, now: datetime, delivery_id: str | None = None) -> Reply:
        text = clean_text(text)
        if not text:
            return error("I didn't get any words. Try `help`, or just tell me what happened on your call.")
        if len(text) > MAX_CHARS:
            return error(f"That message is {len(text):,} characters; I take up to {MAX_CHARS:,}. "
                         "Nothing was saved: please split it into shorter notes.")
        head, _, rest = text.partition(" ")
        spec = registry.find(head.rstrip(":"))
        return self._guarded(lambda: self._route(spec, rest.strip(), text, actor, now, delivery_id), actor=actor)

    def handle_log(self, text: str, *, account_id: str, actor: Actor, now: datetime,
                   delivery_id: str | None = None) -> Reply:
        """A note whose account the rep picked in a form: the parser reads the rest, never the account."""
        text = clean_text(text)
        if not text or len(text) > MAX_CHARS:
            return self.handle_text(text, actor=actor, now=now)  # the same friendly errors
        spec = registry.find("log")
        assert spec is not None
        request = Request(text, actor, now, delivery_id, account_id=account_id)
        return self._guarded(lambda: spec.handler(request, self.services), actor=actor)

    def handle_action(self, action: str, value: dict[str, str], *, actor: Actor, now: datetime,
                      delivery_id: str | None = None) -> Reply:
        handler = self._actions.get(action)
        if handler is None:
            return error("That button is no longer supported. Please start again from a fresh message.")
        req = Request(text="", actor=actor, now=now, delivery_id=delivery_id)
        return self._guarded(lambda: handler(req, {str(k): str(v) for k, v in value.items()}, self.services),
                             actor=actor)

    def _route(self, spec: registry.CommandSpec | None, rest: str, text: str, actor: Actor, now: datetime,
               delivery_id: str | None) -> Reply:
        if spec is not None:
            return spec.handler(Request(rest, actor, now, delivery_id), self.services)
        request = Request(text, actor, now, delivery_id)
        for pattern, rule in registry.plain_rules():
            m = pattern.match(text)
            if m is not None:
                return rule(request, self.services, m)
        local_now, ws, directory = now.astimezone(actor.zone), actor.workspace_id, self.services.directory
        held, read_with = directory.cached(ws), None
        if held is None:
            reading = read_message(text, now=local_now, directory=directory(ws))
        else:  # read with the index this process holds: a log checks its version in its transaction, with its reads
            reading, read_with = read_message(text, now=local_now, directory=held[1]), held[0]
            if reading.intent != Intent.LOG:  # the others check the counter first
                read_with = None
                if (current := directory(ws)) is not held[1] or directory.cached(ws) is not held:  # it moved
                    reading = read_message(text, now=local_now, directory=current)
        try:
            return self._by_intent(Request(text, actor, now, delivery_id, reading, read_with=read_with))
        except StaleReading as stale:  # names changed meanwhile: read again (maybe not a log now)
            reading = read_message(text, now=local_now, directory=directory(ws, stale.version))
            return self._by_intent(Request(text, actor, now, delivery_id, reading))

    def _by_intent(self, request: Request) -> Reply:
        assert request.reading is not None
        found = registry.find(_INTENT_COMMAND[request.reading.intent])
        assert found is not None
        return found.handler(request, self.services)

    def _guarded(self, work: Callable[[], Reply], *, actor: Actor | None = None) -> Reply:
        try:
            if actor is not None:
                self._reps.ensure(self.services, actor)  # first contact: the digest scheduler learns the rep
            return work()
        except AskBack as exc:
            return exc.question
        except Repeated as exc:  # a retried delivery: done the first time
            return exc.reply
        except TouchpointError as exc:
            return error(exc.message)
        except Exception:  # the error boundary: a rep never sees a traceback
            log.exception("command failed")
            return error("Something went wrong on my side and nothing was saved. Please try again.")
