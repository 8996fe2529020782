"""An invented workspace for the parser's unit tests (not the dev corpus world)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from domain.understanding import Directory, KnownAccount, KnownContact, Reading, read_message

ACCOUNTS = [
    KnownAccount("acme", "Acme Corporation", (), "acme.com"),
    KnownAccount("acme-an", "Acme Analytics Ltd", (), "acmeanalytics.io"),
    KnownAccount("cyber", "Cyberdyne Systems", ("Cyberdyne",), "cyberdyne.com"),
    KnownAccount("tyrell", "Tyrell Corp", (), "tyrell.com"),
    KnownAccount("oscorp", "Oscorp Industries, Inc.", (), "oscorp.com"),
    KnownAccount("massive", "Massive Dynamic GmbH", (), "massivedynamic.de"),
    KnownAccount("nakatomi", "Nakatomi Trading Co.", ("Nakatomi",), "nakatomi.jp"),
    KnownAccount("gnb", "Gringotts National Bank", ("GNB",), "gringotts.co.uk"),
    KnownAccount("ollivander", "Ollivander's Wands", (), "ollivanders.com"),
    KnownAccount("initech", "Initech Systems", ("Initech",), "initech.com", customer=True),
]
CONTACTS = [
    KnownContact("p1", "Robert Chen", "tyrell", "Chief Financial Officer", ("economic_buyer",)),
    KnownContact("p2", "Katherine Dubois", "cyber", "CIO", ("decider",)),
    KnownContact("p3", "Miles Dyson", "cyber", "Director of Engineering", ("influencer",)),
    KnownContact("p4", "William Osei", "oscorp", "VP Sales", ("decider",)),
    KnownContact("p5", "Nina Petrova", "massive", "Head of Procurement", ("gatekeeper",)),
    KnownContact("p6", "Nina Alvarez", "nakatomi", "Finance Director", ("economic_buyer",)),
    KnownContact("p7", "Hiro Sato", "acme", "COO", ("decider",)),
    KnownContact("p8", "Griphook Ragnok", "gnb", "Head of IT", ("influencer",)),
    KnownContact("p9", "Ayla Demir", "acme-an", "CTO", ("decider",)),
    KnownContact("p10", "Peter Gibbons", "initech", "Head of Operations", ("user",)),
]
NEW_YORK = ZoneInfo("America/New_York")
WEDNESDAY = datetime(2026, 11, 18, 17, 30, tzinfo=NEW_YORK)


@pytest.fixture(scope="session")
def directory() -> Directory:
    return Directory(ACCOUNTS, CONTACTS)


@pytest.fixture(scope="session")
def read(directory: Directory) -> Callable[..., Reading]:
    def _read(text: str, now: datetime = WEDNESDAY) -> Reading:
        return read_message(text, now=now, directory=directory)

    return _read
