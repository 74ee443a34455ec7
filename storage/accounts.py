"""Staff accounts: create them (the `user add` command) and check a login."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ExitCode, NarahubungError
from storage import repository as repo
from storage.models import User, UserRole
from storage.passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ROLE_RANK = {UserRole.REVIEWER: 1, UserRole.SUPERVISOR: 2, UserRole.ADMIN: 3}


class AccountInvalid(NarahubungError):
    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True)
class StaffUser:
    """Who is signed in, detached from any database session."""

    id: int
    username: str
    role: str

    def has_role(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]


def staff_user(row: User) -> StaffUser:
    return StaffUser(id=row.id, username=row.username, role=row.role)


def create_user(session: Session, username: str, password: str, role: str, *, actor: str = "system") -> StaffUser:
    """Add an account, or raise AccountInvalid with a sentence for the staff member."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountInvalid(
            f"Nama pengguna {username!r} tidak sah: 2–64 huruf kecil, angka, titik, garis bawah atau tanda hubung."
        )
    if role not in UserRole.ALL:
        raise AccountInvalid(f"Peran {role!r} tidak dikenal; pilih salah satu: {', '.join(UserRole.ALL)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountInvalid(f"Kata sandi terlalu pendek: paling sedikit {MIN_PASSWORD_LENGTH} karakter.")
    if session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise AccountInvalid(f"Pengguna {username} sudah ada.")
    row = User(username=username, password_hash=hash_password(password), role=role, active=True,
               created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    repo.audit(session, "user", username, "user_added", actor=actor, detail={"role": role})
    return staff_user(row)


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active user whose password matches, or None (same answer for unknown name and wrong password)."""
    row = session.scalar(select(User).where(User.username == username.strip().lower()))
    if row is None or not row.active:
        verify_password(_DUMMY_HASH, password)  # same work either way: no timing hint that a name exists
        return None
    if not verify_password(row.password_hash, password):
        return None
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    row.last_login_at = datetime.now(UTC)
    return staff_user(row)


def load_user(session: Session, user_id: int) -> StaffUser | None:
    row = session.get(User, user_id)
    return staff_user(row) if row is not None and row.active else None


_DUMMY_HASH = hash_password("narahubung-dummy-password")


def set_or_create_user(session: Session, username: str, password: str, role: str, *, actor: str) -> StaffUser:
    """Create the account, or give an existing one this password and role (the demo's first login)."""
    row = session.scalar(select(User).where(User.username == username.strip().lower()))
    if row is None:
        return create_user(session, username, password, role, actor=actor)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountInvalid(f"Kata sandi terlalu pendek: paling sedikit {MIN_PASSWORD_LENGTH} karakter.")
    row.password_hash = hash_password(password)
    row.role = role
    row.active = True
    repo.audit(session, "user", row.username, "password_set", actor=actor, detail={"role": role})
    return staff_user(row)
