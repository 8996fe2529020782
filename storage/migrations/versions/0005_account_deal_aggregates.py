"""per-deal aggregates on account (people, economic buyers, last touch), kept by triggers

The digest asks of every active deal how many people it has, whether one is an economic buyer and when it was
last touched: 20k correlated probes a run. The database keeps the three on the account row instead, with
triggers on individual and interaction, so every write path (ORM, plain SQL, imports, undo, deletes) keeps
them right without knowing about them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('people_count', 'economic_buyers', 'last_touch_at')


def _eb(row: str) -> str:
    """1 when the row's roles hold economic_buyer, else 0 (storage.tables.ECONOMIC_BUYER_ROLE, as of now)."""
    return f"(CASE WHEN CAST({row}roles AS TEXT) LIKE '%\"economic\\_buyer\"%' ESCAPE '\\' THEN 1 ELSE 0 END)"


def _people(sign: str, row: str) -> str:
    return (f"UPDATE account SET people_count = people_count {sign} 1, "
            f"economic_buyers = economic_buyers {sign} {_eb(row + '.')} WHERE id = {row}.account_id")


def _last_touch(row: str) -> str:
    """Recompute an account's last touch from its interactions (after one left or moved)."""
    return (f"UPDATE account SET last_touch_at = (SELECT max(occurred_at) FROM interaction "
            f"WHERE workspace_id = {row}.workspace_id AND account_id = {row}.account_id) WHERE id = {row}.account_id")


def _newer_touch() -> str:
    return ("UPDATE account SET last_touch_at = NEW.occurred_at WHERE id = NEW.account_id "
            "AND (last_touch_at IS NULL OR last_touch_at < NEW.occurred_at)")


SQLITE_TRIGGERS = {
    'tp_individual_in': f"AFTER INSERT ON individual BEGIN {_people('+', 'NEW')}; END",
    'tp_individual_out': f"AFTER DELETE ON individual BEGIN {_people('-', 'OLD')}; END",
    'tp_individual_move': (f"AFTER UPDATE OF account_id, roles ON individual "
                           f"BEGIN {_people('-', 'OLD')}; {_people('+', 'NEW')}; END"),
    'tp_interaction_in': f"AFTER INSERT ON interaction BEGIN {_newer_touch()}; END",
    'tp_interaction_out': (f"AFTER DELETE ON interaction BEGIN {_last_touch('OLD')}; END"),
    'tp_interaction_move': (f"AFTER UPDATE OF account_id, occurred_at ON interaction "
                            f"BEGIN {_last_touch('OLD')}; {_last_touch('NEW')}; END"),
}

# PostgreSQL: one function a table. A recomputed last touch first locks the account row, so the max is read
# with a snapshot taken after any concurrent writer of that account committed (plpgsql: one snapshot a statement).
PG_FUNCTIONS = {
    'tp_individual_aggregates': f"""
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN {_people('-', 'OLD')}; END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN {_people('+', 'NEW')}; END IF;
  RETURN NULL;
END""",
    'tp_interaction_aggregates': f"""
BEGIN
  IF TG_OP = 'INSERT' THEN {_newer_touch()}; RETURN NULL; END IF;
  PERFORM 1 FROM account WHERE id = OLD.account_id FOR UPDATE;
  {_last_touch('OLD')};
  IF TG_OP = 'UPDATE' THEN
    PERFORM 1 FROM account WHERE id = NEW.account_id FOR UPDATE;
    {_last_touch('NEW')};
  END IF;
  RETURN NULL;
END""",
}
PG_TRIGGERS = {
    'tp_individual_aggregates': "AFTER INSERT OR DELETE OR UPDATE OF account_id, roles ON individual",
    'tp_interaction_aggregates': "AFTER INSERT OR DELETE OR UPDATE OF account_id, occurred_at ON interaction",
}

BACKFILL = (
    "UPDATE account SET "
    "people_count = (SELECT count(*) FROM individual "
    "WHERE individual.workspace_id = account.workspace_id AND individual.account_id = account.id), "
    f"economic_buyers = (SELECT coalesce(sum({_eb('individual.')}), 0) FROM individual "
    "WHERE individual.workspace_id = account.workspace_id AND individual.account_id = account.id), "
    "last_touch_at = (SELECT max(occurred_at) FROM interaction "
    "WHERE interaction.workspace_id = account.workspace_id AND interaction.account_id = account.id)"
)


def upgrade() -> None:
    # plain ADD COLUMN (no batch): recreating account on SQLite would fail its foreign keys and drop nothing new
    op.add_column('account', sa.Column('people_count', sa.Integer(), nullable=False, server_default=sa.text('0')))
    op.add_column('account', sa.Column('economic_buyers', sa.Integer(), nullable=False, server_default=sa.text('0')))
    op.add_column('account', sa.Column('last_touch_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute(BACKFILL)  # before the triggers: nothing else writes during a migration (advisory lock, one writer)
    if op.get_bind().dialect.name == 'postgresql':
        for name, body in PG_FUNCTIONS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $tp${body}\n$tp$")
            op.execute(f"CREATE TRIGGER {name} {PG_TRIGGERS[name]} FOR EACH ROW EXECUTE FUNCTION {name}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, table in (('tp_individual_aggregates', 'individual'), ('tp_interaction_aggregates', 'interaction')):
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE account DROP COLUMN {column}")  # SQLite 3.35+: no table copy
