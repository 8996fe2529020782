"""stage NAME — the account's buying stage, its confidence, and the evidence behind it.

Override it with a reason (kept as evidence): `stage Acme set validation because legal review started`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.context import Request, Services, claim
from bot.handlers._resolve import account_for_query, screen_for_query
from bot.logbook import refresh_account_stage
from bot.replies import Facts, Reply, Tone, section
from domain.buying import STAGE_LABELS, TACTICS, Stage, StageEvidence
from domain.errors import InvalidInput
from domain.stage_rules import infer_stage

_OVERRIDE = re.compile(r"^(?P<account>.+?)\s+(?:set(?:\s+to)?|to|->|=)\s+(?P<stage>.+?)"
                       r"(?:\s+(?:because|since|:)\s+(?P<reason>.+))?$", re.IGNORECASE)


def is_override(text: str) -> bool:
    """`stage Acme set validation ...` changes the stage; `stage Acme` only reads it."""
    return _OVERRIDE.match(text) is not None


def handle(req: Request, svc: Services) -> Reply:
    m = _OVERRIDE.match(req.text) if req.reading is None else None
    if m is not None:
        return _override(req, svc, m)
    with svc.read(req.actor.workspace_id) as uow:
        screen, head, _ = screen_for_query(req, svc, uow, "stage", evidence=True)
    account, people, evidence = head.account, {p.id: p for p in head.people}, screen.evidence
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
    furthest: dict[str, Stage] = {}
    for e in evidence:  # each person's stage: the furthest their own evidence shows
        pid = e.individual_id
        if pid is not None and pid in people and (pid not in furthest or e.stage.rank > furthest[pid].rank):
            furthest[pid] = e.stage
    per_person = [f"{people[pid].name}: {stage.label}" for pid, stage in furthest.items()]
    return Reply(f"{account.name} is in {assessment.stage.label} ({assessment.confidence:.0%} confident)",
                 (facts, section("Evidence", lines, limit=6), section("By person", per_person or ["nobody yet"])))


def stage_from_words(words: str) -> Stage:
    key = words.strip().lower().replace("-", " ").replace("_", " ")
    for stage, label in STAGE_LABELS.items():
        if key in (stage.value.replace("_", " "), label.lower()) or (label.lower().startswith(key) and len(key) >= 4):
            return stage
    known = ", ".join(s.value.replace("_", " ") for s in Stage)
    raise InvalidInput(f"\u201c{words.strip()}\u201d is not a buying stage. Stages: {known}.")


def _override(req: Request, svc: Services, m: re.Match[str]) -> Reply:
    stage = stage_from_words(m["stage"])
    if not (m["reason"] or "").strip():
        raise InvalidInput(f"Say why, e.g. `stage {m['account']} set {stage.value} because ...`: the reason is "
                           "kept as evidence.")
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        account, _ = account_for_query(replace(req, text=m["account"]), svc, uow, "stage")
        uow.stage_history.add(StageEvidence(stage, req.now, f"set by {req.actor.name or req.actor.user_id}",
                                            source="override", rep_id=req.actor.user_id, reason=m["reason"].strip()),
                              account_id=account.id)
        refresh_account_stage(uow, account, now=req.now)
        uow.commit()
    return Reply(f"{account.name} is now in {stage.label}, set by you: {m['reason'].strip()}", tone=Tone.SUCCESS)
