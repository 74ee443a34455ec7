"""sender_heartbeats: "sender alive at T" of `run` and the outbox workers, for the app (issue 13 point 6)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sender_heartbeats',
        sa.Column('sender', sa.String(length=128), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sender', name=op.f('pk_sender_heartbeats')),
    )


def downgrade() -> None:
    op.drop_table('sender_heartbeats')
