"""Fresh statistics for SQLite's query planner, refreshed when the app starts.

Without them a new index (one with no row in sqlite_stat1) looks more selective than it is, and SQLite
may walk it and sort every waiting case instead of walking the queue index in order: seconds instead of
milliseconds at a million cases. `PRAGMA optimize=0x10002` with an analysis limit is SQLite's own advice
for a long-running application: it analyzes only the tables whose statistics are missing or stale, and
only a sample of each index (milliseconds).
"""

from __future__ import annotations

from sqlalchemy import Engine, text


def refresh_planner_statistics(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's autovacuum keeps its own statistics
    with engine.begin() as conn:
        conn.execute(text("PRAGMA analysis_limit=1000"))
        conn.execute(text("PRAGMA optimize=0x10002"))
