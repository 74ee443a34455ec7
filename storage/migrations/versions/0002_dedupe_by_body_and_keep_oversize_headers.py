"""dedupe by body and keep oversize headers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:39:34.281307
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('raw_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('truncated', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('server_marked', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('raw_messages', schema=None) as batch_op:
        batch_op.drop_column('server_marked')
        batch_op.drop_column('truncated')
        batch_op.drop_column('body_sha256')

