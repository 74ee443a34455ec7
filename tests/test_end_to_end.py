"""A complaint travels from the private Dovecot inbox to the right focal point's SMTP mailbox.

Everything is real: Dovecot, the aiosmtpd server, a SQLite file, pdfplumber, and the `narahubung`
command run as a separate process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from core.directory import load_directory
from core.settings import DEFAULT_DIRECTORY, PROJECT_ROOT
from storage.blobs import BlobStore
from storage.db import make_engine, session_factory
from storage.models import Case, RawMessage, RawStatus

INBOX = PROJECT_ROOT / "samples" / "inbox"
EXPECTED = {e["file"]: e for e in yaml.safe_load((INBOX / "expected.yaml").read_text())}
GARBAGE = b"\x01\x02 this is not an e-mail \xff\xfe\r\n\r\n\x89PNG"


def narahubung(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entry", *args],
        check=False, capture_output=True, text=True, env={**os.environ, **env}, cwd=PROJECT_ROOT, timeout=300,
    )


@pytest.fixture
def loaded_inbox(dovecot, fresh_mailbox):
    """The bundled sample inbox plus one message that is not mail at all, APPENDed to a new user."""
    user, _ = fresh_mailbox
    uid_to_file: dict[int, str] = {}
    for path in sorted(INBOX.glob("*.eml")):
        uid_to_file[dovecot.append(path.read_bytes(), user=user)] = path.name
    uid_to_file[dovecot.append(GARBAGE, user=user)] = "garbage"
    return user, uid_to_file


@pytest.fixture
def env(tmp_path, dovecot, loaded_inbox, smtp_sink):
    user, _ = loaded_inbox
    return {
        "NARAHUBUNG_DATA_DIR": str(tmp_path / "data"),
        "NARAHUBUNG_IMAP_URL": dovecot.url(user),
        "NARAHUBUNG_SMTP_URL": smtp_sink.url,
    }


def cases_by_file(env: dict[str, str], uid_to_file: dict[int, str]) -> dict[str, tuple[Case, RawMessage]]:
    factory = session_factory(make_engine(f"sqlite:///{env['NARAHUBUNG_DATA_DIR']}/narahubung.sqlite3"))
    with factory() as session:
        rows = session.execute(select(Case, RawMessage).join(RawMessage, Case.raw_message_id == RawMessage.id))
        return {uid_to_file[raw.uid]: (case, raw) for case, raw in rows}


def test_run_once_forwards_each_confident_complaint_to_its_focal_point(env, loaded_inbox, smtp_sink):
    _user, uid_to_file = loaded_inbox
    directory = load_directory(DEFAULT_DIRECTORY)

    first = narahubung("run", "--once", env=env)
    assert first.returncode == 0, first.stderr

    cases = cases_by_file(env, uid_to_file)
    assert len(cases) == len(uid_to_file), "every message becomes exactly one case"
    routed = {name: case for name, (case, _raw) in cases.items() if case.status == "routed"}
    assert len(routed) >= 5
    forwards = [m for m in smtp_sink.messages if m.message["X-Narahubung-Letter"] == "forward"]
    assert len(forwards) == len(routed), "one draft per routed case"

    by_reference = {}
    for mail in forwards:
        msg = message_from_bytes(mail.data, policy=policy.default)
        by_reference[msg["X-Narahubung-Reference"]] = (mail, msg)
    for name, case in routed.items():
        expected = EXPECTED[name]
        assert expected["kind"] == "complaint" and case.unit_id == expected["unit"], name
        mail, msg = by_reference[case.reference]
        recipients = directory.recipients(expected["unit"])
        assert set(mail.rcpt_tos) == {fp.email for fp in recipients.to + recipients.cc}
        assert [a.addr_spec for a in msg["To"].addresses] == [fp.email for fp in recipients.to]
        assert case.reference in msg["Subject"]
        body = msg.get_body(("plain",)).get_content()
        assert "batas" in body.lower() or "paling lambat" in body
        attached = [p.get_filename() for p in msg.iter_attachments()]
        if expected["has_pdf"] and not expected["confidential"]:
            assert any(f.endswith(".pdf") for f in attached), name

    assert any(EXPECTED[n]["has_pdf"] for n in routed), "at least one complaint with a PDF letter is routed"

    sent_after_first = len(smtp_sink.messages)
    second = narahubung("run", "--once", env=env)
    assert second.returncode == 0, second.stderr
    assert len(smtp_sink.messages) == sent_after_first, "a second run sends nothing new"
    assert len(cases_by_file(env, uid_to_file)) == len(uid_to_file), "and opens no new case"


def test_bad_and_uncertain_messages_are_kept_flagged_and_never_sent(env, loaded_inbox, smtp_sink):
    _user, uid_to_file = loaded_inbox
    result = narahubung("run", "--once", env=env)
    assert result.returncode == 0, result.stderr
    cases = cases_by_file(env, uid_to_file)

    garbage_case, garbage_raw = cases["garbage"]
    assert garbage_raw.status == RawStatus.FAILED and garbage_raw.error
    assert garbage_case.status == "needs_review"
    data_dir = Path(env["NARAHUBUNG_DATA_DIR"])
    blobs = BlobStore(data_dir / "blobs")
    assert blobs.get(garbage_raw.sha256) == GARBAGE, "the raw bytes are kept exactly"

    for name, expected in EXPECTED.items():
        case, raw = cases[name]
        if expected["malformed"]:
            assert raw.defects and case.status == "needs_review", name
        if expected["kind"] in ("auto_reply", "spam"):
            assert case.status == "archived", name
        if expected["kind"] == "complaint" and expected["unit"] is None:
            assert case.status == "needs_review", name

    to_agencies = [m for m in smtp_sink.messages if m.message["X-Narahubung-Letter"] != "acknowledgement"]
    sent_text = "\n".join(
        str(m.message["To"]) + str(m.message["Subject"]) + m.message.get_body(("plain",)).get_content()
        for m in to_agencies
    )
    archived_senders = {cases[n][0].complainant_email for n, e in EXPECTED.items() if e["kind"] in ("auto_reply", "spam")}
    answered = {a for m in smtp_sink.messages for a in m.rcpt_tos}
    assert not (archived_senders - {None}) & answered, "spam and auto-replies are never answered"
    for name, expected in EXPECTED.items():
        if expected["confidential"]:
            case, _ = cases[name]
            assert case.confidential
            if case.status == "routed":
                assert case.complainant_email and case.complainant_email not in sent_text
                assert case.complainant_name and case.complainant_name not in sent_text
