"""A full-text index of the queue's searchable case fields (SQLite FTS5 with the trigram tokenizer).

Derived data, like a cache: the app creates it on first start over an SQLite database, triggers keep it
in step with `cases`, and it is rebuilt whenever a trigger is missing (a batch migration that recreates
`cases` drops its triggers). It is not part of the Alembic schema. It finds substrings (three or more
characters, any case) in the reference, subject, complainant's name and address, and the
maladministration types, in milliseconds over a million cases. Other databases search with ILIKE.
"""

from __future__ import annotations

import logging
import re
import time

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

TABLE = "review_case_search"
COLUMNS = ("reference", "subject", "complainant_name", "complainant_email", "maladministration")
MIN_TERM = 3  # the trigram tokenizer cannot find shorter strings

_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)
TRIGGERS = {
    f"{TABLE}_ai": f"CREATE TRIGGER {TABLE}_ai AFTER INSERT ON cases BEGIN "
                   f"INSERT INTO {TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"{TABLE}_ad": f"CREATE TRIGGER {TABLE}_ad AFTER DELETE ON cases BEGIN "
                   f"INSERT INTO {TABLE}({TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); END",
    f"{TABLE}_au": f"CREATE TRIGGER {TABLE}_au AFTER UPDATE OF {_cols} ON cases BEGIN "
                   f"INSERT INTO {TABLE}({TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); "
                   f"INSERT INTO {TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END",
}


def ensure_search_index(engine: Engine) -> bool:
    """Create or repair the index; True when the database has one (SQLite with FTS5)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.begin() as conn:
        existing = {name for (name,) in conn.execute(
            text("SELECT name FROM sqlite_master WHERE name = :t OR (type = 'trigger' AND name LIKE :p)"),
            {"t": TABLE, "p": f"{TABLE}_%"})}
        if TABLE in existing and set(TRIGGERS) <= existing and _columns(conn) == COLUMNS:
            return True
        started = time.perf_counter()
        conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))  # repaired by building it anew
        conn.execute(text(f"CREATE VIRTUAL TABLE {TABLE} USING fts5({_cols}, "
                          f"content='cases', content_rowid='id', tokenize='trigram')"))
        for name, ddl in TRIGGERS.items():
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            conn.execute(text(ddl))
        conn.execute(text(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')"))
        seconds = time.perf_counter() - started
        (log.info if seconds >= 1 else log.debug)("indeks pencarian antrean dibangun dalam %.1f s", seconds)
    return True


def _columns(conn: Connection) -> tuple[str, ...]:
    return tuple(row[1] for row in conn.execute(text(f"PRAGMA table_info({TABLE})")))


def match_expression(words: list[str], malad_type: str | None = None) -> tuple[str | None, bool]:
    """An FTS5 query for cases holding every word (and the maladministration type), and whether its
    hits are exact.

    Each word is cut at punctuation into parts of three or more characters, each part one quoted
    string (nothing typed by staff is read as FTS5 syntax): "siti@contoh" becomes "siti" AND "contoh",
    far quicker than the phrase, whose "@co" and "con" are in every address. Such hits may hold the
    parts apart, so the caller checks them against the whole word (exact = False).
    """
    parts: list[str] = []
    exact = True
    for word in words:
        pieces = [p for p in _PUNCTUATION.split(word) if p]
        if pieces != [word]:
            exact = False
        parts += [_quoted(p) for p in pieces if len(p) >= MIN_TERM]
    if malad_type:
        parts.append(f"maladministration : {_quoted(chr(34) + malad_type + chr(34))}")
    return (" AND ".join(parts) if parts else None), exact


_PUNCTUATION = re.compile(r"[\W_]+")


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'
