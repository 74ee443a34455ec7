"""Several senders on one outbox: a letter another process is sending right now is never taken as interrupted;
one whose sender was killed (SIGKILL) mid-send is, at once, and is never sent again by itself.

A second process sends through a transport that stops after it has marked the row `sending` and waits for
the test's word; meanwhile the test runs the whole delivery round of `run` (recovery first, then every due
letter) in its own process, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from reliability_support import complaint
from sqlalchemy import select

from core.settings import DEFAULT_ROUTING, PROJECT_ROOT, load_settings
from narahubung.intake import ingest_paths
from narahubung.pipeline import deliver, process_pending
from narahubung.services import build_services
from routing.outbox import INTERRUPTED
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus

pytestmark = pytest.mark.servers

SLOW_SENDER = """
import sys
from core.settings import load_settings
from narahubung.pipeline import deliver
from narahubung.services import build_services
from routing.transport import SmtpTransport

class WaitsForTheWord(SmtpTransport):
    def send(self, sender, recipients, data):
        print("sending", flush=True)  # the row is `sending` and committed, the claim held
        if sys.stdin.readline().strip() != "go":
            raise SystemExit(3)
        return super().send(sender, recipients, data)

settings = load_settings(data_dir=sys.argv[1], database_url=sys.argv[2], smtp_url=sys.argv[3],
                         routing_file=sys.argv[4])
services = build_services(settings, classifier=object(), migrate=False)
services.transport = WaitsForTheWord(settings.smtp)
report = deliver(services)
print(f"sent {len(report.sent)}", flush=True)
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path, smtp_sink, rules_classifier):
    """A complaint processed: its forwarding letter and tanda terima wait in the outbox."""
    database = {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgresql" else {}
    rules = tmp_path / "routing.toml"
    rules.write_text(DEFAULT_ROUTING.read_text())
    settings = load_settings(data_dir=tmp_path / "data", smtp_url=smtp_sink.url, routing_file=rules, **database)
    built = build_services(settings, classifier=rules_classifier)
    mail = tmp_path / "pengaduan.eml"
    mail.write_bytes(complaint(1))
    ingest_paths(built, [mail])
    assert [r.status for r in process_pending(built)] == [CaseStatus.ROUTED]
    return built


def start_slow_sender(services) -> subprocess.Popen[str]:
    settings = services.settings
    sender = subprocess.Popen(
        [sys.executable, "-c", SLOW_SENDER, str(settings.data_dir), settings.resolved_database_url, settings.smtp_url,
         str(settings.routing_file)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert sender.stdout is not None
    assert sender.stdout.readline().strip() == "sending", "the other sender reached the server"
    return sender


def statuses(services) -> dict[str, str]:
    with services.factory() as session:
        return {d.purpose: d.status for d in session.scalars(select(Delivery))}


def at_server(smtp_sink) -> list[str]:
    return sorted(str(m.message["Message-ID"]).strip() for m in smtp_sink.messages)


def test_a_letter_another_process_is_sending_is_left_to_it(services, smtp_sink):
    sender = start_slow_sender(services)
    try:
        taken = statuses(services)
        busy = next(purpose for purpose, status in taken.items() if status == DeliveryStatus.SENDING)
        report = deliver(services)  # recovery, then every due letter: what `run` and the staff app do
        assert statuses(services)[busy] == DeliveryStatus.SENDING, "a living sender's letter marked interrupted"
        assert report.failed == [] and len(report.sent) == 1, "the other letter is sent beside it"
        out, _ = sender.communicate("go\n", timeout=60)
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == 0 and "sent 1" in out
    assert set(statuses(services).values()) == {DeliveryStatus.SENT}
    with services.factory() as session:
        sent_ids = sorted(session.scalars(select(Delivery.message_id)))
    assert at_server(smtp_sink) == sent_ids, "each letter at the server once"


def test_a_letter_whose_sender_was_killed_mid_send_becomes_unknown_at_once_and_is_not_resent(services, smtp_sink):
    sender = start_slow_sender(services)
    busy = next(purpose for purpose, status in statuses(services).items() if status == DeliveryStatus.SENDING)
    sender.kill()  # SIGKILL: its claim goes with it
    sender.wait(timeout=30)
    assert sender.returncode == -9
    for _ in range(2):
        deliver(services)
    after = statuses(services)
    assert after[busy] == DeliveryStatus.UNKNOWN
    assert {status for purpose, status in after.items() if purpose != busy} == {DeliveryStatus.SENT}
    assert len(at_server(smtp_sink)) == 1, "the interrupted letter is not sent again by itself"
    with services.factory() as session:
        letter = session.scalars(select(Delivery).where(Delivery.purpose == busy)).one()
        case = session.scalars(select(Case)).one()
        assert letter.last_error == INTERRUPTED
        if busy == "forward":  # the case itself did not surely reach the agency: staff check
            assert case.status == CaseStatus.NEEDS_REVIEW
        assert any("hasil tidak pasti" in reason for reason in case.review_reasons)



def test_one_sender_has_at_most_one_letter_in_doubt_and_each_outcome_is_committed_before_the_next_send(services,
                                                                                                        smtp_sink):
    """The outcome of a letter is committed in the transaction that marks the next one `sending`: when a letter is
    handed to the server, the ones before it are already `sent` and the ones after it still `pending`."""
    from routing.transport import SmtpTransport

    seen: list[dict[str, str]] = []

    class LooksFirst(SmtpTransport):
        def send(self, sender, recipients, data):
            seen.append(statuses(services))  # what a crash at this moment would leave behind
            return super().send(sender, recipients, data)

    services.transport = LooksFirst(services.settings.smtp)
    report = deliver(services)
    assert len(report.sent) == 2 and len(seen) == 2
    first, second = seen
    assert sorted(first.values()) == [DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    assert sorted(second.values()) == [DeliveryStatus.SENDING, DeliveryStatus.SENT]
    in_doubt_first = next(p for p, s in first.items() if s == DeliveryStatus.SENDING)
    assert second[in_doubt_first] == DeliveryStatus.SENT, "the first outcome is committed before the second send"
    assert set(statuses(services).values()) == {DeliveryStatus.SENT}


def test_a_sent_letter_stays_sent_when_the_next_one_cannot_be_begun(services, smtp_sink):
    """The outcome of a letter is written with the next row's mark; if that row cannot be begun (its stored
    message is gone), the first letter's outcome is still committed on its own, never left in doubt."""
    with services.factory() as session:
        first, second = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        first_id, second_purpose, gone = first.id, second.purpose, services.blobs.path_for(second.blob_sha256)
    gone.unlink()
    with pytest.raises(FileNotFoundError):
        deliver(services)
    after = statuses(services)
    with services.factory() as session:
        assert session.get_one(Delivery, first_id).status == DeliveryStatus.SENT
    assert after[second_purpose] == DeliveryStatus.PENDING
    assert len(at_server(smtp_sink)) == 1
