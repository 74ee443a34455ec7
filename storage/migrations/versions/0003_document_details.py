"""document details: where in the message, the sender's own words, OCR confidence, language, headers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:08:36.980900
"""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('clean_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ocr_confidence', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('headers')
        batch_op.drop_column('language')
        batch_op.drop_column('ocr_confidence')
        batch_op.drop_column('clean_text')
        batch_op.drop_column('path')
