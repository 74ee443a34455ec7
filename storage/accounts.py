"""Staff accounts: create, list, change (the `user` commands and the app's admin pages) and check a login."""

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


@dataclass(frozen=True)
class Account:
    """One account as `user list` and the app's admin page show it (never the hash)."""

    username: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


def create_user(session: Session, username: str, password: str, role: str, *, actor: str = "system") -> StaffUser:
    """Add an account, or raise AccountInvalid with a sentence for the staff member."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountInvalid(
            f"Nama pengguna {username!r} tidak sah: 2–64 huruf kecil, angka, titik, garis bawah atau tanda hubung."
        )
    _check_role(role)
    _check_password(password)
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


def list_users(session: Session) -> list[Account]:
    """Every account, by name."""
    return [
        Account(row.username, row.role, row.active, row.created_at, row.last_login_at)
        for row in session.scalars(select(User).order_by(User.username))
    ]


def count_active_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0)


def set_password(session: Session, username: str, password: str, *, actor: str) -> StaffUser:
    """Give an account a new password (its open sessions stay valid until they expire)."""
    _check_password(password)
    row = _existing(session, username)
    row.password_hash = hash_password(password)
    repo.audit(session, "user", row.username, "password_changed", actor=actor)
    return staff_user(row)


def set_active(session: Session, username: str, active: bool, *, actor: str) -> StaffUser:
    """Disable an account (out at its next request, its history kept) or enable it again."""
    row = _existing(session, username)
    if not active:
        _keep_an_admin(session, row, "dinonaktifkan")
    if row.active != active:
        row.active = active
        repo.audit(session, "user", row.username, "user_enabled" if active else "user_disabled", actor=actor)
    return staff_user(row)


def set_role(session: Session, username: str, role: str, *, actor: str) -> StaffUser:
    _check_role(role)
    row = _existing(session, username)
    if role != UserRole.ADMIN:
        _keep_an_admin(session, row, f"dijadikan {role}")
    if row.role != role:
        repo.audit(session, "user", row.username, "role_changed", actor=actor, detail={"from": row.role, "to": role})
        row.role = role
    return staff_user(row)


def _existing(session: Session, username: str) -> User:
    row = session.scalar(select(User).where(User.username == username.strip().lower()))
    if row is None:
        raise AccountInvalid(f"Pengguna {username.strip().lower()} tidak ada (lihat `narahubung user list`).")
    return row


def _keep_an_admin(session: Session, row: User, change: str) -> None:
    """The last active admin cannot lock everyone out of the account pages."""
    if row.role != UserRole.ADMIN or not row.active:
        return
    admins = session.scalar(
        select(func.count()).select_from(User).where(User.role == UserRole.ADMIN, User.active.is_(True))
    )
    if (admins or 0) <= 1:
        raise AccountInvalid(
            f"{row.username} adalah satu-satunya admin aktif dan tidak dapat {change}; jadikan pengguna lain admin dahulu."
        )


def _check_role(role: str) -> None:
    if role not in UserRole.ALL:
        raise AccountInvalid(f"Peran {role!r} tidak dikenal; pilih salah satu: {', '.join(UserRole.ALL)}.")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountInvalid(f"Kata sandi terlalu pendek: paling sedikit {MIN_PASSWORD_LENGTH} karakter.")


def set_or_create_user(session: Session, username: str, password: str, role: str, *, actor: str) -> StaffUser:
    """Create the account, or give an existing one this password and role (the demo's first login)."""
    row = session.scalar(select(User).where(User.username == username.strip().lower()))
    if row is None:
        return create_user(session, username, password, role, actor=actor)
    _check_password(password)
    row.password_hash = hash_password(password)
    row.role = role
    row.active = True
    repo.audit(session, "user", row.username, "password_set", actor=actor, detail={"role": role})
    return staff_user(row)
