"""Everything the stages need, built once from settings and passed explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from classify import load_classifier
from classify.decision import Classifier
from ingest.imap.drafts import draft_store_for
from narahubung.directory import Directory, load_directory
from narahubung.errors import DirectoryInvalid
from narahubung.settings import Settings
from routing.draft import DraftComposer
from routing.rules import RoutingConfig, load_routing
from routing.transport import SmtpTransport, Transport
from storage import repository as repo
from storage.blobs import BlobStore
from storage.db import make_engine, session_factory, transaction, upgrade

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    """Everything the stages need, built once from settings."""

    settings: Settings
    directory: Directory
    factory: sessionmaker[Session]
    blobs: BlobStore
    classifier: Classifier
    composer: DraftComposer
    transport: Transport | None
    clock: Clock = system_clock
    # --- routing (issue 6) ---
    routing: RoutingConfig = field(default_factory=load_routing)
    drafts: Transport | None = None  # imap_draft letters: the office's Drafts folder

    @property
    def reference_prefix(self) -> str:
        return self.directory.office.id.upper()


def build_services(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    migrate: bool = True,
    classifier: Classifier | None = None,
) -> Services:
    try:
        directory = load_directory(settings.directory)
    except DirectoryInvalid as exc:
        raise DirectoryInvalid(f"{exc.message} (pengaturan NARAHUBUNG_DIRECTORY)") from exc
    url = settings.resolved_database_url
    if migrate:
        upgrade(url)
    factory = session_factory(make_engine(url))
    with transaction(factory) as session:
        repo.sync_directory(session, directory)
    smtp = settings.smtp
    routing = load_routing(settings.routing_file)
    return Services(
        settings=settings,
        directory=directory,
        factory=factory,
        blobs=BlobStore(settings.blob_dir),
        classifier=classifier or load_classifier(directory),
        composer=DraftComposer(settings.templates_dir, directory.office),
        transport=SmtpTransport(smtp) if smtp else None,
        clock=clock,
        routing=routing,
        drafts=draft_store_for(settings, routing.life.drafts_folder),
    )
