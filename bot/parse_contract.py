"""The parser contract: a corpus world and JSON-line cases in, one JSON line of what was understood per case out.

Usage: python -m bot.parse_contract --world world.json < cases.jsonl > out.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from domain.understanding import Directory, Reading


def load_directory(world_path: Path) -> Directory:
    """One Directory from a corpus world: accounts get ids, contacts point at their account's id."""
    from domain.understanding import Directory, KnownAccount, KnownContact

    world = json.loads(Path(world_path).read_text(encoding="utf-8"))
    accounts, ids = [], {}
    for n, row in enumerate(world.get("accounts", []), 1):
        ids[row["name"]] = f"acc-{n}"
        accounts.append(KnownAccount(f"acc-{n}", row["name"], tuple(row.get("aliases") or ()), row.get("domain"),
                                     customer=row.get("lifecycle") == "customer"))
    contacts = [
        KnownContact(
            f"con-{n}",
            row["name"],
            ids.get(row.get("account", ""), ""),
            row.get("title"),
            tuple(row.get("roles") or ()),
        )
        for n, row in enumerate(world.get("contacts", []), 1)
    ]
    return Directory(accounts, contacts)


def _now(case: dict[str, Any]) -> datetime:
    now = datetime.fromisoformat(case["now"])
    zone = ZoneInfo(case.get("tz") or "UTC")
    return now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)


def to_expect(case_id: object, reading: Reading) -> dict[str, Any]:
    """A Reading in the corpus `expect` shape."""
    from domain.understanding import AccountKind, Intent

    acc = reading.account
    account: Any = None
    if acc.kind == AccountKind.KNOWN and acc.account:
        account = acc.account.name
    elif acc.kind == AccountKind.NEW:
        account = {"new": acc.new_name}
    elif acc.kind == AccountKind.AMBIGUOUS:
        account = {"ambiguous": [a.name for a in acc.candidates]}
    query = reading.intent != Intent.LOG
    return {
        "id": case_id,
        "intent": reading.intent.value,
        "account": account,
        "people": [p.name for p in reading.people if not p.candidates],  # an undecided person is nobody yet
        "signals": []
        if query
        else [{"channel": s.channel.value, "polarity": s.polarity.value} for s in reading.signals],
        "stage": reading.stage.stage.value if reading.stage and not query else None,
        "next_step": None
        if query or reading.next_step is None
        else {"due": reading.next_step.due.isoformat() if reading.next_step.due else None},
    }


def run_contract(world_path: Path, lines: Iterable[str], out: TextIO) -> None:
    """Read each JSON-line case with one Directory and write one JSON line per case; bad lines go to stderr."""
    from domain.understanding import read_message

    directory = load_directory(world_path)
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            reading = read_message(str(case["text"]), now=_now(case), directory=directory)
            out.write(json.dumps(to_expect(case.get("id"), reading), ensure_ascii=False) + "\n")
        except (ValueError, KeyError, TypeError) as exc:
            print(f"line {n}: {type(exc).__name__}: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, required=True, help="world.json of the corpus")
    args = parser.parse_args(argv)
    run_contract(args.world, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
