"""next steps by owner and due date with their id: a digest ranks each rep's due steps from the index alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain index operations: a batch on SQLite could recreate the table, and account's triggers (0005) with it
    op.create_index('ix_next_step_ws_owner_due_id', 'next_step', ['workspace_id', 'owner_id', 'done', 'due', 'id'],
                    unique=False)
    op.drop_index('ix_next_step_ws_owner_due', table_name='next_step')


def downgrade() -> None:
    op.create_index('ix_next_step_ws_owner_due', 'next_step', ['workspace_id', 'owner_id', 'done', 'due'],
                    unique=False)
    op.drop_index('ix_next_step_ws_owner_due_id', table_name='next_step')
