"""read_message: one chat message in, one Reading out. Pure, fast, and never raises."""

from __future__ import annotations

from datetime import datetime

from domain.buying import Stage
from domain.listening import Channel, Polarity
from domain.understanding.accounts import resolve_account
from domain.understanding.dates import numeric_order
from domain.understanding.directory import Directory
from domain.understanding.intent import read_intent
from domain.understanding.lexicon import Lexicon
from domain.understanding.mentions import AccountMention, find_mentions, names_an_asset
from domain.understanding.names import NewName, another_company, find_new_names
from domain.understanding.next_steps import commitment_clauses, read_next_step
from domain.understanding.people import PersonMatch, find_by_name, find_by_title
from domain.understanding.reading import (
    AccountKind,
    AccountReading,
    Intent,
    PersonReading,
    Reading,
    SignalReading,
    StageReading,
)
from domain.understanding.signals import read_signals, read_touches
from domain.understanding.stages import read_stage
from domain.understanding.text import (
    Shorthand,
    Token,
    clause_spans,
    compile_shorthand,
    expand_shorthand,
    fold,
    tokenize,
)

MAX_CHARS = 8000  # longer messages are read up to here; nobody logs a call in more


def read_message(text: str, *, now: datetime, directory: Directory) -> Reading:
    """What the rep's message says, read with the workspace's directory; `now` is in the rep's zone."""
    try:
        return _read(text, now, directory)
    except Exception:  # noqa: BLE001 - a message the rules cannot read is still a message: log it as written
        return Reading(Intent.LOG, text=text if isinstance(text, str) else "")


def _read(text: str, now: datetime, directory: Directory) -> Reading:
    lex = directory.lexicon
    work = expand_shorthand(text[:MAX_CHARS], lex.compiled("text.shorthand", _shorthand))
    tokens = tokenize(work)
    intent = read_intent(work, lex)
    assets = lex.compiled("parser.asset_words", _asset_words)
    mentions = [m for m in find_mentions(tokens, directory) if not names_an_asset(m, tokens, assets)
                and not another_company(tokens, m.start, m.end, directory)]
    taken = {i for m in mentions for i in range(m.start, m.end)}
    named = {a for m in mentions for a in m.scores}
    people = find_by_name(tokens, directory, named, taken)
    taken |= {i for p in people for i in range(p.start, p.end)}
    people += find_by_title(tokens, directory, named, taken)
    taken |= {i for p in people for i in range(p.start, p.end)}
    new_names = find_new_names(tokens, taken, work, directory)
    account = resolve_account(mentions, people, new_names, tokens, work, directory)
    if account.kind == AccountKind.KNOWN and account.account and account.account.id not in named:
        people += find_by_title(tokens, directory, {account.account.id}, taken)
    if intent == Intent.LOG and _only_names_account(tokens, taken, account, mentions):
        intent = Intent.ACCOUNT
    persons = _persons(people, new_names, account)
    if intent != Intent.LOG:
        return Reading(intent, account=account, people=persons, text=text)
    spans = clause_spans(work)
    raw = [work[s:e] for s, e in spans]
    names = [(m.start, m.end) for m in mentions] + [(p.start, p.end) for p in people]
    names += [(n.start, n.end) for n in new_names]
    masked = _mask(work, tokens, names)
    folded = [fold(masked[s:e]).strip() for s, e in spans]
    steps = commitment_clauses(folded, lex)
    heard = [c[: max(0, steps[i])] if i in steps else c for i, c in enumerate(folded)]
    customer = account.kind == AccountKind.KNOWN and account.account is not None and account.account.customer
    signals = read_signals(heard, lex, interaction=True, customer=customer)
    return Reading(
        intent,
        account=account,
        people=persons,
        signals=tuple(signals),
        touches=tuple(read_touches(fold(work), lex)),
        stage=_loyal_customer(read_stage(heard, lex, customer=customer), signals, customer),
        next_step=read_next_step(folded, raw, steps, now.date(), lex, numeric_order(_zone(now), lex)),
        text=text,
    )


def _loyal_customer(stage: StageReading | None, signals: list[SignalReading], customer: bool) -> StageReading | None:
    """Good loyalty news from an account that buys from us (a wish to add a team, a referral) shows it a customer
    even in words the stage lexicon does not know; a threat to leave alone says nothing of the stage."""
    if stage is not None or not customer:
        return stage
    loyal = next((s for s in signals if s.channel == Channel.LOYALTY and s.polarity == Polarity.POSITIVE), None)
    return StageReading(Stage.CUSTOMER, loyal.phrase) if loyal else None


def _zone(now: datetime) -> str | None:
    """The IANA name of the rep's zone, when `now` carries one: it decides how they write 12/10."""
    key = getattr(now.tzinfo, "key", None)
    return key if isinstance(key, str) else None


def _mask(text: str, tokens: list[Token], spans: list[tuple[int, int]]) -> str:
    """Names blanked out letter for letter, so that "Redline Motors" or "Good Foods" is no phrase of the lexicons."""
    chars = list(text)
    for start, end in spans:
        for i in range(tokens[start].start, tokens[end - 1].end):
            if not chars[i].isspace():
                chars[i] = "x"
    return "".join(chars)


def _asset_words(lex: Lexicon) -> list[str]:
    return lex.words("names", "asset_words")


def _shorthand(lex: Lexicon) -> Shorthand:
    return compile_shorthand({**(lex.section("text", "foreign") or {}), **(lex.section("text", "shorthand") or {})})


def _only_names_account(
    tokens: list[Token], taken: set[int], account: AccountReading, mentions: list[AccountMention]
) -> bool:
    """A message that is nothing but an account's name asks for its overview."""
    return account.kind == AccountKind.KNOWN and len(mentions) == 1 and len(taken) == len(tokens)


def _persons(people: list[PersonMatch], new_names: list[NewName], account: AccountReading) -> tuple[PersonReading, ...]:
    out: dict[str, PersonReading] = {}
    account_id = account.account.id if account.account else None
    for p in sorted(people, key=lambda p: p.start):
        contact = p.contact
        if contact is None and account_id:
            inside = [c for c in p.candidates if c.account_id == account_id]
            contact = inside[0] if len(inside) == 1 else None
            if len(inside) > 1:  # two Emilys at the account: the conversation asks which one
                first = inside[0].name.split()[0]
                out.setdefault("ask:" + first, PersonReading(first, mention=first, candidates=tuple(inside)))
        if contact is not None:
            out.setdefault(contact.id, PersonReading(contact.name, contact=contact, title=contact.title))
    for n in new_names:
        if not n.company:
            out.setdefault("new:" + n.name, PersonReading(n.name, title=n.title, mention=n.name))
    return tuple(out.values())
