"""The demo workspace generator: deterministic, consistent and realistic enough to demo every feature."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.dataio.rows import AccountIn, ContactIn, GoalIn, InteractionIn, NextStepIn, RepIn
from bot.demo_world import build_demo_world
from domain.buying import Stage
from domain.customer import BuyingRole
from domain.goals import validate_metric
from domain.listening import TOUCH_KINDS, Channel, Polarity
from domain.personas import persona_for_title

TODAY = date(2026, 11, 23)
TZ = "America/New_York"


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    return build_demo_world(today=TODAY, tz=TZ)


def test_the_same_day_gives_the_same_world() -> None:
    assert build_demo_world(today=TODAY) == build_demo_world(today=TODAY)
    assert json.dumps(build_demo_world(today=TODAY)) == json.dumps(build_demo_world(today=TODAY))


def test_another_day_moves_the_history_with_it() -> None:
    now, later = build_demo_world(today=TODAY), build_demo_world(today=TODAY + timedelta(days=7))
    assert later != now
    assert max(i["at"] for i in later["interactions"]) > max(i["at"] for i in now["interactions"])


def test_the_rep_arguments_are_used(world: dict[str, Any]) -> None:
    w = build_demo_world(today=TODAY, rep_id="U_ME", rep_name="Me", tz="Europe/Berlin")
    assert w["reps"][0] == {"id": "U_ME", "name": "Me", "tz": "Europe/Berlin"}
    assert {a["owner"] for a in w["accounts"]} == {"U_ME", "U_COLLEAGUE"}
    assert {i["rep"] for i in w["interactions"]} <= {"U_ME", "U_COLLEAGUE"}


def test_there_are_about_three_dozen_accounts_with_two_to_six_contacts_each(world: dict[str, Any]) -> None:
    assert 30 <= len(world["accounts"]) <= 40
    per_account = Counter(c["account"] for c in world["contacts"])
    assert all(2 <= per_account[a["name"]] <= 6 for a in world["accounts"])
    names = [a["name"] for a in world["accounts"]]
    assert len(set(names)) == len(names)
    assert len({c["name"] for c in world["contacts"]}) == len(world["contacts"])


def test_every_contact_belongs_to_an_existing_account(world: dict[str, Any]) -> None:
    accounts = {a["name"] for a in world["accounts"]}
    assert all(c["account"] in accounts for c in world["contacts"])


def test_every_person_named_in_an_interaction_or_step_belongs_to_its_account(world: dict[str, Any]) -> None:
    staff = defaultdict(set)
    for c in world["contacts"]:
        staff[c["account"]].add(c["name"])
    for row in world["interactions"] + world["next_steps"]:
        assert row["people"] and set(row["people"]) <= staff[row["account"]], row


def test_interactions_happen_in_the_four_weeks_before_today(world: dict[str, Any]) -> None:
    zone = ZoneInfo(TZ)
    for i in world["interactions"]:
        at = datetime.fromisoformat(i["at"])
        assert at.tzinfo is not None
        local = at.astimezone(zone).date()
        assert TODAY - timedelta(days=31) <= local < TODAY, i


def test_active_accounts_have_three_to_six_interactions_in_order(world: dict[str, Any]) -> None:
    per_account = Counter(i["account"] for i in world["interactions"])
    assert len(per_account) >= 24
    assert all(3 <= n <= 6 for n in per_account.values())
    for name in per_account:
        times = [i["at"] for i in world["interactions"] if i["account"] == name]
        assert times == sorted(times)


def test_stages_never_move_backwards_within_an_account(world: dict[str, Any]) -> None:
    by_account: dict[str, list[Stage]] = defaultdict(list)
    for i in sorted(world["interactions"], key=lambda i: i["at"]):
        if i["stage"]:
            by_account[i["account"]].append(Stage(i["stage"]))
    for stages in by_account.values():
        assert [s.rank for s in stages] == sorted(s.rank for s in stages)


def test_roles_attitudes_touches_signals_and_stages_are_valid(world: dict[str, Any]) -> None:
    for c in world["contacts"]:
        assert c["roles"] and all(BuyingRole(r) for r in c["roles"])
        assert -2 <= c["attitude"] <= 2
    for i in world["interactions"]:
        assert i["touch"] in TOUCH_KINDS
        assert i["stage"] is None or Stage(i["stage"])
        assert i["signals"]
        for s in i["signals"]:
            assert Channel(s["channel"]) and Polarity(s["polarity"]) and 0 <= s["strength"] <= 1
    for g in world["goals"]:
        validate_metric(g["metric"])


def test_every_contact_title_maps_to_a_persona(world: dict[str, Any]) -> None:
    unmapped = [c["title"] for c in world["contacts"] if persona_for_title(c["title"]) is None]
    assert unmapped == []


def test_the_importer_accepts_every_row(world: dict[str, Any]) -> None:
    for key, model in (("reps", RepIn), ("accounts", AccountIn), ("contacts", ContactIn),
                       ("interactions", InteractionIn), ("next_steps", NextStepIn), ("goals", GoalIn)):
        for row in world[key]:
            model.model_validate(row)


def test_the_storylines_a_demo_needs_are_there(world: dict[str, Any]) -> None:
    lifecycles = Counter(a["lifecycle"] for a in world["accounts"])
    assert lifecycles["prospect"] > lifecycles["customer"] > lifecycles["churned"] >= 2
    assert any(a["aliases"] for a in world["accounts"])
    assert {a["owner"] for a in world["accounts"]} == {"U_DEMO", "U_COLLEAGUE"}
    assert any(c["title"] == "CFO" and c["attitude"] == -2 for c in world["contacts"])  # the detractor CFO
    assert max(Counter(c["account"] for c in world["contacts"]).values()) >= 5  # a multi-threaded deal
    channels = {s["channel"] for i in world["interactions"] for s in i["signals"]}
    assert channels == {c.value for c in Channel}
    assert any(s["channel"] == "loyalty" and s["polarity"] == "negative"
               for i in world["interactions"] for s in i["signals"])  # a renewal at risk
    open_dues = [date.fromisoformat(s["due"]) for s in world["next_steps"] if not s["done"]]
    assert any(d < TODAY for d in open_dues) and TODAY in open_dues and any(d > TODAY for d in open_dues)
    assert {s["owner"] for s in world["next_steps"]} == {"U_DEMO", "U_COLLEAGUE"}
    assert world["goals"]


def _dev_world() -> dict[str, Any] | None:
    candidates = [os.environ.get("TOUCHPOINT_DEV_WORLD", ""), "/work/shared/corpus/dev/world.json",
                  str(Path(__file__).parents[2] / "corpus" / "dev" / "world.json")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            data: dict[str, Any] = json.loads(Path(candidate).read_text(encoding="utf-8"))
            return data
    return None


def test_no_company_or_person_of_the_dev_corpus_is_reused(world: dict[str, Any]) -> None:
    dev = _dev_world()
    if dev is None:
        pytest.skip("dev corpus world.json not available")
    def words(name: str) -> set[str]:
        return {w.strip(".,'").lower() for w in name.split() if len(w.strip(".,'")) > 2}

    # A dev company is known by the first word of its name or alias ("Contoso", "Fabrikam"...).
    dev_marks = {sorted(words(n), key=n.lower().find)[0] for a in dev["accounts"]
                 for n in [a["name"], *a.get("aliases", [])] if words(n)}
    dev_people = {w.lower() for c in dev["contacts"] for w in c["name"].split()}
    for a in world["accounts"]:
        for name in [a["name"], *a["aliases"]]:
            assert not words(name) & dev_marks, name
    for c in world["contacts"]:
        assert not {w.lower() for w in c["name"].split()} & dev_people, c["name"]
