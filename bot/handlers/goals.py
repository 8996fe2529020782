"""goals — goals vs actuals for the period; `goals set METRIC [PERIOD] TARGET` sets one.

Metrics: accounts_reaching_stage:<stage>, dmu_coverage, average_attitude, nps, renewal_rate, chatter_polarity.
"""

from __future__ import annotations

import math
from datetime import timedelta

from bot.context import Request, Services, claim
from bot.replies import Reply, Tone, section
from domain.errors import InvalidInput
from domain.goals import METRICS, Goal, current_quarter, period_bounds, validate_metric
from domain.measurement import Measured, World, actual, what_to_adjust
from domain.names import new_id


def handle(req: Request, svc: Services) -> Reply:
    words = req.text.split()
    if words and words[0].lower() == "set":
        return _set(req, svc, words[1:])
    with svc.uow(req.actor.workspace_id) as uow:
        goals = uow.goals.all()
        if not goals:
            return Reply("No goals set yet. Try `goals set accounts_reaching_stage:validation 2026-Q4 10`.",
                         (section("Metrics", [f"{k} — {v}" for k, v in METRICS.items()]),))
        world = World(uow.accounts.all(), uow.individuals.all(),
                      uow.stage_history.changes_since(req.now - timedelta(days=800)),
                      uow.signals.since(req.now - timedelta(days=800)))
    measured = [Measured(g, actual(g, world, tz=req.actor.zone)) for g in goals]
    lines = [_line(m) for m in measured]
    behind = sum(1 for m in measured if m.deviation is not None and m.deviation < 0)
    adjust = what_to_adjust(measured)
    blocks = [section("Goals (leading ◆, lagging ◇)", lines, limit=12)]
    if adjust:
        blocks.append(section("What to adjust", [adjust]))
    return Reply(f"{len(goals) - behind} of {len(goals)} goals on track", tuple(blocks))


def _line(m: Measured) -> str:
    mark = "◆" if m.goal.is_leading else "◇"
    got = "no data" if m.actual is None else f"{m.actual:g}"
    dev = "" if m.deviation is None else f" ({m.deviation:+g})"
    return f"{mark} {m.goal.metric} {m.goal.period}: {got} of {m.goal.target:g}{dev}"


def _set(req: Request, svc: Services, args: list[str]) -> Reply:
    if len(args) not in (2, 3):
        raise InvalidInput("Use `goals set METRIC [PERIOD] TARGET`, e.g. `goals set nps 2026-Q4 40`.")
    metric = validate_metric(args[0])
    period = args[1] if len(args) == 3 else current_quarter(req.local_now.date())
    try:
        target = float(args[-1])
    except ValueError:
        raise InvalidInput(f"'{args[-1]}' is not a number.") from None
    if not math.isfinite(target):  # float() takes "nan", "inf" and "1e999"
        raise InvalidInput(f"'{args[-1]}' is not a target I can measure: give a plain number, e.g. 40.")

    period_bounds(period)  # validates the period's shape
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        uow.goals.upsert(Goal(new_id(), metric, period, target))
        uow.commit()
    return Reply(f"Goal set: {metric} {period} → {target:g}.", tone=Tone.SUCCESS)
