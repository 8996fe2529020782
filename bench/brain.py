"""Per-account commands at scale: `dmu`, `stage`, `next` and `account` against the floor query.

    .venv/bin/python bench/brain.py --db sqlite|postgres \
        [--accounts 100000 --individuals 500000 --signals 2000000 --samples 200 --seed 7]

1. Builds (or reuses, keyed by size and seed) one workspace in the real schema (`storage.migrate.upgrade`):
   accounts, individuals, signals and, in proportion, interactions, touches, stage events, next steps and
   attitude events, with skewed activity (lognormal: a few accounts with thousands of signals, most with a
   handful). Rows are written in time order across accounts, as a live system writes them, with bulk inserts
   (sqlite3 executemany; COPY through psycopg on PostgreSQL); secondary indexes are dropped before the load
   and re-created from their own DDL after it; then ANALYZE (VACUUM ANALYZE on PostgreSQL).
   SQLite: /tmp/touchpoint-bench/brain-<size>.db; PostgreSQL: database tp_bench_<size>.
2. Warms the parser index (reported on its own: a one-off cost per process), then, for seeded random
   accounts, times each command through the real dispatcher (`app.dispatcher.handle_text("dmu <name>")`)
   and the floor, the single indexed query reading that account's signals:
       SELECT * FROM signal WHERE workspace_id = ? AND account_id = ? ORDER BY occurred_at DESC
   run through the same engine and fully fetched. One untimed pass warms every sampled account first;
   each measured pass runs the five in a shuffled order per account.
3. Prints command, median and p95 ms, the floor's median, and the ratios (command percentile / floor
   percentile). Target: under 3x.
   --profile N runs cProfile over N accounts per command and prints the top costs with file:line.

Options: --rebuild (build again even if a finished build exists), --drop (delete the database after the run),
--pg-url (server to use, default postgresql://postgres@127.0.0.1:5432), --repeat (measured passes).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import math
import os
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.bootstrap import App, bootstrap
from bot.context import Actor
from bot.handlers import dmu as dmu_handler
from bot.handlers import stage as stage_handler
from bot.replies import Tone
from bot.settings import Settings
from domain.names import normalize_name
from domain.personas import persona_for_title
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import ensure_workspace

WS = "bench:brain"
DONE = "touchpoint bench, build complete"  # change it when the generated data changes: old builds are rebuilt
NOW = datetime(2025, 6, 2, 14, 30, tzinfo=UTC)  # fixed: every run reads the same data at the same moment
NOW_TS = int(NOW.timestamp())
DAY = 86_400
HISTORY_DAYS = 730
BENCH_DIR = Path("/tmp/touchpoint-bench")
COMMANDS = ("dmu", "stage", "next", "account")
FLOOR_SQL = "SELECT * FROM signal WHERE workspace_id = :ws AND account_id = :acc ORDER BY occurred_at DESC"

# per logged interaction: signals come from logs (75%) and imports (25%)
INTERACTIONS_PER_SIGNAL = 0.4
STAGE_EVENTS_PER_SIGNAL = 0.1
NEXT_STEPS_PER_SIGNAL = 0.1
ATTITUDE_EVENTS_PER_INDIVIDUAL = 0.2
REPS = [f"U{n:04d}" for n in range(60)]

# -- names ---------------------------------------------------------------------------------------------------
ONSETS = "b br c ch cl d dr f fl g gr h j k kl l m n p pr qu r s sh st t tr v w z".split()  # noqa: SIM905
VOWELS = "a e i o u ai ea io ou y".split()  # noqa: SIM905
CODAS = "n r x l s nt rk lt m v ck st nd th rn ra ro ta vo na lia tix ex ia".split()  # noqa: SIM905
WORDS = (  # noqa: SIM905
    "Apex Blue Cedar Summit Harbor Northern Silver Golden Pacific Atlantic Granite Pioneer Crescent Maple Falcon "
    "Orion Vertex Beacon Cobalt Crimson Emerald Evergreen Frontier Horizon Ironwood Juniper Keystone Lakeside "
    "Meridian Nimbus Oakridge Pinnacle Quantum Redwood Sapphire Sterling Trident Unity Vanguard Willow Zenith"
).split()
SECTORS = (  # noqa: SIM905
    "Logistics Systems Technologies Foods Capital Health Robotics Analytics Energy Partners Laboratories "
    "Industries Manufacturing Services Solutions Media Networks Pharmaceuticals Insurance Bank Airlines Motors "
    "International Consulting Software Freight Brewing Apparel Aerospace Biotech Realty Construction Engineering "
    "Electronics Chemicals Materials Mining Utilities Telecom Security Retail Hotels Holdings Group Ventures"
).split()
SUFFIXES = ["Inc", "Ltd", "GmbH", "S.A.", "LLC", "Corp", "AG", "plc", "B.V."]
FIRST = (  # noqa: SIM905
    "Ana Ben Chen Dana Elif Farah Gustav Hana Ivan Jun Kofi Lena Marco Nia Omar Priya Quinn Rosa Sven Tariq Uma "
    "Vera Wei Ximena Yusuf Zoe Aiko Bruno Carla Dmitri Emma Felix Grace Hugo Ines Jonas Kira Liam Maya Noah Olga "
    "Pablo Rhea Sami Tomas Ursula Viktor Wanda Yara Zain Alice Boris Clara David Eva Frank Greta Henrik Irene"
).split()
LAST = (  # noqa: SIM905
    "Smith Garcia Kim Okafor Nguyen Patel Muller Rossi Silva Tanaka Cohen Larsen Novak Haddad Moreau Ivanova "
    "Jensen Kowalski Mensah Oliveira Park Quispe Ruiz Schmidt Torres Ueda Vargas Wright Yilmaz Zhang Becker "
    "Dubois Eriksen Fischer Gomez Hansen Ito Jovanovic Khan Lopez Martin Nakamura Owusu Petrov Reyes Sato Weber"
).split()
TITLES = [  # (title, weight)
    ("CFO", 3), ("VP Finance", 3), ("Finance Manager", 5), ("Controller", 3), ("CIO", 2), ("CTO", 3),
    ("Head of IT", 5), ("IT Director", 4), ("VP Engineering", 3), ("Procurement Manager", 5),
    ("Head of Procurement", 2), ("VP Sales", 4), ("Sales Operations Manager", 4), ("COO", 2),
    ("Operations Manager", 6), ("CEO", 2), ("Head of Security", 2), ("HR Director", 2), ("Marketing Manager", 4),
    ("Software Engineer", 6), ("Data Analyst", 5), ("Legal Counsel", 2), (None, 10),
]
ROLES = [("user", 15), ("influencer", 12), ("champion", 7), ("decider", 6), ("economic_buyer", 5),
         ("gatekeeper", 4), ("initiator", 4), ("blocker", 2)]
ATTITUDES = [(-2, 4), (-1, 11), (0, 50), (1, 24), (2, 11)]
CHANNELS = [("engagement", 45), ("purchase", 12), ("loyalty", 10), ("sampling", 13), ("chatter", 20)]
POLARITIES = [("positive", 45), ("neutral", 30), ("negative", 25)]
SIGNAL_TEXT = {
    "positive": ["loved the demo", "wants to expand to two more sites", "praised the onboarding team",
                 "said the pilot saved them hours every week", "NPS 9, would recommend us", "renewed early"],
    "neutral": ["asked for the security questionnaire", "wants a reference call", "reviewing the proposal",
                "forwarded the deck to the team", "attended the webinar"],
    "negative": ["says the price is too high for this budget", "worried about the implementation cost",
                 "complained about support response times", "evaluating a cheaper competitor",
                 "mentioned churn risk at renewal", "discount expected before signing"],
}
TOUCH_KINDS = [("call", 30), ("meeting", 25), ("email", 25), ("demo", 8), ("message", 7), ("event", 3),
               ("trial", 2)]
STAGES = ["unaware", "pain_recognition", "solution_understanding", "vendor_selection", "validation", "customer"]
STAGE_WORDS = ["heard about us at an event", "admitted the manual process hurts", "asked how the product works",
               "comparing us with two vendors", "legal review started", "signed the PO"]
STEP_TEXT = ["send the pricing sheet", "book a demo with the team", "follow up on the security review",
             "share the case study", "intro to the CFO", "send the contract draft", "check in after the pilot"]


def weighted(pairs: list[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


def account_names(n: int, rng: random.Random) -> list[tuple[str, list[str], str]]:
    """Distinct company names (distinct cores too), none that reads as an edit verb or a stage override."""
    seen: set[str] = set()
    acronyms: set[str] = set()
    out: list[tuple[str, list[str], str]] = []
    while len(out) < n:
        brand = (rng.choice(WORDS) if rng.random() < 0.2 else
                 (rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) + rng.choice(VOWELS[:5])).capitalize())
        words = [brand] + ([rng.choice(WORDS)] if rng.random() < 0.35 else []) + [rng.choice(SECTORS)]
        core = " ".join(words)
        key = normalize_name(core)
        if key in seen or words[0].lower() in dmu_handler.EDITS:
            continue
        name = core + (" " + rng.choice(SUFFIXES) if rng.random() < 0.6 else "")
        if stage_handler._OVERRIDE.match(name):
            continue
        seen.add(key)
        aliases: list[str] = []
        acronym = "".join(w[0] for w in words).upper()
        if len(words) == 3 and rng.random() < 0.3 and acronym not in acronyms:
            acronyms.add(acronym)
            aliases = [acronym]
        out.append((name, aliases, f"{''.join(words).lower()}.com"))
    return out


def allocate(total: int, weights: list[float], rng: random.Random, *, minimum: int = 0) -> list[int]:
    """`total` split over len(weights) buckets in proportion to the weights (each at least `minimum`)."""
    n = len(weights)
    spread = max(0, total - minimum * n)
    s = sum(weights)
    counts = [minimum + int(w / s * spread) for w in weights]
    for i in rng.choices(range(n), weights=weights, k=max(0, total - sum(counts))):
        counts[i] += 1
    return counts


# -- generation ----------------------------------------------------------------------------------------------
# Every table is a list of tuples in column order; "ts" columns hold epoch seconds until written.
TABLES: dict[str, tuple[list[str], set[str]]] = {
    "account": (["id", "workspace_id", "name", "normalized_name", "aliases", "domain", "segment", "owner_id",
                 "lifecycle", "stage"], set()),
    "individual": (["id", "workspace_id", "account_id", "name", "normalized_name", "title", "persona", "roles",
                    "attitude", "stage"], set()),
    "interaction": (["id", "workspace_id", "account_id", "rep_id", "text", "occurred_at", "individual_ids",
                     "undo"], {"occurred_at"}),
    "signal": (["id", "workspace_id", "account_id", "channel", "polarity", "strength", "text", "occurred_at",
                "individual_ids", "rep_id", "interaction_id"], {"occurred_at"}),
    "touch": (["id", "workspace_id", "account_id", "kind", "occurred_at", "individual_ids", "rep_id",
               "interaction_id"], {"occurred_at"}),
    "next_step": (["id", "workspace_id", "account_id", "owner_id", "text", "due", "done", "individual_ids",
                   "interaction_id"], set()),
    "stage_event": (["id", "workspace_id", "account_id", "stage", "occurred_at", "words", "source",
                     "individual_id", "rep_id", "interaction_id", "reason"], {"occurred_at"}),
    "attitude_event": (["id", "workspace_id", "individual_id", "before", "after", "occurred_at", "reason",
                        "rep_id", "interaction_id"], {"occurred_at"}),
}
TIME_KEY = {"interaction": 5, "signal": 7, "touch": 4, "stage_event": 4, "attitude_event": 5}


def generate(args: argparse.Namespace) -> dict[str, list[tuple[Any, ...]]]:
    rng = random.Random(args.seed)
    hexid = lambda: f"{rng.getrandbits(128):032x}"  # noqa: E731 - uuid4().hex, reproducibly
    n = args.accounts
    activity = [rng.lognormvariate(0, 1.6) for _ in range(n)]
    n_signals = allocate(args.signals, activity, rng)
    n_inter = allocate(round(args.signals * INTERACTIONS_PER_SIGNAL), activity, rng)
    n_stage = allocate(round(args.signals * STAGE_EVENTS_PER_SIGNAL), activity, rng)
    n_steps = allocate(round(args.signals * NEXT_STEPS_PER_SIGNAL), activity, rng)
    n_people = allocate(args.individuals, [a ** 0.5 for a in activity], rng, minimum=1 if args.individuals >= n else 0)
    names = account_names(n, rng)
    title_list, title_w = weighted(TITLES)
    personas = {t: (p.key if (p := persona_for_title(t)) else None) for t in title_list}
    role_list, role_w = weighted(ROLES)
    att_list, att_w = weighted(ATTITUDES)
    ch_list, ch_w = weighted(CHANNELS)
    pol_list, pol_w = weighted(POLARITIES)
    kind_list, kind_w = weighted(TOUCH_KINDS)
    out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    att_id = stage_id = 0

    def when() -> int:  # recent history is denser than old history
        return NOW_TS - int(HISTORY_DAYS * DAY * rng.random() ** 1.6) - rng.randrange(DAY)

    for a in range(n):
        acc = hexid()
        owner = rng.choice(REPS)
        name, aliases, domain = names[a]
        # people
        people: list[tuple[str, str]] = []
        taken: set[str] = set()
        for _ in range(n_people[a]):
            for _try in range(20):
                pname = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if pname not in taken:
                    break
            else:
                pname = f"{rng.choice(FIRST)} {chr(65 + rng.randrange(26))}. {rng.choice(LAST)}"
                if pname in taken:
                    continue
            taken.add(pname)
            pid = hexid()
            title = rng.choices(title_list, title_w)[0]
            roles: list[str] = []
            if rng.random() < 0.55:
                roles.append(rng.choices(role_list, role_w)[0])
                if rng.random() < 0.12:
                    extra = rng.choices(role_list, role_w)[0]
                    if extra not in roles:
                        roles.append(extra)
            attitude = rng.choices(att_list, att_w)[0]
            people.append((pid, pname))
            out["individual"].append((pid, WS, acc, pname, normalize_name(pname), title, personas[title],
                                      json.dumps(roles), attitude, None))
            # most people never move, one in ten moved one to three times
            moves = rng.randint(1, 3) if rng.random() < ATTITUDE_EVENTS_PER_INDIVIDUAL / 2 else 0
            level = attitude
            for t in sorted((when() for _ in range(moves)), reverse=True):  # walk back from today's attitude
                before = max(-2, min(2, level + rng.choice((-1, 1))))
                att_id += 1
                out["attitude_event"].append((att_id, WS, pid, before, level, t, rng.choice(SIGNAL_TEXT[
                    "positive" if level > before else "negative"]), owner, None))
                level = before
        # interactions and their touches
        inters: list[tuple[str, int, list[str]]] = []
        iid: str | None
        for _ in range(n_inter[a]):
            iid, t = hexid(), when()
            who = [p[0] for p in rng.sample(people, min(len(people), rng.choice((1, 1, 1, 2, 2, 3))))]
            inters.append((iid, t, who))
            kind = rng.choices(kind_list, kind_w)[0]
            said = ", ".join(pn for pid, pn in people if pid in who) or "the team"
            logged = rng.random() < 0.6
            undo: dict[str, Any] = {"created_account": None, "created_people": [], "attitudes": {},
                                    "lifecycle": "prospect"}
            note = (f"{kind} with {said} at {name}: {rng.choice(SIGNAL_TEXT[rng.choices(pol_list, pol_w)[0]])}; "
                    f"next: {rng.choice(STEP_TEXT)}")
            out["interaction"].append((iid, WS, acc, owner, note, t, json.dumps(who),
                                       json.dumps(undo if logged else {})))
            out["touch"].append((hexid(), WS, acc, kind, t, json.dumps(who), owner, iid))
        # signals: three in four from a logged interaction, the rest imported
        for _ in range(n_signals[a]):
            polarity = rng.choices(pol_list, pol_w)[0]
            if inters and rng.random() < 0.75:
                iid, t, who = rng.choice(inters)
                rep: str | None = owner
            else:
                iid, t, rep = None, when(), None
                who = [rng.choice(people)[0]] if people and rng.random() < 0.5 else []
            out["signal"].append((hexid(), WS, acc, rng.choices(ch_list, ch_w)[0], polarity,
                                  round(rng.uniform(0.5, 1.5), 2), rng.choice(SIGNAL_TEXT[polarity]), t,
                                  json.dumps(who), rep, iid))
        # stage evidence: moves forward over time, now and then a rep's override
        stage = None
        k = n_stage[a]
        if k:
            top = min(5, rng.choices(range(6), weights=(10, 25, 25, 18, 12, 10))[0] + (k > 20))
            rank = 0
            for i, t in enumerate(sorted(when() for _ in range(k))):
                rank = min(top, max(rank, round(top * (i + 1) / k + rng.uniform(-1, 0.3))))
                src = rng.choices(("signal", "import", "override"), (85, 10, 5))[0]
                iid = rng.choice(inters)[0] if inters and src == "signal" else None
                stage_id += 1
                out["stage_event"].append((stage_id, WS, acc, STAGES[rank], t, STAGE_WORDS[rank], src,
                                           rng.choice(people)[0] if people and rng.random() < 0.7 else None,
                                           owner if src != "import" else None, iid,
                                           "rep's call after the QBR" if src == "override" else None))
            stage = STAGES[rank]
        # next steps: most done, the open ones due around now (some overdue)
        for _ in range(n_steps[a]):
            done = rng.random() < 0.7
            due_days = rng.randint(-60, 30) if not done else -rng.randint(0, HISTORY_DAYS)
            due = (datetime.fromtimestamp(NOW_TS + due_days * DAY, UTC).date().isoformat()
                   if rng.random() < 0.9 else None)
            who = [rng.choice(people)[0]] if people else []
            out["next_step"].append((hexid(), WS, acc, owner, rng.choice(STEP_TEXT), due, done, json.dumps(who),
                                     rng.choice(inters)[0] if inters else None))
        lifecycle = "customer" if stage == "customer" else ("churned" if rng.random() < 0.02 else "prospect")
        out["account"].append((acc, WS, name, normalize_name(name), json.dumps(aliases), domain,
                               rng.choice(("smb", "mid-market", "enterprise")), owner, lifecycle, stage))
    for table, pos in TIME_KEY.items():  # written in time order, as a live system writes them
        out[table].sort(key=lambda r, p=pos: r[p])  # type: ignore[misc]
    out["next_step"].sort(key=lambda r: r[5] or "")
    return out


def ts_text(ts: int, pg: bool) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) + ("+00" if pg else ".000000")


def converted(table: str, rows: Iterable[tuple[Any, ...]], pg: bool) -> Iterator[tuple[Any, ...]]:
    cols, ts_cols = TABLES[table]
    idx = [cols.index(c) for c in ts_cols]
    if not idx:
        yield from rows
        return
    for row in rows:
        r = list(row)
        for i in idx:
            r[i] = ts_text(r[i], pg)
        yield tuple(r)


# -- databases -----------------------------------------------------------------------------------------------
def size_key(args: argparse.Namespace) -> str:
    key = f"a{args.accounts}_i{args.individuals}_s{args.signals}"
    return key + (f"_seed{args.seed}" if args.seed != 7 else "")


class Target:
    """Where the benchmark's database lives, and how to build it fast."""

    url: str
    pg: bool

    def exists(self) -> bool:
        raise NotImplementedError

    def create(self) -> None:
        raise NotImplementedError

    def drop(self) -> None:
        raise NotImplementedError

    def drop_indexes(self) -> list[tuple[str, str]]:
        """Drop the secondary indexes of the data tables; their DDL, to re-create them after the load."""
        raise NotImplementedError

    def create_indexes(self, ddl: list[tuple[str, str]]) -> None:
        raise NotImplementedError

    def load(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError


class SqliteTarget(Target):
    pg = False

    def __init__(self, args: argparse.Namespace) -> None:
        self.path = BENCH_DIR / f"brain-{size_key(args)}.db"
        self.url = f"sqlite:///{self.path}"
        self.conn: sqlite3.Connection | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def create(self) -> None:
        self.drop()
        BENCH_DIR.mkdir(parents=True, exist_ok=True)

    def drop(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(self.path) + suffix).unlink()

    def _conn(self) -> sqlite3.Connection:
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-2000000", "temp_store=MEMORY",
                           "foreign_keys=OFF"):
                self.conn.execute(f"PRAGMA {pragma}")
        return self.conn

    def drop_indexes(self) -> list[tuple[str, str]]:
        c = self._conn()
        ddl = c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                        f"AND tbl_name IN ({','.join('?' * len(TABLES))}) ORDER BY name", list(TABLES)).fetchall()
        for name, _ in ddl:
            c.execute(f'DROP INDEX "{name}"')
        return ddl

    def create_indexes(self, ddl: list[tuple[str, str]]) -> None:
        for _, sql in ddl:
            self._conn().execute(sql)

    def load(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        c = self._conn()
        cols = TABLES[table][0]
        c.execute("BEGIN")
        c.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                      converted(table, rows, False))
        c.execute("COMMIT")

    def finish(self) -> None:
        c = self._conn()
        c.execute("ANALYZE")
        c.execute("PRAGMA journal_mode=WAL")  # what the app's engine sets
        c.close()
        self.conn = None


class PostgresTarget(Target):
    pg = True

    def __init__(self, args: argparse.Namespace) -> None:
        self.base = args.pg_url.rstrip("/")
        self.name = f"tp_bench_{size_key(args)}".lower()
        self.url = f"{self.base}/{self.name}"
        self.conn: Any = None

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(f"{self.base}/{self.admin_db}", autocommit=True)

    admin_db = "postgres"

    def exists(self) -> bool:
        with self._admin() as c:
            return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)).fetchone() is not None

    def create(self) -> None:
        self.drop()
        with self._admin() as c:
            c.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._admin() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _conn(self) -> Any:
        import psycopg

        if self.conn is None:
            self.conn = psycopg.connect(self.url, autocommit=True)
            self.conn.execute("SET synchronous_commit = off")
            self.conn.execute("SET maintenance_work_mem = '1GB'")
            self.conn.execute("SET session_replication_role = replica")  # generated rows are consistent: skip FK checks
        return self.conn

    def drop_indexes(self) -> list[tuple[str, str]]:
        c = self._conn()
        ddl = c.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class x ON x.relname = i.indexname "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.oid) ORDER BY 1",
            (list(TABLES),)).fetchall()
        for name, _ in ddl:
            c.execute(f'DROP INDEX "{name}"')
        return ddl

    def create_indexes(self, ddl: list[tuple[str, str]]) -> None:
        for _, sql in ddl:
            self._conn().execute(sql)

    def load(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        cols = TABLES[table][0]
        c = self._conn()
        with c.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
            for row in converted(table, rows, True):
                cp.write_row(row)

    def finish(self) -> None:
        c = self._conn()
        for table in ("stage_event", "attitude_event"):  # explicit ids were loaded: move the serials past them
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
        c.execute("SET session_replication_role = origin")
        c.execute("VACUUM (ANALYZE)")
        c.close()
        self.conn = None


def target_for(args: argparse.Namespace) -> Target:
    return SqliteTarget(args) if args.db == "sqlite" else PostgresTarget(args)


def is_built(target: Target) -> bool:
    if not target.exists():
        return False
    engine = make_engine(target.url)
    try:
        with engine.connect() as c:
            row = c.execute(text("SELECT name FROM workspace WHERE id = :ws"), {"ws": WS}).first()
        return row is not None and row[0] == DONE
    except Exception:  # noqa: BLE001 - a half-built or foreign database is rebuilt
        return False
    finally:
        engine.dispose()


def build(args: argparse.Namespace, target: Target) -> dict[str, float]:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    target.create()
    engine = make_engine(target.url)
    upgrade(engine)
    ensure_workspace(engine, WS, "building")
    engine.dispose()
    times["schema"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    data = generate(args)
    times["generate"] = time.perf_counter() - t0
    counts = {t: len(r) for t, r in data.items()}
    print("rows: " + ", ".join(f"{t} {c:,}" for t, c in counts.items()), flush=True)
    t0 = time.perf_counter()
    ddl = target.drop_indexes()
    for table in TABLES:  # parents first
        t1 = time.perf_counter()
        target.load(table, data.pop(table))
        print(f"  loaded {table:<15} {counts[table]:>10,} rows in {time.perf_counter() - t1:6.1f} s", flush=True)
    times["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    target.create_indexes(ddl)
    times["indexes"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    target.finish()
    times["analyze"] = time.perf_counter() - t0
    engine = make_engine(target.url)
    with engine.begin() as c:
        c.execute(text("UPDATE workspace SET name = :n WHERE id = :ws"), {"n": DONE, "ws": WS})
    engine.dispose()
    return times


# -- measuring -----------------------------------------------------------------------------------------------
def pct(values: Sequence[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def sample_accounts(app: App, n: int, seed: int) -> list[tuple[str, str, int]]:
    with app.engine.connect() as c:
        rows = c.execute(text("SELECT id, name FROM account WHERE workspace_id = :ws ORDER BY id"), {"ws": WS}).all()
        picked = random.Random(seed * 1_000_003 + 1).sample(rows, min(n, len(rows)))
        out = []
        for acc_id, name in picked:
            k = c.execute(text("SELECT count(*) FROM signal WHERE workspace_id = :ws AND account_id = :a"),
                          {"ws": WS, "a": acc_id}).scalar_one()
            out.append((acc_id, name, int(k)))
    return out


def heavy_accounts(app: App, n: int, seed: int) -> list[tuple[str, str, int]]:
    """n of the 1% of accounts with the most signals (the skewed tail), seeded."""
    with app.engine.connect() as c:
        top = max(n, app_accounts(c) // 100)
        rows = c.execute(text(
            "SELECT a.id, a.name, k.n FROM (SELECT account_id, count(*) AS n FROM signal WHERE workspace_id = :ws "
            "GROUP BY account_id ORDER BY n DESC, account_id LIMIT :top) k JOIN account a ON a.id = k.account_id "
            "ORDER BY k.n DESC, a.id"), {"ws": WS, "top": top}).all()
    return [(r[0], r[1], int(r[2])) for r in random.Random(seed * 7 + 3).sample(rows, min(n, len(rows)))]


def app_accounts(c: Any) -> int:
    return int(c.execute(text("SELECT count(*) FROM account WHERE workspace_id = :ws"), {"ws": WS}).scalar_one())


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def runner(app: App, actor: Actor) -> Callable[[str, str, str], tuple[float, bool]]:
    floor = text(FLOOR_SQL)

    def run(what: str, acc_id: str, name: str) -> tuple[float, bool]:
        if what == "floor":
            t0 = time.perf_counter()
            with app.engine.connect() as c:
                c.execute(floor, {"ws": WS, "acc": acc_id}).fetchall()
            return time.perf_counter() - t0, True
        t0 = time.perf_counter()
        reply = app.dispatcher.handle_text(f"{what} {name}", actor=actor, now=NOW)
        elapsed = time.perf_counter() - t0
        return elapsed, reply.tone not in (Tone.QUESTION, Tone.ERROR) and name in reply.headline

    return run


def measure(app: App, sample: list[tuple[str, str, int]], repeat: int, seed: int
            ) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    actor = Actor(WS, "U0000", name="Bench", tz="Europe/Berlin")
    run = runner(app, actor)
    what = ["floor", *COMMANDS]
    misses: dict[str, list[str]] = {w: [] for w in what}
    for acc_id, name, _ in sample:  # warm pass: the pages of every sampled account are cached for all five
        for w in what:
            if not run(w, acc_id, name)[1]:
                misses[w].append(name)
    bad = {n for v in misses.values() for n in v}
    times: dict[str, list[float]] = {w: [] for w in what}
    order = random.Random(seed)
    for _ in range(repeat):
        for acc_id, name, _k in sample:
            if name in bad:
                continue
            for w in order.sample(what, len(what)):
                times[w].append(run(w, acc_id, name)[0] * 1000)
    return times, misses


CATEGORIES = (  # (label, path fragment or C-function marker) for the own-time breakdown, first match wins
    ("db driver (C + psycopg)", ("sqlite3.", "psycopg", "'execute' of", "'fetch")),
    ("sqlalchemy orm", ("sqlalchemy/orm/",)),
    ("sqlalchemy core/engine/pool", ("sqlalchemy/",)),
    ("sqlmodel + pydantic", ("sqlmodel/", "pydantic")),
    ("parser (domain/understanding)", ("domain/understanding/",)),
    ("touchpoint storage/", ("storage/",)),
    ("touchpoint bot/ + domain/", ("bot/", "domain/")),
)


def _category(file: str, func: str) -> str:
    where = f"{file} {func}"
    for label, marks in CATEGORIES:
        if any(m in where for m in marks):
            return label
    return "python stdlib / other"


def statements_per_call(app: App, run: Callable[[str, str, str], tuple[float, bool]], w: str,
                        sample: list[tuple[str, str, int]]) -> float:
    from sqlalchemy import event

    seen = [0]

    def count(*_a: Any) -> None:
        seen[0] += 1

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        for acc_id, name, _ in sample:
            run(w, acc_id, name)
    finally:
        event.remove(app.engine, "before_cursor_execute", count)
    return seen[0] / len(sample)


def profile(app: App, sample: list[tuple[str, str, int]], n: int, top: int) -> None:
    actor = Actor(WS, "U0000", name="Bench", tz="Europe/Berlin")
    run = runner(app, actor)
    root = str(Path(__file__).resolve().parents[1]) + "/"
    part = sample[:n]
    for w in ("floor", *COMMANDS):
        per_call = statements_per_call(app, run, w, part)
        prof = cProfile.Profile()
        prof.enable()
        for acc_id, name, _ in part:
            run(w, acc_id, name)
        prof.disable()
        st = pstats.Stats(prof)
        total = st.total_tt  # type: ignore[attr-defined]
        own: dict[str, float] = {}
        sites = []
        for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
            file = file.replace(root, "")
            own[_category(file, func)] = own.get(_category(file, func), 0.0) + tt
            if file.startswith(("bot/", "storage/", "domain/")):
                sites.append((ct, tt, nc, file, line, func))
        print(f"\n-- profile: {w} x {len(part)}: {total * 1000 / len(part):.2f} ms per call under cProfile, "
              f"{per_call:.1f} SQL statements per call --")
        print("   own time by layer: " + ", ".join(f"{k} {v / total:.0%}" for k, v in
                                                     sorted(own.items(), key=lambda kv: -kv[1]) if v / total >= 0.01))
        sites.sort(reverse=True)
        for ct, tt, nc, file, line, func in sites[:top]:
            print(f"   {ct / total:6.1%} cum {tt / total:6.1%} own {nc / len(part):6.1f}/call  {file}:{line} {func}")


def report(title: str, times: dict[str, list[float]], sample: list[tuple[str, str, int]],
           misses: dict[str, list[str]]) -> None:
    floor = times["floor"]
    print(f"\n## {title}")
    fm, fp = statistics.median(floor), pct(floor, 95)
    print(f"{'command':<10}{'median ms':>11}{'p95 ms':>10}{'floor median ms':>17}{'ratio median':>14}"
          f"{'ratio p95':>11}{'paired ratio median':>21}")
    for w in ("floor", *COMMANDS):
        v = times[w]
        med, p95 = statistics.median(v), pct(v, 95)
        paired = statistics.median(a / b for a, b in zip(v, floor, strict=True))
        print(f"{w:<10}{med:>11.2f}{p95:>10.2f}{fm:>17.2f}{med / fm:>13.1f}x{p95 / fp:>10.1f}x{paired:>20.1f}x")
    sizes = sorted(k for _, _, k in sample)
    print(f"\n{len(floor)} timings each; signals per sampled account: median {statistics.median(sizes):.0f}, "
          f"p95 {pct(sizes, 95)}, max {sizes[-1]}")
    print("ratio median = command median / floor median; ratio p95 = command p95 / floor p95; "
          "paired = median of per-account command/floor")
    bad = {w: v for w, v in misses.items() if v}
    if bad:
        print("NOT RESOLVED (left out of the timings): " + "; ".join(f"{w}: {len(v)} e.g. {v[0]!r}"
                                                                     for w, v in bad.items()))


def stall(app: App, account: tuple[str, str, int]) -> None:
    """The first command after any account or contact change: every process rebuilds its parser index."""
    with app.engine.begin() as c:  # what SqlUnitOfWork.commit does after accounts/individuals add/update/remove
        c.execute(text("UPDATE workspace SET change_counter = change_counter + 1 WHERE id = :ws"), {"ws": WS})
    actor = Actor(WS, "U0000", name="Bench", tz="Europe/Berlin")
    run = runner(app, actor)
    t0 = time.perf_counter()
    run("dmu", account[0], account[1])
    first = time.perf_counter() - t0
    again = run("dmu", account[0], account[1])[0]
    print(f"after an account/contact change (workspace.change_counter bumped, as any log that moves an attitude or a "
          f"stage does): next `dmu` {first:.2f} s, the one after {again * 1000:.2f} ms")


def code_state() -> str:
    """The commit measured, and the files of bot/ storage/ domain/ that differ from it (others edit in parallel)."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "bot", "storage", "domain"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"{head}" + (f" + {len(changed)} uncommitted file(s) in bot/ storage/ domain/" if changed else "")


def main() -> None:
    p = argparse.ArgumentParser(description="dmu/stage/next/account against the floor query, at scale")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--accounts", type=int, default=100_000)
    p.add_argument("--individuals", type=int, default=500_000)
    p.add_argument("--signals", type=int, default=2_000_000)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--drop", action="store_true", help="delete the benchmark database afterwards")
    p.add_argument("--build-only", action="store_true")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile N accounts per command")
    p.add_argument("--top", type=int, default=14)
    p.add_argument("--profile-heavy", action="store_true", help="profile the heavy accounts instead")
    p.add_argument("--heavy", type=int, default=20, metavar="N", help="also time N accounts of the top 1%% by signals")
    p.add_argument("--no-stall", dest="stall", action="store_false",
                   help="skip timing the first command after a directory change")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"))
    args = p.parse_args()
    target = target_for(args)
    print(f"# {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"database: {target.url}; code: {code_state()}")
    if args.rebuild or not is_built(target):
        started = time.perf_counter()
        phases = build(args, target)
        print(f"build: {time.perf_counter() - started:.1f} s (" +
              ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()) + ")", flush=True)
    else:
        print("build: reused (pass --rebuild to build again)")
    if args.build_only:
        return
    try:
        app = bootstrap(Settings(DATABASE_URL=target.url))  # type: ignore[call-arg]
        rss, t0 = rss_mb(), time.perf_counter()
        app.services.directory(WS)
        print(f"parser index (DirectoryCache, one-off per process): {time.perf_counter() - t0:.2f} s, "
              f"+{rss_mb() - rss:,.0f} MB resident", flush=True)
        sample = sample_accounts(app, args.samples, args.seed)
        heavy = heavy_accounts(app, args.heavy, args.seed) if args.heavy else []
        load = os.getloadavg()[0]
        times, misses = measure(app, sample, args.repeat, args.seed)
        report(f"{len(sample)} random accounts (seed {args.seed}), {args.repeat} measured pass(es)", times, sample,
               misses)
        if heavy:
            times, misses = measure(app, heavy, args.repeat, args.seed)
            report(f"{len(heavy)} accounts from the 1% with the most signals", times, heavy, misses)
        print("\ncommands: " + ", ".join(f'"{w} <exact account name>"' for w in COMMANDS) +
              f" via app.dispatcher.handle_text; floor: {FLOOR_SQL}")
        print(f"load average (1 min) before / after measuring: {load:.2f} / {os.getloadavg()[0]:.2f} "
              f"on {os.cpu_count()} cores (other processes skew p95)")
        if args.stall:
            stall(app, sample[0])
        if args.profile:
            profile(app, heavy if args.profile_heavy else sample, args.profile, args.top)
        app.engine.dispose()
    finally:
        if args.drop:
            target.drop()
            print(f"dropped {target.url}")


if __name__ == "__main__":
    main()
