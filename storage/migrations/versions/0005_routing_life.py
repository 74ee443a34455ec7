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
    pass


def downgrade() -> None:
    pass
