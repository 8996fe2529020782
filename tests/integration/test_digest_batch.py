"""The set-based digest read (all reps of a run at once) gives every rep the digest the per-rep read gives.

The reference below is the per-rep read the digest used before the batch path: ten repository calls a rep.
Runs on the test database (SQLite, or PostgreSQL when TOUCHPOINT_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.bootstrap import App
from bot.digest_content import SCOPE_DAYS, RepRun, _goals, gather, gather_all, render
from bot.message_maps import message_map_for
from bot.replies import Section
from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, BuyingRole, Individual, Lifecycle
from domain.digest import Digest, DigestFacts, build_digest, is_active_deal, most_important
from domain.goals import Goal
from domain.listening import Channel, Interaction, Polarity, Signal
from domain.next_steps import NextStep
from domain.schedule import zone
from domain.suggestions import suggest
from storage.uow import SqlUnitOfWork

WEDNESDAY = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # goals come on Mondays
REPS = ["U_A", "U_B", "U_C", "U_D"]
ROLES = list(BuyingRole)
TEXTS = ["worried about the price", "complained about support", "loved the demo", "asked for the ROI calc",
         "budget is frozen", "renewal at risk"]


def reference_facts(uow: SqlUnitOfWork, *, rep_id: str, tz: str, now: datetime,
                    since: datetime | None) -> DigestFacts:
    """The per-rep read, one repository call at a time (as `gather` did before the batch path)."""
    today = now.astimezone(zone(tz)).date()
    since = since or now - timedelta(days=1)
    owned = uow.accounts.all(owner_id=rep_id)
    touched = uow.interactions.accounts_of_rep(rep_id, since=now - timedelta(days=SCOPE_DAYS))
    extra = [a for a in (uow.accounts.get(i) for i in touched - {a.id for a in owned}) if a is not None]
    accounts = owned + extra
    ids = {a.id for a in accounts}
    deals = [a.id for a in accounts if is_active_deal(a)]
    members = uow.individuals.of_accounts(deals)
    last_touch = uow.interactions.last_touch(deals)
    moves = []
    for m in uow.attitudes.since(since):
        person = uow.individuals.get(m.individual_id)
        if person is not None and person.account_id in ids:
            moves.append(m)
            if all(p.id != person.id for p in members.setdefault(person.account_id, [])):
                members[person.account_id].append(person)
    top = most_important(accounts, last_touch)
    suggestion = None
    if top is not None:
        found = suggest(members=members.get(top.id, []), stage=top.stage,
                        open_steps=uow.next_steps.open_for_account(top.id),
                        signals=uow.signals.of_account(top.id, since=now - timedelta(days=90)),
                        message_map=message_map_for(uow), today=today, limit=1)
        suggestion = (top, found[0]) if found else None
    return DigestFacts(
        today=today, now=now, accounts=accounts, steps=uow.next_steps.open_for_owner(rep_id, due_by=today),
        stage_events=[(a, e) for a, e in uow.stage_history.changes_since(since) if a in ids],
        signals=[s for s in uow.signals.since(since) if s.account_id in ids], attitude_moves=moves,
        members=members, last_touch=last_touch,
        goals=_goals(uow, now, tz) if today.isoweekday() == 1 else [], top_suggestion=suggestion,
    )


def seed_world(app: App, workspace: str, now: datetime, seed: int) -> None:
    """A small random workspace touching every digest rule: deals at every stage with and without an economic
    buyer or a second contact, quiet and busy deals, steps due, late, future and done (some on another rep's
    account), stage changes and imports, negative and other signals, new detractors, logs on others' accounts."""
    rng = random.Random(seed)
    app.ensure_workspace(workspace)
    tag = workspace.split(":", 1)[1]  # ids are unique across workspaces

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    with app.services.uow(workspace) as uow:
        accounts = []
        for n in range(48):
            lifecycle = rng.choice([Lifecycle.PROSPECT] * 4 + [Lifecycle.CUSTOMER, Lifecycle.CHURNED])
            stage = rng.choice([None, *Stage])
            owner = rng.choice([*REPS, "U_OTHER", None])
            accounts.append(Account(f"a{tag}-{n:02d}", f"{rng.choice(['Acme', 'Globex', 'Initech'])} {n:02d}",
                                    owner_id=owner, lifecycle=lifecycle, stage=stage))
            uow.accounts.add(accounts[-1])
        uow.commit()
        people: list[Individual] = []
        for a in accounts:
            for k in range(rng.choice([0, 1, 1, 2, 3, 5])):
                roles = tuple(rng.sample(ROLES, rng.choice([0, 1, 1, 2])))
                people.append(Individual(f"{a.id}-p{k}", a.id, f"Person {rng.choice('ABCDE')}{k}", roles=roles,
                                         attitude=rng.choice([-2, -1, 0, 1, 2]),
                                         persona=rng.choice([None, "finance_leader", "it_leader"])))
                uow.individuals.add(people[-1])
        uow.commit()
        for n in range(120):
            a = rng.choice(accounts)
            uow.interactions.add(Interaction(f"i{tag}-{n}", a.id, rng.choice([*REPS, "U_OTHER"]), "logged",
                                             ago(rng.choice([0.2, 2, 10, 13.9, 15, 30, 80, 100]))))
        for n in range(150):
            a = rng.choice(accounts)
            uow.signals.add(Signal(f"s{tag}-{n}", a.id, rng.choice(list(Channel)), rng.choice(list(Polarity)),
                                   ago(rng.choice([0.1, 0.5, 0.9, 1.5, 3, 20, 60, 120])), rng.choice(TEXTS)))
        for n in range(60):
            a = rng.choice(accounts)
            uow.next_steps.add(NextStep(f"n{tag}-{n}", a.id, rng.choice([*REPS, "U_OTHER"]), f"step {n}",
                                        rng.choice([None, now.date() - timedelta(days=rng.choice([0, 1, 3, 12])),
                                                    now.date() + timedelta(days=2)]),
                                        done=rng.random() < 0.2))
        for n in range(30):
            a = rng.choice(accounts)
            uow.stage_history.add(StageEvidence(rng.choice(list(Stage)), ago(rng.choice([0.1, 0.3, 0.8, 1.2, 5])),
                                                f"words {n}", source=rng.choice(["signal", "signal", "import"])),
                                  account_id=a.id)
        for n in range(30):
            p = rng.choice(people)
            before = rng.choice([-1, 0, 1])
            uow.attitudes.add(AttitudeChange(p.id, before, rng.choice([-2, -1, 0, 1]),
                                             ago(rng.choice([0.2, 0.7, 1.5, 4])), f"reason {n}"))
        uow.goals.upsert(Goal(f"g{tag}", "accounts_reaching_stage:validation", "2026-Q4", 3))
        uow.commit()


def digests(facts: dict[str, DigestFacts]) -> dict[str, Digest]:
    return {rep: build_digest(f) for rep, f in facts.items()}


@pytest.mark.parametrize("now", [WEDNESDAY, MONDAY], ids=["wednesday", "monday"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_batch_read_gives_every_rep_the_digest_the_per_rep_read_gives(app: App, workspace: str,
                                                                          now: datetime, seed: int) -> None:
    seed_world(app, workspace, now, seed)
    runs = [RepRun("U_A", "UTC"), RepRun("U_B", "America/New_York", now - timedelta(hours=6)),
            RepRun("U_C", "Asia/Kolkata", now - timedelta(days=3)), RepRun("U_D", "Pacific/Auckland"),
            RepRun("U_NOBODY", "UTC")]
    with app.services.uow(workspace) as uow:
        batch = digests(gather_all(uow, runs, now=now))
        expected = digests({r.rep_id: reference_facts(uow, rep_id=r.rep_id, tz=r.tz, now=now, since=r.since)
                            for r in runs})
        alone = digests({r.rep_id: gather(uow, rep_id=r.rep_id, tz=r.tz, now=now, since=r.since) for r in runs})
    assert batch == expected == alone
    kinds = {i.kind for d in batch.values() for i in d.items}
    assert {"overdue", "due", "stage", "negative", "gap", "quiet", "suggestion"} <= kinds  # the world covers them


def test_a_rep_sees_logged_on_accounts_of_others_and_a_step_elsewhere_shows_no_name(app: App,
                                                                                   workspace: str) -> None:
    now = WEDNESDAY
    app.ensure_workspace(workspace)
    x = workspace.split(":", 1)[1]
    with app.services.uow(workspace) as uow:
        uow.accounts.add(Account(f"{x}-mine", "Mine Co", owner_id="U_A", stage=Stage.VALIDATION))
        uow.accounts.add(Account(f"{x}-theirs", "Theirs Co", owner_id="U_B", stage=Stage.VENDOR_SELECTION))
        uow.accounts.add(Account(f"{x}-far", "Far Co", owner_id="U_B"))
        uow.individuals.add(Individual(f"{x}-p1", f"{x}-theirs", "Eve Econ", roles=(BuyingRole.ECONOMIC_BUYER,)))
        uow.interactions.add(Interaction(f"{x}-i1", f"{x}-theirs", "U_A", "met Eve", now - timedelta(days=20)))
        uow.next_steps.add(NextStep(f"{x}-n1", f"{x}-far", "U_A", "call Far", date(2026, 11, 17)))
        uow.commit()
        facts = gather_all(uow, [RepRun("U_A", "UTC"), RepRun("U_B", "UTC")], now=now)
    texts = {rep: [i.text for i in build_digest(f).items] for rep, f in facts.items()}
    assert "Theirs Co: single-threaded (one contact)" in texts["U_A"]  # logged on it lately: one of U_A's
    assert "Theirs Co: single-threaded (one contact)" in texts["U_B"]
    assert "?: call Far (1 day overdue)" in texts["U_A"]
    assert "Mine Co: no economic buyer known" in texts["U_A"] and not any("Mine" in t for t in texts["U_B"])


def seed_crowded(app: App, workspace: str, now: datetime) -> None:
    """U_A has more than five items of each of four kinds, with ties (same text on one account, names that prefix
    one another); U_B exactly five overdue steps; U_C nothing at all."""
    app.ensure_workspace(workspace)
    x = workspace.split(":", 1)[1]
    today = now.date()
    names = ["Acme", "Acme Co", "Acme: West", "Beta", "Beta Labs", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"]
    with app.services.uow(workspace) as uow:
        for n, name in enumerate(names):
            uow.accounts.add(Account(f"{x}-d{n}", name, owner_id="U_A", stage=Stage.VALIDATION))
        uow.accounts.add(Account(f"{x}-other", "Other Co", owner_id="U_OTHER"))
        uow.accounts.add(Account(f"{x}-b", "Bee Co", owner_id="U_B", lifecycle=Lifecycle.CUSTOMER))
        uow.commit()
        for n in (7, 8, 9):  # 0-6: no economic buyer (7 gaps); 7, 8: single-threaded (2 more); 9: covered
            uow.individuals.add(Individual(f"{x}-eb{n}", f"{x}-d{n}", f"Eve {n}", roles=(BuyingRole.ECONOMIC_BUYER,)))
        uow.individuals.add(Individual(f"{x}-ch9", f"{x}-d9", "Carl Champ", roles=(BuyingRole.CHAMPION,)))
        for n in range(4, 10):  # 0-3 never touched, 4-7 touched 20 days ago: 8 quiet; 8, 9 touched yesterday
            uow.interactions.add(Interaction(f"{x}-i{n}", f"{x}-d{n}", "U_A", "met",
                                             now - timedelta(days=20 if n < 8 else 1)))
        steps = [("d0", "call", 0), ("d0", "call", 0), ("d1", "send deck", 0), ("d2", "demo", 0), ("d3", "mail", 0),
                 ("d4", "quote", 0), ("d5", "visit", 0),  # 7 due today, two of them the same
                 ("d0", "chase", 1), ("d0", "chase", 1), ("d3", "ping", 3), ("d0", "review", 9), ("d1", "review", 9),
                 ("d2", "renew", 5), ("d2", "renew", 5), ("d2", "renew", 5),  # the same three across the cut
                 ("other", "help out", 30),  # 9 overdue
                 ("d4", "later", -2)]  # not due yet
        for n, (acc, text, late) in enumerate(steps):
            uow.next_steps.add(NextStep(f"{x}-s{n:02d}", f"{x}-{acc}", "U_A", text, today - timedelta(days=late)))
        uow.next_steps.add(NextStep(f"{x}-sdone", f"{x}-d0", "U_A", "done one", today - timedelta(days=2), done=True))
        for n in range(5):
            uow.next_steps.add(NextStep(f"{x}-b{n}", f"{x}-b", "U_B", f"step {n}", today - timedelta(days=n + 1)))
        uow.commit()


@pytest.mark.parametrize("now", [WEDNESDAY, MONDAY], ids=["wednesday", "monday"])
def test_only_five_items_a_kind_show_and_the_rest_are_counted(app: App, workspace: str, now: datetime) -> None:
    seed_crowded(app, workspace, now)
    runs = [RepRun("U_A", "UTC"), RepRun("U_B", "UTC"), RepRun("U_C", "UTC")]
    with app.services.uow(workspace) as uow:
        batch = digests(gather_all(uow, runs, now=now))
        expected = digests({r.rep_id: reference_facts(uow, rep_id=r.rep_id, tz=r.tz, now=now, since=r.since)
                            for r in runs})
    assert batch == expected
    crowded = batch["U_A"]
    shown = {k: [i.text for i in crowded.items if i.kind == k] for k in ("overdue", "due", "gap", "quiet")}
    assert all(len(texts) == 5 for texts in shown.values())
    assert crowded.cut == 4 + 2 + 4 + 3  # 9 overdue, 7 due, 9 gaps, 8 quiet
    assert render(crowded).blocks[-1] == Section(None, (f"… and {crowded.cut} more",))
    # by priority, then the account's name as shown ("?" before letters), then the step's words, then the ids
    assert shown["overdue"] == ["?: help out (30 days overdue)", "Acme: review (9 days overdue)",
                                "Acme Co: review (9 days overdue)", "Acme: West: renew (5 days overdue)",
                                "Acme: West: renew (5 days overdue)"]
    x = workspace.split(":", 1)[1]
    assert [i.step_id for i in crowded.items if "renew" in i.text] == [f"{x}-s12", f"{x}-s13"]  # s14 is cut
    assert shown["due"] == ["Acme: call (due today)", "Acme: call (due today)", "Acme Co: send deck (due today)",
                            "Acme: West: demo (due today)", "Beta: mail (due today)"]
    assert shown["gap"] == ["Acme: no economic buyer known", "Acme Co: no economic buyer known",
                            "Acme: West: no economic buyer known", "Beta: no economic buyer known",
                            "Beta Labs: no economic buyer known"]
    assert shown["quiet"][:3] == ["Acme: no touch ever", "Acme Co: no touch ever", "Acme: West: no touch ever"]
    assert batch["U_B"].cut == 0 and len(batch["U_B"].items) == 5
    assert batch["U_C"].is_quiet and batch["U_C"].cut == 0


def test_names_sort_by_code_point_on_every_database(app: App, workspace: str) -> None:
    """Case and accents: the database picks what Python's str order and `importance` pick (PostgreSQL's locale
    collations would put "alpha two" next to "Alpha" and "\u00c9b\u00e8ne" before "Zulu")."""
    now = WEDNESDAY
    app.ensure_workspace(workspace)
    x = workspace.split(":", 1)[1]
    names = ["beta one", "Beta", "\u00c9b\u00e8ne", "Zulu", "alpha two", "Alpha", "\u00c5land", "zeta"]
    with app.services.uow(workspace) as uow:
        for n, name in enumerate(names):
            uow.accounts.add(Account(f"{x}-{n}", name, owner_id="U_A", stage=Stage.VALIDATION))
            uow.next_steps.add(NextStep(f"{x}-s{n}", f"{x}-{n}", "U_A", "call", now.date()))
        uow.commit()
        batch = digests(gather_all(uow, [RepRun("U_A", "UTC")], now=now))
        expected = digests({"U_A": reference_facts(uow, rep_id="U_A", tz="UTC", now=now, since=None)})
    assert batch == expected
    digest = batch["U_A"]
    assert [i.text for i in digest.items if i.kind == "gap"] == [
        f"{name}: no economic buyer known" for name in sorted(names)[:5]]
    # steps due the same day come by step id: their place needs no account name
    assert [i.text.split(":")[0] for i in digest.items if i.kind == "due"] == [
        names[n] for n in sorted(range(len(names)), key=lambda n: f"{x}-s{n}")][:5]
    suggestion = next(i for i in digest.items if i.kind == "suggestion")
    assert suggestion.account_id == f"{x}-2"  # all at one stage, never touched: the last name wins (\u00c9b\u00e8ne)
