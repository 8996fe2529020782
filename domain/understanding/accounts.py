"""Which account a message is about: named (known or new), inferred from a known contact, or ambiguous."""

from __future__ import annotations

from domain.understanding.directory import Directory
from domain.understanding.mentions import AccountMention
from domain.understanding.names import NewName
from domain.understanding.people import PersonMatch
from domain.understanding.reading import AccountKind, AccountReading, KnownAccount
from domain.understanding.text import Token

_BY_CONTACT_SCORE = 90.0  # an account read from a known contact alone


def _known(account: KnownAccount, score: float, mention: str | None) -> AccountReading:
    return AccountReading(AccountKind.KNOWN, account=account, score=round(score, 1), mention=mention)


def resolve_account(
    mentions: list[AccountMention],
    people: list[PersonMatch],
    new_names: list[NewName],
    tokens: list[Token],
    text: str,
    directory: Directory,
) -> AccountReading:
    by_contact: dict[str, float] = {}
    for person in people:
        if person.contact:
            by_contact[person.contact.account_id] = _BY_CONTACT_SCORE
    if mentions:
        scores: dict[str, float] = {}
        accounts: dict[str, KnownAccount] = {}
        for m in mentions:
            for account_id, score in m.scores.items():
                scores[account_id] = max(scores.get(account_id, 0.0), score)
                accounts[account_id] = m.accounts[account_id]
        words = " ".join(text[tokens[m.start].start : tokens[m.end - 1].end] for m in mentions)
        decided = [a for a in scores if a in by_contact]
        if len(scores) == 1 or len(decided) == 1:
            account_id = decided[0] if len(decided) == 1 else next(iter(scores))
            return _known(accounts[account_id], scores[account_id], words)
        ranked = sorted(accounts.values(), key=lambda a: -scores[a.id])
        return AccountReading(AccountKind.AMBIGUOUS, candidates=tuple(ranked), mention=words)
    companies = [n for n in new_names if n.company]
    found = [a for a in (directory.account(i) for i in by_contact) if a is not None]
    # a known contact's account outweighs a one-word name we do not know ("Kenji ... also talking to Siemens")
    if companies and not (len(found) == 1 and all(n.end - n.start == 1 for n in companies)):
        return AccountReading(AccountKind.NEW, new_name=companies[0].name, mention=companies[0].name)
    if len(found) == 1:
        return _known(found[0], _BY_CONTACT_SCORE, None)
    if found:
        return AccountReading(AccountKind.AMBIGUOUS, candidates=tuple(found))
    return AccountReading(AccountKind.NONE)
