from collections.abc import Callable

import pytest

from domain.understanding import Reading


def people(reading: Reading) -> list[str]:
    return [p.name for p in reading.people]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lunch with Robert Chen from Tyrell", ["Robert Chen"]),
        ("bob chen from tyrell wants pricing", ["Robert Chen"]),  # nickname, lower case
        ("Kate Dubois said the rollout plan works", ["Katherine Dubois"]),
        ("Will Osei asked for references", ["William Osei"]),
        ("Miles + Katherine joined the Cyberdyne call", ["Miles Dyson", "Katherine Dubois"]),
    ],
)
def test_finds_known_contacts_by_name_and_nickname(
    read: Callable[..., Reading], text: str, expected: list[str]
) -> None:
    assert people(read(text)) == expected


def test_a_first_name_shared_across_accounts_is_decided_by_the_account(read: Callable[..., Reading]) -> None:
    assert people(read("Nina at Nakatomi asked for the ROI model")) == ["Nina Alvarez"]
    assert people(read("Nina from Massive Dynamic sent the questionnaire")) == ["Nina Petrova"]


def test_a_first_name_shared_across_accounts_without_an_account_names_nobody(read: Callable[..., Reading]) -> None:
    assert people(read("Nina asked for the ROI model")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tyrell cfo ok with the discount", ["Robert Chen"]),
        ("Cyberdyne's Chief Information Officer wants a demo", ["Katherine Dubois"]),
        ("met their engineering director at Cyberdyne", ["Miles Dyson"]),
        ("Nakatomi finance director asked about payment terms", ["Nina Alvarez"]),
        ("Gringotts head of IT is blocking", ["Griphook Ragnok"]),
    ],
)
def test_finds_a_contact_by_title_at_the_account(read: Callable[..., Reading], text: str, expected: list[str]) -> None:
    assert people(read(text)) == expected


def test_a_title_nobody_at_the_account_holds_names_nobody(read: Callable[..., Reading]) -> None:
    assert people(read("Tyrell's CISO forwarded our proposal")) == []


def test_a_new_title_holder_is_not_the_known_one(read: Callable[..., Reading]) -> None:
    assert people(read("Tyrell has a new CFO, intro next week")) == []


def test_a_former_title_holder_is_not_the_known_one(read: Callable[..., Reading]) -> None:
    assert people(read("Tyrell's former CFO posted on LinkedIn that they miss our tool")) == []


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        ("Met Jaime Torres, new Head of Procurement at Oscorp", "Jaime Torres", "Head of Procurement"),
        ("Oscorp's plant manager Kofi Mensah says downtime costs them a fortune", "Kofi Mensah", "plant manager"),
        ("Spoke with Lea Martin, VP Finance at Tyrell", "Lea Martin", "VP Finance"),
        ("Lunch with Mei Ling Tan, CTO of Orchid Data Systems", "Mei Ling Tan", "CTO"),  # the company is not her title
    ],
)
def test_a_new_person_is_named_as_written_with_their_title(
    read: Callable[..., Reading], text: str, name: str, title: str
) -> None:
    reading = read(text)
    new = [p for p in reading.people if not p.is_known]
    assert [(p.name, p.title) for p in new] == [(name, title)]


@pytest.mark.parametrize(
    ("text", "person", "account"),
    [
        ("Call with Zed Quorn at Oscorp, wants pricing", "Zed Quorn", "Oscorp Industries, Inc."),
        ("Spoke to Thandiwe Nkosi at Tyrell about the renewal", "Thandiwe Nkosi", "Tyrell Corp"),
        ("Call with Zed Quorn at Vexillo Dynamics, wants pricing", "Zed Quorn", "Vexillo Dynamics"),
        ("Met Zed Quorn from Vexillo, keen on a pilot", "Zed Quorn", "Vexillo"),
        # small words inside a name
        ("Email from Fenna de Vries at Oscorp: renewal at risk", "Fenna de Vries", "Oscorp Industries, Inc."),
        ("Call with Pieter van der Berg from Tyrell, wants a quote", "Pieter van der Berg", "Tyrell Corp"),
        ("Met Abdullah bin Rashid at Vexillo Dynamics, keen on a pilot", "Abdullah bin Rashid", "Vexillo Dynamics"),
    ],
)
def test_a_new_name_before_at_or_from_and_a_company_is_a_person_whatever_their_first_name(
    read: Callable[..., Reading], text: str, person: str, account: str
) -> None:
    reading = read(text)
    assert [p.name for p in reading.people if not p.is_known] == [person]
    found = reading.account.account.name if reading.account.account else reading.account.new_name
    assert found == account


def test_a_surname_after_a_first_name_we_do_not_know_is_someone_new(read: Callable[..., Reading]) -> None:
    reading = read("Ingrid Dyson from Cyberdyne called about the renewal")
    assert [p.name for p in reading.people] == ["Ingrid Dyson"]
    assert all(not p.is_known for p in reading.people)  # not Miles Dyson
