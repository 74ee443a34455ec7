"""staff working together: saved queue filters, case assignments, digest subscriptions (issue 13)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_filters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters')),
        sa.UniqueConstraint('username', 'name', name=op.f('uq_saved_filters_username')),
    )
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filters_username'), ['username'], unique=False)
    op.create_table(
        'case_assignments',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('assigned_by', sa.String(length=64), nullable=False),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assignments_case_id_cases')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_assignments')),
    )
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assignments_username'), ['username'], unique=False)
    op.create_table(
        'digest_subscriptions',
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('last_sent_on', sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint('username', name=op.f('pk_digest_subscriptions')),
    )


def downgrade() -> None:
    op.drop_table('digest_subscriptions')
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assignments_username'))
    op.drop_table('case_assignments')
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filters_username'))
    op.drop_table('saved_filters')
