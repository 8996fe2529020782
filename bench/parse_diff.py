"""Differential check of the parser: this tree's read_message against another tree's (main) on many notes.

    .venv/bin/python bench/parse_diff.py [--against /work/main] [--show 10]

The notes: the dev corpus and the held-out corpora (each case at its own `now`), the demo world's bench logs and
its history's notes, every string literal of the parser's unit tests that reads like a note, and variants of all
of them (lower-cased, punctuation changed, two notes joined). Each note is read in every world: the unit tests'
workspace (with the accounts the tests build inline), the dev and held-out corpus worlds and the demo world,
each Directory built by the tree under test. Both trees run in a subprocess of their own (the tree first on
sys.path) and print the repr of every whole Reading (or of the exception, should the rules raise: read_message
would hide it); the check counts the readings that differ and exits 1 when any does.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

_ROOT = Path(__file__).resolve().parents[1]
_CORPUS = _ROOT.parent / "shared" / "corpus" / "dev"
_HELDOUT = _ROOT / "tests" / "unit" / "understanding" / "heldout"
_TESTS = _ROOT / "tests" / "unit"
_WEDNESDAY = ("2026-11-18T17:30:00", "America/New_York")  # the unit tests' now
_NOWS = [_WEDNESDAY, ("2027-02-26T09:00:00", "Europe/Berlin"), ("2026-12-31T23:30:00", "UTC")]
# accounts the unit tests build inline, read in one more world besides the tests' own workspace
_EXTRA_ACCOUNTS = [("umbra", "Umbra Ltd", ["Umbra"]), ("umbra-f", "Umbra Foods", []), ("target", "Target", []),
                   ("summit", "Summit Health", []), ("contoso", "Contoso Ltd", []),
                   ("vdb", "Van der Berg Zorg BV", []), ("meridian", "Meridian Freightways", []),
                   ("blue", "Blue Yonder Airlines", []), ("globex", "Globex Corporation", []),
                   ("quibble", "Quibble Labs", [])]
WORLDS = ["unit", "unit+", "dev", "heldout1", "heldout2", "heldout3", "demo"]


# ---------------------------------------------------------------- the notes (built here, the same for both trees)


def _cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _literals() -> list[str]:
    """String literals of the unit tests that read like a note: letters and at least two words."""
    found: list[str] = []
    for path in sorted(_TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if len(text.split()) >= 2 and len(text) < 600 and any(c.isalpha() for c in text):
                    found.append(text)
    return found


def _variants(text: str) -> list[str]:
    swapped = text.replace(",", " -").replace(".", "!").replace(":", ";")
    bare = "".join(c for c in text if c.isalnum() or c.isspace() or c == "'")
    return [text.lower(), swapped, bare, text.upper()]


def notes(demo_world: dict[str, Any], demo_logs: list[str]) -> list[tuple[str, tuple[str, str]]]:
    """(text, (now, zone)) for every note to read, without repeats."""
    out: dict[tuple[str, tuple[str, str]], None] = {}
    base: list[str] = []
    for path in [_CORPUS / "cases.jsonl", *sorted(_HELDOUT.glob("cases*.jsonl"))]:
        for case in _cases(path):
            out[(case["text"], (case["now"], case.get("tz") or "UTC"))] = None
            base.append(case["text"])
    base += demo_logs + [i["text"] for i in demo_world["interactions"] if i.get("text")]
    base += [s["text"] for s in demo_world["next_steps"] if s.get("text")]
    base += _literals()
    for text in base:
        for now in _NOWS:
            out[(text, now)] = None
        for variant in _variants(text):
            out[(variant, _WEDNESDAY)] = None
    for a, b in zip(base, base[7:] + base[:7], strict=True):  # two notes in one message
        out[(f"{a}. {b}", _WEDNESDAY)] = None
        out[(f"{a}, {b.lower()}", _WEDNESDAY)] = None
    return list(out)


# ---------------------------------------------------------------- the worker (one per tree)


def _directories(demo_world: dict[str, Any]) -> dict[str, Any]:
    from bot.parse_contract import load_directory
    from domain.understanding import Directory, KnownAccount
    from tests.unit.understanding.conftest import ACCOUNTS, CONTACTS

    extra = [KnownAccount(i, name, tuple(aliases)) for i, name, aliases in _EXTRA_ACCOUNTS]
    out = {"unit": Directory(ACCOUNTS, CONTACTS), "unit+": Directory([*ACCOUNTS, *extra], CONTACTS),
           "dev": load_directory(_CORPUS / "world.json")}
    for n, world in enumerate(sorted(_HELDOUT.glob("world*.json")), 1):
        out[f"heldout{n}"] = load_directory(world)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.json"
        path.write_text(json.dumps(demo_world))
        out["demo"] = load_directory(path)
    return out


def work(root: Path, job_file: Path, worlds: list[str]) -> None:
    """Read every note of the job file in every world with this process's tree; one repr per line."""
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(_ROOT))  # the unit tests' workspace, should the other tree lack it
    from domain.understanding.parser import _read

    job = json.loads(job_file.read_text())
    directories = _directories(job["demo_world"])
    out = sys.stdout
    for name in worlds:
        directory = directories[name]
        for text, (now, zone) in job["notes"]:
            when = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo(zone))
            try:
                seen = repr(_read(text, when, directory))
            except Exception as exc:  # noqa: BLE001 - what raised is part of the reading compared
                seen = f"raised {type(exc).__name__}: {exc}"
            out.write(json.dumps(seen) + "\n")


def _run(root: Path, job_file: Path, worlds: list[str]) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(root), "--job", str(job_file),
           "--worlds", ",".join(worlds)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="/work/main", help="the reference tree")
    parser.add_argument("--show", type=int, default=10, help="differences printed in full")
    parser.add_argument("--worlds", default=",".join(WORLDS), help="the worlds to read in (default: all)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--job", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    worlds = [w for w in args.worlds.split(",") if w]
    if args.worker:
        work(Path(args.worker), Path(args.job), worlds)
        return
    sys.path.insert(0, str(_ROOT))
    from bench.teams_turns import texts, world_of

    demo_world = world_of("demo")
    todo = notes(demo_world, texts("demo", "log"))
    with tempfile.TemporaryDirectory() as tmp:
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps({"notes": todo, "demo_world": demo_world}))
        theirs, ours = _run(Path(args.against).resolve(), job_file, worlds), _run(_ROOT, job_file, worlds)
        expected, got = theirs.communicate()[0].splitlines(), ours.communicate()[0].splitlines()
    if theirs.returncode or ours.returncode or len(expected) != len(todo) * len(worlds) or len(got) != len(expected):
        sys.exit(f"a worker failed: exit {theirs.returncode}/{ours.returncode}, {len(expected)}/{len(got)} lines")
    cases = [(world, note) for world in worlds for note in todo]
    differ = [(cases[i], a, b) for i, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]
    raised = sum(1 for line in got if json.loads(line).startswith("raised "))
    for (world, (text, now)), a, b in differ[: args.show]:
        print(f"--- {world} {now} {text!r}\n  {args.against}: {json.loads(a)}\n  this tree: {json.loads(b)}")
    print(f"{len(todo)} notes x {len(worlds)} worlds = {len(cases)} readings compared with {args.against}: "
          f"{len(differ)} differences ({raised} readings of this tree raised)")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
