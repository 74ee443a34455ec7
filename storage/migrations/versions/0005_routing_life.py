"""routing: rules, delivery modes, threading, acknowledgements, reminders, triage marks (issue 6)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:05:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('route_rule', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('other_province', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('routed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('reminders_sent', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('reply_to', sa.String(length=255), nullable=True))
    op.create_table(
        'case_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('raw_message_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('matched_by', sa.String(length=32), nullable=False),
        sa.Column('sender', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_messages_case_id_cases')),
        sa.ForeignKeyConstraint(['raw_message_id'], ['raw_messages.id'],
                                name=op.f('fk_case_messages_raw_message_id_raw_messages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_messages')),
        sa.UniqueConstraint('raw_message_id', name=op.f('uq_case_messages_raw_message_id')),
    )
    with op.batch_alter_table('case_messages') as batch:
        batch.create_index(batch.f('ix_case_messages_case_id'), ['case_id'], unique=False)
    op.create_table(
        'triage_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('raw_message_id', sa.Integer(), nullable=False),
        sa.Column('mailbox', sa.String(length=255), nullable=False),
        sa.Column('folder', sa.String(length=255), nullable=False),
        sa.Column('uidvalidity', sa.Integer(), nullable=False),
        sa.Column('uid', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=998), nullable=True),
        sa.Column('keywords', sa.JSON(), nullable=False),
        sa.Column('target_folder', sa.String(length=255), nullable=True),
        sa.Column('applied_keywords', sa.JSON(), nullable=False),
        sa.Column('due', sa.Boolean(), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['raw_message_id'], ['raw_messages.id'],
                                name=op.f('fk_triage_marks_raw_message_id_raw_messages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_marks')),
        sa.UniqueConstraint('raw_message_id', name=op.f('uq_triage_marks_raw_message_id')),
    )
    with op.batch_alter_table('triage_marks') as batch:
        batch.create_index(batch.f('ix_triage_marks_due'), ['due'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('triage_marks') as batch:
        batch.drop_index(batch.f('ix_triage_marks_due'))
    op.drop_table('triage_marks')
    with op.batch_alter_table('case_messages') as batch:
        batch.drop_index(batch.f('ix_case_messages_case_id'))
    op.drop_table('case_messages')
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('reply_to')
        batch.drop_column('next_attempt_at')
    with op.batch_alter_table('cases') as batch:
        for name in ('escalated_at', 'reminders_sent', 'answered_at', 'routed_at', 'other_province', 'route_rule'):
            batch.drop_column(name)
