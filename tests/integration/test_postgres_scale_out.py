"""PostgreSQL scale-out: several bot processes on one database start and write safely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import _drop_pg_database, _fresh_pg_database
from tests.integration.helpers import FIXTURES


def _run(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_processes_starting_together_on_a_fresh_database_migrate_once_and_all_work(
        pg_admin_url: str, tmp_path: Path) -> None:
    url, name = _fresh_pg_database(pg_admin_url)
    try:
        env = {**os.environ, "DATABASE_URL": url, "HOME": str(tmp_path), "TOUCHPOINT_WORKSPACE": "console:scale"}
        procs = [_run(["db", "upgrade"], env) for _ in range(4)]
        results = [p.communicate(timeout=120) for p in procs]
        assert all(p.returncode == 0 for p in procs), results
        imports = [_run(["import", str(FIXTURES / "world.json")], env) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in imports]
        assert all(p.returncode == 0 for p in imports), outs
        exported = subprocess.run([sys.executable, "-m", "bot", "export"], env=env, capture_output=True,
                                  text=True, timeout=120)
        assert exported.stdout.count('"name": "Globex Corporation"') == 1  # upserts, even in parallel
    finally:
        _drop_pg_database(pg_admin_url, name)
