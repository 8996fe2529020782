"""stage NAME — the account's buying stage, its confidence, and the evidence behind it."""

from __future__ import annotations

from bot.context import Request, Services
from bot.handlers._resolve import account_for_query
from bot.replies import Facts, Reply, section
from domain.buying import TACTICS
from domain.stage_rules import infer_stage


def handle(req: Request, svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        account, question, _ = account_for_query(req, svc, uow, "stage")
        if account is None:
            assert question is not None
            return question
        people = {p.id: p for p in uow.individuals.of_account(account.id)}
        evidence = uow.stage_history.of_account(account.id)
    assessment = infer_stage(evidence, person_weights={k: p.weight() for k, p in people.items()}, now=req.now)
    if assessment.stage is None:
        return Reply(f"{account.name}: no stage evidence yet.",
                     (section(None, ["Log what you hear (a demo request, a quote, a signed PO) and I'll place it."]),))
    lines = []
    for e in assessment.evidence:
        who = people[e.individual_id].name if e.individual_id in people else "account"
        kind = f"override: {e.reason}" if e.source == "override" else e.words
        lines.append(f"{e.occurred_at.astimezone(req.actor.zone):%b %d} · {e.stage.label} · {who} · {kind}")
    facts = Facts((("Stage", assessment.stage.label), ("Confidence", f"{assessment.confidence:.0%}"),
                   ("Tactic", TACTICS[assessment.stage])))
    return Reply(f"{account.name} is in {assessment.stage.label} ({assessment.confidence:.0%} confident)",
                 (facts, section("Evidence", lines, limit=6)))
