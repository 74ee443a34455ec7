"""deliveries.refused: the recipients a server refused while it accepted the letter for the others (issue 12)

A follow-up, a reminder or an escalation never goes again to an address that refused the case's letter
with a permanent (5xx) answer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('refused', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('refused')
