import random
from datetime import date, timedelta

from domain.buying import Stage, StageEvidence
from domain.customer import AttitudeChange, BuyingRole, Lifecycle
from domain.digest import (
    PER_KIND,
    DigestFacts,
    RankKey,
    build_digest,
    gap_line,
    gap_priority,
    key_of,
    most_important,
    quiet_line,
    quiet_priority,
    shortlist,
    step_line,
    step_order,
    step_rank,
)
from domain.goals import Goal
from domain.listening import Channel, Polarity
from domain.measurement import Measured
from domain.next_steps import NextStep
from domain.suggestions import Suggestion, TouchFamily
from tests.unit.domain.builders import NOW, account, days_ago, person, signal

TODAY = NOW.date()  # a Wednesday


def facts(**kw: object) -> DigestFacts:
    base: dict[str, object] = dict(today=TODAY, now=NOW, accounts=[account("Acme", Stage.VENDOR_SELECTION)],
                                   steps=[], stage_events=[], signals=[], attitude_moves=[], members={},
                                   last_touch={"a-acme": days_ago(1)})
    base.update(kw)
    return DigestFacts(**base)  # type: ignore[arg-type]


def kinds(f: DigestFacts) -> list[str]:
    return [i.kind for i in build_digest(f).items]


def test_a_quiet_day_has_no_items() -> None:
    members = {"a-acme": [person("Eve Econ", BuyingRole.ECONOMIC_BUYER), person("Carl Champ", BuyingRole.CHAMPION)]}
    assert build_digest(facts(members=members)).is_quiet


def test_overdue_steps_come_before_steps_due_today_and_future_steps_are_left_out() -> None:
    steps = [NextStep("s1", "a-acme", "U1", "send deck", TODAY), NextStep("s2", "a-acme", "U1", "send MSA",
             TODAY - timedelta(days=3)), NextStep("s3", "a-acme", "U1", "call", TODAY + timedelta(days=1))]
    items = build_digest(facts(steps=steps)).items
    steps_items = [i for i in items if i.kind in ("overdue", "due")]
    assert [i.step_id for i in steps_items] == ["s2", "s1"]
    assert "3 days overdue" in steps_items[0].text


def test_stage_changes_show_once_per_account_and_imports_are_not_changes() -> None:
    events = [("a-acme", StageEvidence(Stage.VENDOR_SELECTION, days_ago(0.5), "asked for a demo")),
              ("a-acme", StageEvidence(Stage.VALIDATION, days_ago(0.2), "wants the MSA")),
              ("a-acme", StageEvidence(Stage.CUSTOMER, days_ago(0.1), "imported stage", source="import"))]
    items = [i for i in build_digest(facts(stage_events=events)).items if i.kind == "stage"]
    assert len(items) == 1 and "Validation" in items[0].text and "wants the MSA" in items[0].text


def test_new_negative_listening_signals_and_new_detractors_are_risks() -> None:
    cfo = person("Carla Finch", BuyingRole.ECONOMIC_BUYER, attitude=-1)
    moves = [AttitudeChange(cfo.id, 0, -1, days_ago(0.3), "thinks we're too expensive")]
    signals = [signal(Channel.CHATTER, Polarity.NEGATIVE, 0.2, "complained on LinkedIn"),
               signal(Channel.ENGAGEMENT, Polarity.NEGATIVE, 0.2, "rough call")]
    got = kinds(facts(signals=signals, attitude_moves=moves, members={"a-acme": [cfo]}))
    assert got.count("negative") == 1 and "detractor" in got


def test_active_deals_without_economic_buyer_or_with_one_contact_are_gaps() -> None:
    no_eb = {"a-acme": [person("Una User", BuyingRole.USER), person("Ian Flu", BuyingRole.INFLUENCER)]}
    assert "gap" in kinds(facts(members=no_eb))
    single = {"a-acme": [person("Eve Econ", BuyingRole.ECONOMIC_BUYER)]}
    assert any("single-threaded" in i.text for i in build_digest(facts(members=single)).items)
    customer = account("Acme", Stage.CUSTOMER)
    customer.lifecycle = Lifecycle.CUSTOMER
    assert "gap" not in kinds(facts(accounts=[customer], members=no_eb))


def test_an_active_deal_without_a_touch_for_two_weeks_has_gone_quiet() -> None:
    members = {"a-acme": [person("Eve Econ", BuyingRole.ECONOMIC_BUYER), person("Carl Champ", BuyingRole.CHAMPION)]}
    assert "quiet" in kinds(facts(members=members, last_touch={"a-acme": days_ago(20)}))


def test_goal_progress_comes_on_mondays_only() -> None:
    measured = [Measured(Goal("g", "nps", "2026-Q4", 40), 10.0)]
    monday = date(2026, 11, 16)
    assert "goal" in kinds(facts(goals=measured, today=monday))
    assert "goal" not in kinds(facts(goals=measured))


def test_the_top_suggestion_joins_a_digest_that_has_something_to_say() -> None:
    top = (account("Acme", Stage.VALIDATION), Suggestion("Eve", "Send the business case", "no economic buyer known",
                                                         TouchFamily.COMMUNICATIONS))
    steps = [NextStep("s1", "a-acme", "U1", "send deck", TODAY)]
    assert kinds(facts(steps=steps, top_suggestion=top))[0] == "suggestion"


def test_each_kind_is_capped_and_the_rest_is_counted() -> None:
    steps = [NextStep(f"s{n}", "a-acme", "U1", f"step {n}", TODAY - timedelta(days=n)) for n in range(1, 9)]
    digest = build_digest(facts(steps=steps))
    assert sum(i.kind == "overdue" for i in digest.items) == PER_KIND and digest.cut == 8 - PER_KIND


def test_a_shortlist_with_totals_gives_the_digest_all_the_items_give() -> None:
    rng = random.Random(3)
    for _ in range(200):
        steps = [NextStep(f"s{n:02d}", "a-acme", "U1", rng.choice(["call", "mail", "call back"]),
                          TODAY - timedelta(days=rng.choice([0, 0, 1, 2, 9, 12, 40])))
                 for n in range(rng.randint(0, 14))]
        whole = build_digest(facts(steps=steps))
        keyed: dict[str, list[tuple[RankKey, NextStep]]] = {}
        for s in steps:
            line = step_line("Acme", s.text, s.due, TODAY)
            assert line is not None
            key = key_of(line[0], line[1], *step_order(s.due, s.id), s.account_id, s.id)
            keyed.setdefault(line[0], []).append((key, s))
        short, totals = [], {}
        for kind, found in keyed.items():
            kept, totals[kind] = shortlist(found)
            short += kept
        assert build_digest(facts(steps=short, totals=totals)) == whole
        assert whole.cut == sum(max(n - PER_KIND, 0) for n in totals.values())


def test_steps_go_oldest_due_first_then_by_ids_and_deals_by_account_name() -> None:
    accounts = [account("Acme", Stage.VALIDATION), account("Acme Co", Stage.VALIDATION), account("Beta")]
    steps = [NextStep("s1", "a-acme co", "U1", "call", TODAY), NextStep("s2", "a-beta", "U1", "call", TODAY),
             NextStep("s3", "a-acme", "U1", "send deck", TODAY), NextStep("s4", "a-acme", "U1", "call", TODAY),
             NextStep("s5", "a-elsewhere", "U1", "zzz", TODAY),
             NextStep("s6", "a-beta", "U1", "demo", TODAY - timedelta(days=12)),
             NextStep("s7", "a-acme", "U1", "quote", TODAY - timedelta(days=40)),
             NextStep("s8", "a-beta", "U1", "mail", TODAY - timedelta(days=2))]
    items = build_digest(facts(accounts=accounts, steps=steps, last_touch={})).items
    # the most overdue first (40 and 12 days share the capped priority; the older comes first), then the id
    assert [i.step_id for i in items if i.kind == "overdue"] == ["s7", "s6", "s8"]
    assert [i.step_id for i in items if i.kind == "due"] == ["s1", "s2", "s3", "s4", "s5"]  # by step id
    assert [i.text for i in items if i.kind == "gap"] == ["Acme: no economic buyer known",
                                                          "Acme Co: no economic buyer known"]  # not by line


def test_the_most_important_deal_is_the_furthest_then_the_latest_touched_then_the_last_name() -> None:
    deals = [account("Beta", Stage.VENDOR_SELECTION), account("Acme", Stage.VALIDATION),
             account("Zeta", Stage.VALIDATION), account("Gamma", Stage.VALIDATION)]
    assert most_important(deals, {}) == deals[2]  # none touched: the last name
    assert most_important(deals, {"a-gamma": days_ago(30)}) == deals[3]  # touched beats never touched
    assert most_important(deals, {"a-gamma": days_ago(30), "a-acme": days_ago(1)}) == deals[1]
    assert most_important(deals, {"a-beta": days_ago(0)}) == deals[2]  # the stage comes first


def test_what_ranks_an_item_is_what_its_line_says() -> None:
    """The batch ranks steps and deals by `step_rank`, `gap_priority` and `quiet_priority` before any line is made."""
    for late in (-2, -1, 0, 1, 2, 8, 9, 10, 40):
        due = TODAY - timedelta(days=late)
        line = step_line("Acme", "call", due, TODAY)
        assert step_rank(due, TODAY) == (line[:2] if line else None)
    assert step_rank(None, TODAY) is step_line("Acme", "call", None, TODAY) is None
    for people in (0, 1, 2, 5):
        for has_eb in (True, False):
            gap = gap_line("Acme", people, has_eb)
            assert gap_priority(people, has_eb) == (gap[0] if gap else None)
    cutoff = NOW - timedelta(days=14)
    for last in (None, cutoff - timedelta(seconds=1), cutoff, cutoff + timedelta(days=1)):
        quiet = quiet_line("Acme", last, cutoff)
        assert quiet_priority(last, cutoff) == (quiet[0] if quiet else None)
