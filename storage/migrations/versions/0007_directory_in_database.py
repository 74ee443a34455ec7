"""directory in the database: units keep their file order and a revision counter (issue 7)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.drop_column('revision')
        batch.drop_column('position')
