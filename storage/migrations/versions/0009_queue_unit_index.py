"""the review queue filtered by unit walks its own index: (status, unit_id, received_at, id, kind, confidence) (issue 7)

Also serves the agency-type and region filters (a list of units).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 01:45:00
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_queue_unit',
                              ['status', 'unit_id', 'received_at', 'id', 'kind', 'confidence'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_queue_unit')
