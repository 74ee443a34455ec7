"""procrastinate's job tables and functions, on PostgreSQL only, in their own schema `procrastinate` (issue 15)

`narahubung worker` runs on procrastinate; its schema comes from the installed package
(`SchemaManager.get_schema()`, the procrastinate version pinned in pyproject.toml) so that `narahubung db
upgrade` stays the one migration path. It lives in a PostgreSQL schema of its own: the workers connect with
`search_path=procrastinate` (procrastinate's "set database schema" how-to), and Narahubung's own tables, and
the comparison of models and migrations, never see it. A later procrastinate version with migrations of its
own gets a revision here that runs them. SQLite: nothing (the embedded default has no workers).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SCHEMA = "procrastinate"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    driver = bind.connection.driver_connection  # psycopg: no parameters, so the SQL's % stay as written
    assert driver is not None, "an open PostgreSQL connection"
    with driver.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        cursor.execute(f"SET LOCAL search_path TO {SCHEMA}")
        cursor.execute(SchemaManager.get_schema())
        cursor.execute("SET LOCAL search_path TO DEFAULT")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
