"""account owner index covering the digest's deal reads, partial index of economic buyers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EB = "CAST(roles AS TEXT) LIKE '%\"economic\\_buyer\"%' ESCAPE '\\'"  # storage.tables.ECONOMIC_BUYER_ROLE, as of now


def upgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index('ix_account_ws_owner_deal',
                              ['workspace_id', 'owner_id', 'lifecycle', 'stage', 'id', 'name'], unique=False)
        batch_op.drop_index('ix_account_ws_owner')
    with op.batch_alter_table('individual', schema=None) as batch_op:
        batch_op.create_index('ix_individual_ws_account_eb', ['workspace_id', 'account_id'], unique=False,
                              sqlite_where=sa.text(EB), postgresql_where=sa.text(EB))


def downgrade() -> None:
    with op.batch_alter_table('individual', schema=None) as batch_op:
        batch_op.drop_index('ix_individual_ws_account_eb', sqlite_where=sa.text(EB), postgresql_where=sa.text(EB))
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index('ix_account_ws_owner', ['workspace_id', 'owner_id'], unique=False)
        batch_op.drop_index('ix_account_ws_owner_deal')
