"""Training data from the database: cases whose labels a staff member confirmed or corrected.

Only `StaffLabel` rows are read, never a classification that no person looked at, so the model is
never trained on its own unconfirmed guesses. Each labelled case becomes one corpus `Record` whose
text is what the classifier read: the body's own words, then the attachments' text.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from classify.corpus import Channel, Record
from storage.models import Case, Document, RawMessage, StaffLabel


def staff_labelled_records(factory: sessionmaker[Session]) -> list[Record]:
    """One `Record` per staff-labelled case, in case order; id is `db:<reference>`."""
    with factory() as session:
        rows = session.execute(
            select(StaffLabel, Case)
            .join(Case, Case.id == StaffLabel.case_id)
            .options(selectinload(Case.raw_message).selectinload(RawMessage.documents))
            .order_by(Case.id)
        ).all()
        return [record_of(label, case) for label, case in rows]


def record_of(label: StaffLabel, case: Case) -> Record:
    documents = case.raw_message.documents
    channel: Channel = "letter" if case.raw_message.source == "letter" else "email"
    return Record(
        id=f"db:{case.reference}",
        kind=label.kind,
        channel=channel,
        subject=case.subject,
        text=message_body(documents),
        unit=label.unit_id,
        agency_type=label.agency_type,
        region=label.region,
        other_province=label.other_province,
        maladministration=tuple(label.maladministration),
        case_ref=label.case_ref,
    )


def message_body(documents: list[Document]) -> str:
    """The sender's own words of the body, then the text of every attachment (as the pipeline reads it)."""
    def own(d: Document) -> str:
        return d.text if d.clean_text is None else d.clean_text

    body = [own(d) for d in documents if d.part == "body" and own(d)]
    rest = [own(d) for d in documents if d.part != "body" and own(d)]
    return "\n\n".join(body + rest)
