"""digest indexes: the active deals by owner and name, covering what the digest reads of them (a partial index);
the attitude moves by time (the day's new detractors read all of a workspace's moves without it); an account's
steps with their state and due date (the top deals' late steps were each read from the table to be left out)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage.digest_statements.ACTIVE_DEAL, as of now (SQLite uses a partial index only for a query that repeats it)
ACTIVE = "lifecycle = 'prospect' AND stage IN ('solution_understanding', 'validation', 'vendor_selection')"
NAME = 'ix_account_ws_owner_active'


def upgrade() -> None:
    # plain CREATE INDEX: a batch on SQLite could recreate the table, and its triggers (0005) with it.
    # In name order by code point ("C" on PostgreSQL, SQLite's binary), with the columns the digest reads.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE INDEX {NAME} ON account (workspace_id, owner_id, name COLLATE "C", id COLLATE "C") '
                   f'INCLUDE (stage, people_count, economic_buyers, last_touch_at) WHERE {ACTIVE}')
    else:
        op.execute(f'CREATE INDEX {NAME} ON account (workspace_id, owner_id, name, id, stage, people_count, '
                   f'economic_buyers, last_touch_at) WHERE {ACTIVE}')
    op.create_index('ix_attitude_ws_time', 'attitude_event', ['workspace_id', 'occurred_at'], unique=False)
    op.create_index('ix_next_step_ws_account_due', 'next_step', ['workspace_id', 'account_id', 'done', 'due'],
                    unique=False)
    op.drop_index('ix_next_step_ws_account', table_name='next_step')  # a prefix of the new one


def downgrade() -> None:
    op.create_index('ix_next_step_ws_account', 'next_step', ['workspace_id', 'account_id'], unique=False)
    op.drop_index('ix_next_step_ws_account_due', table_name='next_step')
    op.drop_index('ix_attitude_ws_time', table_name='attitude_event')
    op.execute(f'DROP INDEX {NAME}')
