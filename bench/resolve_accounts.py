"""Account resolution at scale: our Directory against a plain rapidfuzz scan over every account name.

    .venv/bin/python bench/resolve_accounts.py [--accounts 100000 --contacts 500000 --queries 500 --seed 7]

Builds a synthetic workspace of distinct company names (combinatorial, with legal suffixes), makes noisy
queries (typos, dropped/added suffixes, abbreviations, acronyms, lower case, possessives) and prints, for the
reference (`process.extractOne(query, names, scorer=fuzz.WRatio)`) and for `Directory.search_accounts`,
the median milliseconds per query and top-1 accuracy, plus the ratio of the medians.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz, process

from domain.understanding import Directory, KnownAccount, KnownContact

ONSETS = (  # noqa: SIM905 - a word list reads best as words
    "b br c ch cl d dr f fl g gr h j k kl l m n p pr qu r s sh st t tr v w z"
).split()
VOWELS = (  # noqa: SIM905 - a word list reads best as words
    "a e i o u ai ea io ou y"
).split()
CODAS = (  # noqa: SIM905 - a word list reads best as words
    "n r x l s nt rk lt m v ck st nd th rn ra ro ta vo na lia tix ex ia"
).split()
WORDS = (  # noqa: SIM905 - a word list reads best as words
    "Apex Blue Cedar Summit Harbor Northern Silver Golden Pacific Atlantic Granite Pioneer Crescent "
    "Maple Falcon Orion Vertex Beacon Cobalt Crimson Emerald Evergreen Frontier Horizon Ironwood "
    "Juniper Keystone Lakeside Meridian Nimbus Oakridge Pinnacle Quantum Redwood Sapphire Sterling "
    "Trident Unity Vanguard Willow Zenith Alder Birch Copper Delta Echo Fjord Glacier Highland Indigo "
    "Jade Kestrel Lumen Mosaic"
).split()
SECTORS = (  # noqa: SIM905 - a word list reads best as words
    "Logistics Systems Technologies Foods Capital Health Robotics Analytics Energy Partners "
    "Laboratories Industries Manufacturing Services Solutions Media Networks Pharmaceuticals "
    "Insurance Bank Airlines Motors International Consulting Software Freight Foods Brewing Apparel "
    "Aerospace Biotech Realty Construction Engineering Electronics Chemicals Materials Mining "
    "Utilities Telecom Security Retail Hotels Holdings Group Ventures Studios Dynamics Outfitters "
    "Associates Brothers"
).split()
SUFFIXES = ["Inc", "Inc.", "Ltd", "Ltd.", "GmbH", "S.A.", "LLC", "Corp", "Corporation", "AG", "plc", "Pty Ltd", "B.V."]
ABBREVIATIONS = {
    "International": "Intl",
    "Technologies": "Tech",
    "Manufacturing": "Mfg",
    "Systems": "Sys",
    "Services": "Svcs",
    "Laboratories": "Labs",
    "Pharmaceuticals": "Pharma",
    "Corporation": "Corp",
    "Brothers": "Bros",
    "Associates": "Assoc",
    "Industries": "Inds",
    "Insurance": "Ins",
    "Solutions": "Solns",
    "Holdings": "Hldgs",
    "Management": "Mgmt",
}
FIRST = (  # noqa: SIM905 - a word list reads best as words
    "Ana Ben Chen Dana Elif Farah Gustav Hana Ivan Jun Kofi Lena Marco Nia Omar Priya Quinn Rosa Sven "
    "Tariq Uma Vera Wei Ximena Yusuf Zoe Aiko Bruno Carla Dmitri"
).split()
LAST = (  # noqa: SIM905 - a word list reads best as words
    "Smith Garcia Kim Okafor Nguyen Patel Muller Rossi Silva Tanaka Cohen Larsen Novak Haddad Moreau "
    "Ivanova Jensen Kowalski Mensah Oliveira Park Quispe Ruiz Schmidt Torres Ueda Vargas Wright "
    "Yilmaz Zhang"
).split()


def brand(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(WORDS)
    return (rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) + rng.choice(VOWELS[:5])).capitalize()


def make_accounts(n: int, rng: random.Random) -> list[KnownAccount]:
    seen: set[str] = set()
    acronyms: set[str] = set()
    accounts: list[KnownAccount] = []
    while len(accounts) < n:
        words = [brand(rng)] + ([rng.choice(WORDS)] if rng.random() < 0.35 else []) + [rng.choice(SECTORS)]
        core = " ".join(words)
        if core.lower() in seen:
            continue
        seen.add(core.lower())
        name = core + (" " + rng.choice(SUFFIXES) if rng.random() < 0.6 else "")
        aliases: tuple[str, ...] = ()
        acronym = "".join(w[0] for w in words).upper()
        if len(words) == 3 and rng.random() < 0.3 and acronym not in acronyms:
            acronyms.add(acronym)
            aliases = (acronym,)
        accounts.append(KnownAccount(f"a{len(accounts)}", name, aliases, f"{''.join(words).lower()}.com"))
    return accounts


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice("dist")
    if kind == "d":
        return word[:i] + word[i + 1 :]
    if kind == "i":
        return word[:i] + rng.choice("aeioulnrst") + word[i:]
    if kind == "s":
        return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def core_words(name: str) -> list[str]:
    words = name.split()
    while len(words) > 1 and (words[-1] in SUFFIXES or " ".join(words[-2:]) in SUFFIXES):
        words = words[:-2] if " ".join(words[-2:]) in SUFFIXES else words[:-1]
    return words


def noisy(account: KnownAccount, rng: random.Random) -> tuple[str, str]:
    words = core_words(account.name)
    kind = rng.choice(["typo", "suffix", "abbrev", "acronym", "lower", "possessive", "typo+lower"])
    if kind == "acronym" and account.aliases:
        return account.aliases[0], kind
    if kind == "abbrev" and any(w in ABBREVIATIONS for w in words):
        return " ".join(ABBREVIATIONS.get(w, w) for w in words), kind
    if kind == "suffix":
        has_suffix = len(words) < len(account.name.split())
        return (" ".join(words) if has_suffix else account.name + " " + rng.choice(SUFFIXES)), kind
    if kind == "lower":
        return account.name.lower(), kind
    if kind == "possessive":
        return " ".join(words) + "'s", kind
    i = rng.randrange(len(words))
    words[i] = typo(words[i], rng)
    query = " ".join(words)
    return (query.lower() if kind == "typo+lower" else query), "typo"


def main() -> None:
    parser = argparse.ArgumentParser(description="Account resolution benchmark")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=500_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    accounts = make_accounts(args.accounts, rng)
    contacts = [
        KnownContact(
            f"c{i}",
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            rng.choice(accounts).id,
            rng.choice(["CFO", "VP Sales", "Head of IT", "Procurement Manager", None]),
        )
        for i in range(args.contacts)
    ]
    started = time.perf_counter()
    directory = Directory(accounts, contacts)
    build = time.perf_counter() - started
    names = [a.name for a in accounts]
    queries = [(noisy(a, rng), a.id) for a in rng.sample(accounts, min(args.queries, len(accounts)))]
    t0 = time.perf_counter()
    directory.search_accounts("warm upp", limit=1)  # the first typo builds the typo index, once
    first = time.perf_counter() - t0
    ref_ms, our_ms, ref_ok, our_ok = [], [], 0, 0
    for (query, _), truth in queries:
        t0 = time.perf_counter()
        best = process.extractOne(query, names, scorer=fuzz.WRatio)
        t1 = time.perf_counter()
        ours = directory.search_accounts(query, limit=1)
        t2 = time.perf_counter()
        ref_ms.append((t1 - t0) * 1000)
        our_ms.append((t2 - t1) * 1000)
        ref_ok += bool(best) and accounts[best[2]].id == truth
        our_ok += bool(ours) and ours[0][0].id == truth
    n = len(queries)
    ref, our = statistics.median(ref_ms), statistics.median(our_ms)
    print(f"workspace: {len(accounts)} accounts, {len(contacts)} contacts; Directory built in {build:.2f} s")
    print(f"first query with a typo (builds the typo index once): {first:.2f} s")
    print(f"queries: {n} ({', '.join(sorted({k for (_, k), _ in queries}))})")
    print(f"reference extractOne(WRatio): median {ref:.3f} ms/query, top-1 {ref_ok / n:.1%}")
    print(f"Directory.search_accounts:    median {our:.3f} ms/query, top-1 {our_ok / n:.1%}")
    print(f"ratio (ours / reference): {our / ref:.4f}  (target <= 0.05; accuracy target >= 95%)")


if __name__ == "__main__":
    main()
