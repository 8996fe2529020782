"""dmu NAME — the buying group: who is in it, their roles and attitude to us, and the gaps.

Edit it: `dmu add Jane Doe, CFO at Acme as economic buyer`, `dmu remove Jane Doe`,
`dmu role Jane Doe decider`, `dmu attitude Jane Doe -1 because ...`, or say "Jane Doe is the economic buyer".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from bot.context import Request, Services
from bot.handlers import dmu_edit
from bot.handlers._resolve import screen_for_query
from bot.replies import Reply, section
from domain.customer import DMU, AttitudeChange, Individual
from domain.errors import InvalidInput
from domain.health import Health, health
from domain.listening import Signal

QUIET_DAYS = 30


def _role(req: Request, svc: Services, args: str) -> Reply:
    m = re.match(rf"^(?P<name>.+?)\s+(?:is\s+(?:the|an|a|our)\s+|as\s+)?(?P<roles>(?:{dmu_edit.ROLE_WORDS}).*)$",
                 args, re.IGNORECASE)
    if m is None:
        raise InvalidInput("Use `dmu role Jane Doe economic buyer`.")
    return dmu_edit.set_role(req, svc, m["name"], m["roles"])


def _attitude(req: Request, svc: Services, args: str) -> Reply:
    return dmu_edit.set_attitude(req, svc, *dmu_edit.attitude_from_words(args))


EDITS: dict[str, Callable[[Request, Services, str], Reply]] = {
    "add": dmu_edit.add, "remove": dmu_edit.remove, "role": _role, "attitude": _attitude,
}


def handle(req: Request, svc: Services) -> Reply:
    verb, _, rest = req.text.partition(" ")
    if req.reading is None and verb.lower() in EDITS:
        return EDITS[verb.lower()](req, svc, rest.strip())
    with svc.read(req.actor.workspace_id) as uow:
        screen, head, _ = screen_for_query(req, svc, uow, "dmu", moves=True,
                                           signals_since=req.now - timedelta(days=365), interactions=200,
                                           texts=False)
    account, dmu, moves = head.account, DMU(head.account, head.people), head.moves
    touches, heard = screen.timeline.interactions, screen.timeline.signals
    heard_by: dict[str, list[Signal]] = {p.id: [] for p in dmu.members}
    for s in heard:  # one pass over the signals, however many people
        for pid in s.individual_ids:
            heard_by.setdefault(pid, []).append(s)
    by_person = {p.id: health(heard_by[p.id], now=req.now) for p in dmu.members}
    last_touch: dict[str, str] = {}
    zone = req.actor.zone  # a ZoneInfo lookup: once, not per log
    quiet_since = req.now - timedelta(days=QUIET_DAYS)
    recently_touched: set[str] = set()
    for i in touches:  # newest first
        for pid in i.individual_ids:
            if pid not in last_touch:  # newest first: the first is the last touch (dated once, not per log)
                last_touch[pid] = f"{i.occurred_at.astimezone(zone):%b %d}"
            if i.occurred_at >= quiet_since:
                recently_touched.add(pid)
    lines = [_member(p, last_touch.get(p.id), moves.get(p.id), by_person[p.id])
             for p in sorted(dmu.members, key=lambda p: (-p.weight(), p.name))]
    gaps = [f"No {r.label} known" for r in dmu.missing_key_roles()]
    gaps += [f"{p.name} ({', '.join(r.label for r in p.roles)}) not touched in {QUIET_DAYS} days"
             for p in dmu.members if p.is_key and p.id not in recently_touched]
    gaps += [f"{p.name} is a {p.attitude_label}" for p in dmu.detractors()]
    if dmu.is_single_threaded:
        gaps.append("Single-threaded: only one contact")
    if not dmu.members:
        gaps.append("Nobody known yet: log who you meet")
    headline = f"{account.name}: {len(dmu.members)} in the buying group, {len(gaps)} gap{'' if len(gaps) == 1 else 's'}"
    return Reply(headline, (section("People", lines or ["none yet"]), section("Gaps", gaps or ["none"])))


def _member(p: Individual, last: str | None, move: AttitudeChange | None, heard: Health) -> str:
    roles = ", ".join(r.label for r in p.roles) or "role unknown"
    title = p.title or "title unknown"
    trend = ""
    if move is not None:
        arrow = {1: "↑", -1: "↓", 0: "→"}[move.direction]
        trend = f" {arrow} (“{move.reason[:60]}”)"
    health_text = f"; health {heard.score:+.1f}" if heard.score is not None else ""
    return (f"{p.name} — {title}; {roles}; {p.attitude_label} ({p.attitude:+d}){trend}{health_text}; "
            f"last touch {last or 'never'}")
