"""Full-text indexes of the queue's searchable case fields (SQLite FTS5).

`review_case_search` (trigram tokenizer) finds substrings of three or more characters in the case's
fields; `review_case_search_words` (unicode61, accents folded) finds words of any length, "KK" included, in the
same fields and in the text of the body and every attachment.

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


DOCUMENT_WORDS_INDEX = "review_case_search_documents"  # PostgreSQL: GIN over to_tsvector('simple', text)
WORDS = "review_case_search_words"  # the prefix keeps it out of the schema comparison (storage.db)
_case_text = ("coalesce({c}.reference, '') || ' ' || coalesce({c}.subject, '') || ' ' || "
              "coalesce({c}.complainant_name, '') || ' ' || coalesce({c}.complainant_email, '') || ' ' || "
              "coalesce((SELECT group_concat(d.text, ' ') FROM documents d "
              "WHERE d.raw_message_id = {c}.raw_message_id), '')")
_refresh_raw = (f"DELETE FROM {WORDS} WHERE rowid IN (SELECT id FROM cases WHERE raw_message_id = {{raw}}); "
                f"INSERT INTO {WORDS}(rowid, body) SELECT c.id, {_case_text.format(c='c')} FROM cases c "
                f"WHERE c.raw_message_id = {{raw}};")
WORD_TRIGGERS = {
    f"{WORDS}_cai": f"CREATE TRIGGER {WORDS}_cai AFTER INSERT ON cases BEGIN "
                    f"{_refresh_raw.format(raw='new.raw_message_id')} END",
    f"{WORDS}_cau": f"CREATE TRIGGER {WORDS}_cau AFTER UPDATE OF reference, subject, complainant_name, "
                    f"complainant_email ON cases BEGIN {_refresh_raw.format(raw='new.raw_message_id')} END",
    f"{WORDS}_cad": f"CREATE TRIGGER {WORDS}_cad AFTER DELETE ON cases BEGIN "
                    f"DELETE FROM {WORDS} WHERE rowid = old.id; END",
    f"{WORDS}_dai": f"CREATE TRIGGER {WORDS}_dai AFTER INSERT ON documents BEGIN "
                    f"{_refresh_raw.format(raw='new.raw_message_id')} END",
    f"{WORDS}_dau": f"CREATE TRIGGER {WORDS}_dau AFTER UPDATE OF text ON documents BEGIN "
                    f"{_refresh_raw.format(raw='new.raw_message_id')} END",
    f"{WORDS}_dad": f"CREATE TRIGGER {WORDS}_dad AFTER DELETE ON documents BEGIN "
                    f"{_refresh_raw.format(raw='old.raw_message_id')} END",
}


def ensure_search_index(engine: Engine) -> bool:
    """Create or repair the indexes; True when the database has them (SQLite with FTS5).

    On PostgreSQL the queue searches the documents' text with full-text search; its GIN index is derived
    data of the same kind, made here when missing (`DOCUMENT_WORDS_INDEX`)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {DOCUMENT_WORDS_INDEX} ON documents "
                              "USING gin (to_tsvector('simple'::regconfig, text))"))
        return False
    if engine.dialect.name != "sqlite":
        return False
    _ensure_words(engine)
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


def _ensure_words(engine: Engine) -> None:
    with engine.begin() as conn:
        existing = {name for (name,) in conn.execute(
            text("SELECT name FROM sqlite_master WHERE name = :t OR (type = 'trigger' AND name LIKE :p)"),
            {"t": WORDS, "p": f"{WORDS}_%"})}
        if WORDS in existing and set(WORD_TRIGGERS) <= existing:
            return
        started = time.perf_counter()
        conn.execute(text(f"DROP TABLE IF EXISTS {WORDS}"))
        conn.execute(text(f"CREATE VIRTUAL TABLE {WORDS} USING fts5(body, columnsize=0, "
                          f"tokenize='unicode61 remove_diacritics 2')"))
        for name, ddl in WORD_TRIGGERS.items():
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            conn.execute(text(ddl))
        conn.execute(text(f"INSERT INTO {WORDS}(rowid, body) SELECT c.id, {_case_text.format(c='c')} FROM cases c"))
        seconds = time.perf_counter() - started
        (log.info if seconds >= 1 else log.debug)("indeks kata kasus dibangun dalam %.1f s", seconds)


def words_expression(word: str) -> str | None:
    """An FTS5 query for `word` in the word index: its parts as one phrase, the last part as a prefix for
    words of three or more characters ("kelahir" finds "kelahiran"), a whole word for shorter ones ("KK")."""
    pieces = [p for p in _PUNCTUATION.split(word) if p]
    if not pieces:
        return None
    phrase = _quoted(" ".join(pieces))
    return f"{phrase} *" if len(pieces[-1]) >= MIN_TERM else phrase


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
