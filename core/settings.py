"""Settings from NARAHUBUNG_* environment variables, with an optional TOML file (`--config`).

Environment variables win over the file. A wrong or missing value raises SettingsInvalid with one
sentence naming the setting.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.errors import SettingsInvalid, first_problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRECTORY = PROJECT_ROOT / "config" / "directory.yaml"
DEFAULT_TEMPLATES = PROJECT_ROOT / "config" / "templates"
DEFAULT_ROUTING = PROJECT_ROOT / "config" / "routing.toml"
DEFAULT_MODEL_DIR = PROJECT_ROOT / "classify" / "model"  # the shipped model (classify.DEFAULT_MODEL_DIR)


_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class OAuth2Settings(BaseModel):
    """Where and how to exchange the refresh token for access tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    token_url: str
    client_id: str
    client_secret_file: Path | None = None  # None for a public client (no secret)
    refresh_token_file: Path
    scope: str | None = None

    @field_validator("token_url")
    @classmethod
    def _check_token_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an https:// URL of the token endpoint")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
            raise ValueError("must use https:// (plain http:// only to 127.0.0.1 or localhost)")
        return value

    @field_validator("client_id")
    @classmethod
    def _check_client_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("scope")
    @classmethod
    def _blank_scope_is_none(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip()


TlsMode = Literal["tls", "starttls", "none"]


def _tls_mode(scheme_tls: bool, query: str, host: str, url_kind: str) -> TlsMode:
    """`imaps://`/`smtps://`: TLS from the first byte; otherwise STARTTLS, which is required (never a silent
    fall-back to plain text), except on loopback or with an explicit `?tls=none`."""
    asked = parse_qs(query).get("tls", [""])[-1].lower()
    if scheme_tls:
        if asked and asked != "tls":
            raise ValueError(f"{url_kind}s:// already uses TLS; leave out ?tls=")
        return "tls"
    if asked in ("starttls", "none"):
        return asked  # type: ignore[return-value]
    if asked:
        raise ValueError("?tls= must be starttls or none")
    return "none" if host in _LOOPBACK_HOSTS else "starttls"


class ImapEndpoint(BaseModel):
    host: str
    port: int
    username: str
    password: str | None = None
    folder: str = "INBOX"
    tls: bool = False  # TLS from the first byte (imaps://)
    starttls: bool = False  # plain connection upgraded with STARTTLS before the login

    def mailbox_key(self, folder: str | None = None) -> str:
        """Identifies an account's folder in stored rows; never contains the password."""
        return f"imap://{self.username}@{self.host}:{self.port}/{folder or self.folder}"


AfterCommitAction = Literal["keyword", "seen", "move", "none"]


class MailboxSettings(BaseModel):
    """One IMAP account and the folders Narahubung reads in it (`[[mailboxes]]` in the TOML file)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    url: str  # imap(s)://user[:password]@host[:port][/FOLDER]
    folders: list[str] | None = None  # default: the URL's folder, else INBOX
    password_file: Path | None = None
    oauth2: OAuth2Settings | None = None
    tls_ca_file: Path | None = None  # default: the global tls_ca_file, else the system's CAs
    after_commit: AfterCommitAction = "keyword"  # what is done on the server once a message is stored
    keyword: str = "$Narahubung"
    move_to: str | None = None
    idle: bool = True
    idle_renew_minutes: float = 25.0
    poll_interval: float | None = None  # default: the global poll_interval
    timeout_s: float = 60.0
    max_message_mb: float = 25.0
    fetch_batch: int = 100

    @model_validator(mode="after")
    def _check(self) -> MailboxSettings:
        endpoint = parse_imap_url(self.url)
        if endpoint.password is None and self.password_file is None and self.oauth2 is None:
            raise ValueError(f"mailbox {self.name!r} needs a password in the URL, password_file or oauth2")
        if self.after_commit == "move" and not self.move_to:
            raise ValueError(f"mailbox {self.name!r}: after_commit = 'move' needs move_to")
        if not 1 <= self.idle_renew_minutes <= 29:
            raise ValueError("idle_renew_minutes must be between 1 and 29 (servers drop IDLE after 30 min)")
        if self.fetch_batch < 1 or self.max_message_mb <= 0 or self.timeout_s <= 0:
            raise ValueError(f"mailbox {self.name!r}: fetch_batch, max_message_mb and timeout_s must be positive")
        return self

    @property
    def endpoint(self) -> ImapEndpoint:
        return parse_imap_url(self.url)

    @property
    def folder_names(self) -> list[str]:
        return self.folders or [self.endpoint.folder]

    @property
    def max_message_bytes(self) -> int:
        return int(self.max_message_mb * 1024 * 1024)

    def password(self) -> str | None:
        """The password (from password_file when set); OSError when that file cannot be read."""
        if self.password_file is not None:
            return self.password_file.read_text(encoding="utf-8").strip()
        return self.endpoint.password


class SmtpEndpoint(BaseModel):
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False  # TLS from the first byte (smtps://, port 465)
    starttls: bool = False  # STARTTLS before AUTH (port 587: Microsoft 365, most providers)
    password_file: Path | None = None
    oauth2: OAuth2Settings | None = None  # AUTH XOAUTH2 with the URL's user name
    ca_file: Path | None = None

    def secret(self) -> str | None:
        """The password (from password_file when set); OSError when that file cannot be read."""
        if self.password_file is not None:
            return self.password_file.read_text(encoding="utf-8").strip()
        return self.password


def parse_imap_url(url: str) -> ImapEndpoint:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("must start with imap:// or imaps://")
    if not parts.hostname or not parts.username:
        raise ValueError("must look like imap://user:password@host:port/INBOX")
    mode = _tls_mode(parts.scheme == "imaps", parts.query, parts.hostname, "imap")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapEndpoint(
        host=parts.hostname,
        port=parts.port or (993 if mode == "tls" else 143),
        username=unquote(parts.username),
        password=unquote(parts.password) if parts.password is not None else None,
        folder=folder,
        tls=mode == "tls",
        starttls=mode == "starttls",
    )


def parse_smtp_url(url: str) -> SmtpEndpoint:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("must look like smtp://host:port")
    mode = _tls_mode(parts.scheme == "smtps", parts.query, parts.hostname, "smtp")
    return SmtpEndpoint(
        host=parts.hostname,
        port=parts.port or (465 if mode == "tls" else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=mode == "tls",
        starttls=mode == "starttls",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NARAHUBUNG_", extra="forbid")

    data_dir: Path = PROJECT_ROOT / "data"
    database_url: str | None = None
    imap_url: str | None = None
    smtp_url: str | None = None
    smtp_password_file: Path | None = None  # instead of a password in NARAHUBUNG_SMTP_URL
    smtp_oauth2: OAuth2Settings | None = None  # [smtp_oauth2] in the TOML file: AUTH XOAUTH2
    # the office's CA certificate, or a server's self-signed certificate (then only it is trusted: pinned);
    # unset: the system's CAs
    tls_ca_file: Path | None = None
    directory: Path = DEFAULT_DIRECTORY
    templates_dir: Path = DEFAULT_TEMPLATES
    poll_interval: float = 60.0
    # None: the threshold fitted with the trained model (routed precision >= 0.99 on its calibration
    # slice); a number: the least calibrated confidence that auto-routes a complaint.
    auto_route_threshold: float | None = None
    # --- classifier (issue 5) ---
    classifier: Literal["trained", "rules"] = "trained"
    model_dir: Path = DEFAULT_MODEL_DIR  # a folder written by `narahubung train --out`
    imap_fetch_batch: int = 100
    mailboxes: list[MailboxSettings] = []
    drop_dir: Path | None = None  # a scanner's target folder, watched for letters
    max_message_mb: float = 25.0
    # --- routing (issue 6) ---
    routing_file: Path = DEFAULT_ROUTING  # ordered rules and the life of a case (config/routing.toml)
    drafts_mailbox: str | None = None  # the [[mailboxes]] name whose Drafts folder gets imap_draft letters

    @field_validator("imap_url")
    @classmethod
    def _check_imap(cls, value: str | None) -> str | None:
        if value:
            parse_imap_url(value)
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp(cls, value: str | None) -> str | None:
        if value:
            parse_smtp_url(value)
        return value

    @field_validator("tls_ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file {value} does not exist")
        return value

    @model_validator(mode="after")
    def _check_smtp_auth(self) -> Settings:
        if self.smtp_oauth2 is not None and (self.smtp is None or not self.smtp.username):
            raise ValueError("smtp_oauth2 needs NARAHUBUNG_SMTP_URL with the user name (smtp://user@host:587)")
        return self

    @field_validator("poll_interval")
    @classmethod
    def _check_interval(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be a positive number of seconds")
        return value

    @field_validator("auto_route_threshold")
    @classmethod
    def _check_threshold(cls, value: float | None) -> float | None:
        if value is not None and not 0.0 <= value <= 1.0:
            raise ValueError("must be between 0 and 1")
        return value

    # --- derived values ----------------------------------------------------------------------
    @property
    def route_threshold(self) -> float:
        """The confidence routing asks for on top of the classifier's own abstention.

        The trained model already abstains below its fitted (or the configured) threshold; the rules
        report an uncalibrated score, for which 0.5 has always been the line.
        """
        if self.auto_route_threshold is not None:
            return self.auto_route_threshold
        return 0.0 if self.classifier == "trained" else 0.5

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'narahubung.sqlite3'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def all_mailboxes(self) -> list[MailboxSettings]:
        """The `[[mailboxes]]` of the settings file, plus NARAHUBUNG_IMAP_URL as one named "utama"."""
        extra = (
            [MailboxSettings(name="utama", url=self.imap_url, max_message_mb=self.max_message_mb,
                             fetch_batch=self.imap_fetch_batch)]
            if self.imap_url
            else []
        )
        every = extra + list(self.mailboxes)
        if self.tls_ca_file is None:
            return every
        return [m if m.tls_ca_file else m.model_copy(update={"tls_ca_file": self.tls_ca_file}) for m in every]

    @property
    def smtp(self) -> SmtpEndpoint | None:
        if not self.smtp_url:
            return None
        return parse_smtp_url(self.smtp_url).model_copy(update={
            "password_file": self.smtp_password_file, "oauth2": self.smtp_oauth2, "ca_file": self.tls_ca_file,
        })


    # --- sources -----------------------------------------------------------------------------
    toml_file: ClassVar[Path | None] = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_file))
        return tuple(sources)


# Settings that once existed and do nothing now: refused with the reason, never silently ignored.
RETIRED_SETTINGS: dict[str, str] = {
    "smtp_from": "alamat pengirim surat diatur di direktori (office.sender_email di config/directory.yaml)",
}


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build Settings or raise SettingsInvalid naming the first bad setting."""
    if config_file is not None and not Path(config_file).is_file():
        raise SettingsInvalid(f"Berkas konfigurasi --config tidak ditemukan: {config_file}")
    in_file: dict[str, Any] = {}
    if config_file is not None:
        try:
            in_file = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            in_file = {}  # reported below, with the file's own error
    for name, why in RETIRED_SETTINGS.items():
        if name in in_file:
            raise SettingsInvalid(f"Kunci {name} di {config_file} tidak dipakai lagi: {why}.")
        if os.environ.get(f"NARAHUBUNG_{name.upper()}"):
            raise SettingsInvalid(f"Pengaturan NARAHUBUNG_{name.upper()} tidak dipakai lagi: {why}.")

    class _FileSettings(Settings):
        toml_file = Path(config_file) if config_file else None

    try:
        loaded = _FileSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        where, reason = first_problem(exc, whole="?")
        raise SettingsInvalid(_name_the_problem(where, reason, in_file, config_file, overrides)) from exc
    except ValueError as exc:  # malformed TOML
        raise SettingsInvalid(f"Berkas konfigurasi {config_file} tidak dapat dibaca: {exc}") from exc
    return loaded


def _name_the_problem(where: str, reason: str, in_file: dict[str, Any], config_file: Path | None,
                      overrides: dict[str, Any]) -> str:
    """One sentence naming the setting where the person wrote it: the TOML key (`mailboxes[1].url`) for a
    value from the file, the NARAHUBUNG_* variable for one from the environment."""
    parts = where.split(".")
    name = parts[0]
    from_env = bool(os.environ.get(f"NARAHUBUNG_{name.upper()}")) and overrides.get(name) is None
    if name in in_file and not from_env:
        key = name + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
        if reason == "Extra inputs are not permitted":
            return f"Kunci {key} di {config_file} tidak dikenal."
        return f"Kunci {key} di {config_file} tidak sah: {reason}."
    if overrides.get(name) is not None:
        return f"Pengaturan {name} tidak sah: {reason}."
    return f"Pengaturan NARAHUBUNG_{name.upper()} tidak sah ({name}): {reason}."
