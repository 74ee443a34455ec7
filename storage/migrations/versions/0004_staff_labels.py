"""staff labels: what staff confirmed or corrected for a case (training data for `train --from-db`)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 01:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_labels',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('agency_type', sa.String(length=64), nullable=True),
        sa.Column('region', sa.String(length=16), nullable=True),
        sa.Column('unit_id', sa.String(length=64), nullable=True),
        sa.Column('other_province', sa.String(length=64), nullable=True),
        sa.Column('maladministration', sa.JSON(), nullable=False),
        sa.Column('case_ref', sa.String(length=64), nullable=True),
        sa.Column('labelled_by', sa.String(length=64), nullable=False),
        sa.Column('labelled_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_staff_labels_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_labels')),
        sa.UniqueConstraint('case_id', name=op.f('uq_staff_labels_case_id')),
    )
    with op.batch_alter_table('staff_labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_labels_labelled_at'), ['labelled_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_labels_labelled_at'))
    op.drop_table('staff_labels')
