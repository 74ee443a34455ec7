"""the review queue's index covers its filters: (status, received_at, id, kind, unit_id, confidence) (issue 7)

A page of the queue is found in this index alone, however rare the filtered cases are.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 01:15:00
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_queue')
        batch_op.create_index('ix_cases_queue', ['status', 'received_at', 'id', 'kind', 'unit_id', 'confidence'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_queue')
        batch_op.create_index('ix_cases_queue', ['status', 'received_at', 'id'], unique=False)
