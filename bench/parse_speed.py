"""read_message alone, in process: the median time of one note on the dev corpus and on the demo world.

    .venv/bin/python bench/parse_speed.py [--root DIR] [--passes 30]
    .venv/bin/python bench/parse_speed.py --against /work/main [--pairs 3]

Two note sets, each read with its own world's Directory built as the bot builds it (bot.parse_contract's
load_directory): "dev" is the dev corpus (../shared/corpus/dev, 85 notes, each at its own `now`), "demo" the
plain-words logs of the generated demo world (36 accounts, 129 people) that bench/log_inprocess.py sends, read
at teams_turns' NOW in a New York rep's zone. Every note is read once to warm the lexicon's compiled rules, then
`--passes` times; the figure is the median of all single reads (perf_counter), with the mean besides.

`--root DIR` runs another tree's code (its domain/ and bot/) on the same notes. `--against DIR` runs this tree
and DIR in turn, `--pairs` times each (A/B/A/B, one fresh process per run), and prints the medians side by side
with their ratio: run it under `flock -x /tmp/touchpoint-bench.lock`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

_ROOT = Path(__file__).resolve().parents[1]
_DEV = _ROOT.parent / "shared" / "corpus" / "dev"
_REP_ZONE = ZoneInfo("America/New_York")  # teams_turns' reps


def note_sets() -> dict[str, tuple[Any, list[tuple[str, datetime]]]]:
    """name -> (directory, [(text, now)]), built with whichever tree is first on sys.path."""
    from bench.teams_turns import NOW, texts, world_of
    from bot.parse_contract import _now, load_directory

    dev_cases = [json.loads(line) for line in (_DEV / "cases.jsonl").read_text().splitlines() if line.strip()]
    sets = {"dev": (load_directory(_DEV / "world.json"), [(c["text"], _now(c)) for c in dev_cases])}
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "demo.json"
        world.write_text(json.dumps(world_of("demo")))
        now = NOW.astimezone(_REP_ZONE)
        sets["demo"] = (load_directory(world), [(t, now) for t in texts("demo", "log")])
    return sets


def measure(passes: int) -> dict[str, dict[str, float]]:
    from domain.understanding import read_message

    out = {}
    for name, (directory, notes) in note_sets().items():
        for text, now in notes:  # compiled rules, typo index: built once, not measured
            read_message(text, now=now, directory=directory)
        times = []
        clock = time.perf_counter
        for _ in range(passes):
            for text, now in notes:
                t0 = clock()
                read_message(text, now=now, directory=directory)
                times.append(clock() - t0)
        out[name] = {"median_us": statistics.median(times) * 1e6, "mean_us": statistics.fmean(times) * 1e6,
                     "notes": len(notes)}
    return out


def _run_tree(root: Path, passes: int) -> dict[str, dict[str, float]]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--root", str(root), "--passes", str(passes), "--json"]
    result = subprocess.run(cmd, check=True, capture_output=True, text=True)
    loaded: dict[str, dict[str, float]] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def compare(other: Path, pairs: int, passes: int) -> None:
    runs: dict[str, list[dict[str, dict[str, float]]]] = {"this": [], "other": []}
    for _ in range(pairs):
        runs["other"].append(_run_tree(other, passes))
        runs["this"].append(_run_tree(_ROOT, passes))
    print(f"this: {_ROOT}  other: {other}  ({pairs} runs each, alternated, {passes} passes a run)")
    for name in runs["this"][0]:
        this = [r[name]["median_us"] for r in runs["this"]]
        that = [r[name]["median_us"] for r in runs["other"]]
        print(f"{name:5} other {' '.join(f'{v:7.0f}' for v in that)} µs | this {' '.join(f'{v:7.0f}' for v in this)}"
              f" µs | median {statistics.median(that):.0f} -> {statistics.median(this):.0f} µs,"
              f" {statistics.median(that) / statistics.median(this):.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=str(_ROOT), help="the tree whose code runs")
    parser.add_argument("--passes", type=int, default=30)
    parser.add_argument("--against", default=None, help="another tree, run alternately with this one")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON line (for --against)")
    args = parser.parse_args(argv)
    if args.against:
        compare(Path(args.against).resolve(), args.pairs, args.passes)
        return
    sys.path.insert(0, str(Path(args.root).resolve()))
    sys.path.insert(1, str(_ROOT))  # bench.teams_turns: the same notes whichever tree runs
    result = measure(args.passes)
    if args.json:
        print(json.dumps(result))
        return
    import domain

    print(f"code: {Path(domain.__file__).resolve().parents[1]}")
    for name, r in result.items():
        print(f"{name:5} {r['notes']:3.0f} notes  median {r['median_us']:7.0f} µs  mean {r['mean_us']:7.0f} µs")


if __name__ == "__main__":
    main()
