"""Editing the buying group in chat: add or remove a person, set roles, set an attitude with a reason.

  dmu add Jane Doe, CFO at Acme [as economic buyer, decider]
  dmu remove Jane Doe
  dmu role Jane Doe economic buyer          (or plainly: "Jane Doe is the economic buyer")
  dmu attitude Jane Doe -1 because pricing  (or plainly: "Jane Doe is a detractor because ...")
"""

from __future__ import annotations

import re

from bot.context import Request, Services, claim
from bot.handlers._resolve import account_for_query
from bot.replies import Reply, Tone
from domain.customer import (
    ATTITUDE_LABELS,
    AttitudeChange,
    BuyingRole,
    Individual,
    clamp_attitude,
    fitting,
    parse_roles,
)
from domain.errors import InvalidInput, NotFound
from domain.names import new_id
from domain.personas import persona_for_title
from domain.understanding import read_message
from storage.uow import SqlUnitOfWork

_ADD = re.compile(r"^(?P<name>[^,]+?)(?:\s*,\s*(?P<title>[^,]+?))?\s+(?:at|@|from)\s+(?P<account>.+?)"
                  r"(?:\s+as\s+(?P<roles>.+))?$", re.IGNORECASE)
_BECAUSE = re.compile(r"\s+(?:because|since|as|:)\s+", re.IGNORECASE)
ROLE_WORDS = "|".join(sorted((r.label for r in BuyingRole), key=len, reverse=True))
_LABEL_VALUE = {label: value for value, label in ATTITUDE_LABELS.items()} | {"fan": 2, "critic": -2, "supporter": 1}
PLAIN_ROLE = re.compile(rf"^(?P<name>.+?)\s+is\s+(?:the|an|a|our|their)\s+(?P<role>{ROLE_WORDS})\b\.?$", re.I)
PLAIN_ATTITUDE = re.compile(r"^(?P<name>.+?)\s+is\s+(?:now\s+)?(?:an?|our)\s+(?P<label>"
                            + "|".join(_LABEL_VALUE) + r")\b(?P<rest>.*)$", re.IGNORECASE)


def add(req: Request, svc: Services, args: str) -> Reply:
    m = _ADD.match(args)
    if m is None:
        raise InvalidInput("Use `dmu add Jane Doe, CFO at Acme as economic buyer`.")
    roles = parse_roles(re.split(r"\s*(?:,|\band\b)\s*", m["roles"])) if m["roles"] else ()
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        account, _ = account_for_query(_with(req, m["account"]), svc, uow, "dmu")
        name = fitting(m["name"].strip(), "name")
        person = uow.individuals.by_name(account.id, name) or Individual(new_id(), account.id, name)
        person.title = fitting((m["title"] or "").strip(), "title") or person.title
        persona = persona_for_title(person.title)
        person.persona = persona.key if persona else person.persona
        person.roles = tuple(dict.fromkeys((*person.roles, *roles)))
        uow.individuals.add(person)
        uow.commit()
    return Reply(f"{person.name} is in {account.name}'s buying group{_roles(person)}.", tone=Tone.SUCCESS)


def remove(req: Request, svc: Services, args: str) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        person = _person(req, svc, uow, args)
        uow.individuals.remove(person.id)
        uow.commit()
    return Reply(f"Removed {person.name} from the buying group. Their past logs are kept.", tone=Tone.SUCCESS)


def set_role(req: Request, svc: Services, name: str, role_words: str) -> Reply:
    roles = parse_roles(re.split(r"\s*(?:,|\band\b)\s*", role_words.strip()))
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        person = _person(req, svc, uow, name)
        person.roles = tuple(dict.fromkeys((*person.roles, *roles)))
        uow.individuals.update(person)
        uow.commit()
    return Reply(f"{person.name}{_roles(person)}.", tone=Tone.SUCCESS)


def set_attitude(req: Request, svc: Services, name: str, value: int, reason: str) -> Reply:
    if not reason.strip():
        raise InvalidInput("Give a reason, e.g. `dmu attitude Jane Doe -1 because she doubts our ROI`.")
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        person = _person(req, svc, uow, name)
        after = clamp_attitude(value)
        uow.attitudes.add(AttitudeChange(person.id, person.attitude, after, req.now, reason.strip(),
                                         req.actor.user_id))
        person.attitude = after
        uow.individuals.update(person)
        uow.commit()
    return Reply(f"{person.name} is now {person.attitude_label} ({after:+d}): {reason.strip()}", tone=Tone.SUCCESS)


def attitude_from_words(args: str) -> tuple[str, int, str]:
    """"Jane Doe -1 because ..." or "Jane Doe detractor because ..." -> (name, value, reason)."""
    parts = _BECAUSE.split(args, maxsplit=1)
    head, reason = parts[0], parts[1] if len(parts) > 1 else ""
    m = re.match(r"^(?P<name>.+?)\s+(?P<value>[+-]?\d|" + "|".join(_LABEL_VALUE) + r")$", head.strip(), re.I)
    if m is None:
        raise InvalidInput("Use `dmu attitude Jane Doe -1 because ...` (from -2 detractor to +2 advocate).")
    raw = m["value"].lower()
    value = int(raw) if raw.lstrip("+-").isdigit() else _LABEL_VALUE[raw]
    if not -2 <= value <= 2:
        raise InvalidInput("Attitude goes from -2 (detractor) to +2 (advocate).")
    return m["name"], value, reason


def plain_attitude(req: Request, svc: Services, m: re.Match[str]) -> Reply:
    reason = _BECAUSE.sub("", m["rest"], count=1).strip(" .")
    return set_attitude(req, svc, m["name"], _LABEL_VALUE[m["label"].lower()], reason)


def _person(req: Request, svc: Services, uow: SqlUnitOfWork, name: str) -> Individual:
    reading = read_message(name, now=req.local_now, directory=svc.directory(req.actor.workspace_id))
    known = [p.contact for p in reading.people if p.contact is not None]
    if len(known) != 1:
        raise NotFound(f"I don't know \u201c{name.strip()}\u201d. Add them with `dmu add {name.strip()}, TITLE at "
                       "ACCOUNT`.")
    person = uow.individuals.get(known[0].id)
    if person is None:
        raise NotFound(f"{known[0].name} was just removed.")
    return person


def _with(req: Request, text: str) -> Request:
    return Request(text, req.actor, req.now, req.delivery_id)


def _roles(person: Individual) -> str:
    return f" — {', '.join(r.label for r in person.roles)}" if person.roles else ""
