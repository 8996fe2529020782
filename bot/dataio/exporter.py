"""`touchpoint export`: the workspace as world JSON, which `touchpoint import` reads back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.bootstrap import App


def export_world(app: App, workspace_id: str) -> dict[str, Any]:
    with app.services.uow(workspace_id) as uow:
        accounts = uow.accounts.all()
        names = {a.id: a.name for a in accounts}
        people = sorted(uow.individuals.all(), key=lambda p: (names[p.account_id], p.name))
        person_names = {p.id: p.name for p in people}
        interactions = sorted((i for a in accounts for i in uow.interactions.of_account(a.id, limit=100_000)),
                              key=lambda i: (i.occurred_at, i.text))
        signals = {a.id: uow.signals.of_account(a.id) for a in accounts}
        touches = {a.id: uow.touches.of_account(a.id, limit=100_000) for a in accounts}
        stages = {a.id: uow.stage_history.of_account(a.id) for a in accounts}
        steps = sorted(uow.next_steps.all(),
                       key=lambda s: (names[s.account_id], str(s.due), s.text))
        goals = uow.goals.all()
        reps = sorted(uow.reps.all(), key=lambda r: r.id)
    by_interaction_signals: dict[str, list[dict[str, Any]]] = {}
    for acc_signals in signals.values():
        for s in acc_signals:
            if s.interaction_id:
                by_interaction_signals.setdefault(s.interaction_id, []).append(
                    {"channel": s.channel.value, "polarity": s.polarity.value, "strength": s.strength})
    touch_of = {t.interaction_id: t.kind for ts in touches.values() for t in ts if t.interaction_id}
    stage_of = {e.interaction_id: e.stage.value for es in stages.values() for e in es if e.interaction_id}
    return {
        "reps": [{"id": r.id, "name": r.name, "tz": r.tz} for r in reps],
        "accounts": [{"name": a.name, "aliases": list(a.aliases), "domain": a.domain, "segment": a.segment,
                      "lifecycle": a.lifecycle.value, "owner": a.owner_id,
                      "stage": a.stage.value if a.stage else None} for a in accounts],
        "contacts": [{"name": p.name, "title": p.title, "account": names[p.account_id],
                      "roles": [r.value for r in p.roles], "attitude": p.attitude} for p in people],
        "interactions": [{"account": names[i.account_id], "at": i.occurred_at.isoformat(), "rep": i.rep_id,
                          "text": i.text, "people": [person_names[x] for x in i.individual_ids if x in person_names],
                          "touch": touch_of.get(i.id), "signals": by_interaction_signals.get(i.id, []),
                          "stage": stage_of.get(i.id)} for i in interactions],
        "next_steps": [{"account": names[s.account_id], "text": s.text, "due": s.due.isoformat() if s.due else None,
                        "owner": s.owner_id, "done": s.done,
                        "people": [person_names[x] for x in s.individual_ids if x in person_names]} for s in steps],
        "goals": [{"metric": g.metric, "period": g.period, "target": g.target} for g in goals],
    }
