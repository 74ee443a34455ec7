"""The `narahubung` command as staff and operators use it.

Most tests run the command in-process (tests/clirun.py); those about the process itself (SIGTERM, the
demo's private servers left behind) start one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import yaml
from clirun import narahubung as run_cli
from factories import make_mail, make_pdf

from core.settings import PROJECT_ROOT

LETTER_PNG = PROJECT_ROOT / "samples" / "letters" / "01-surat-puskesmas-lubuk-besar.png"
KTP_COMPLAINT = (
    "e-KTP saya belum jadi juga",
    ("Selamat pagi. Saya merekam e-KTP di kantor Disdukcapil Koba, Bangka Tengah, bulan Mei 2026. "
    "Petugas bilang 14 hari jadi, tapi sampai sekarang sudah 6 bulan belum juga selesai. "
    "Setiap saya tanya jawabannya blangko habis. Mohon bantuannya."),
)


class Done:
    """A finished command, shaped like subprocess.CompletedProcess (returncode, stdout, stderr)."""

    def __init__(self, args: tuple[str, ...], env: dict[str, str]) -> None:
        result = run_cli(*args, env=env)
        self.returncode, self.stdout, self.stderr = result.exit_code, result.stdout, result.stderr


def narahubung(*args: str, env: dict[str, str]) -> Done:
    return Done(args, env)


def test_help_explains_every_command():
    result = narahubung("--help", env={})
    assert result.returncode == 0
    for command in ("run", "ingest", "cases", "db", "demo"):
        assert command in result.stdout
    assert "NARAHUBUNG_IMAP_URL" in result.stdout
    run_help = narahubung("run", "--help", env={})
    assert "--once" in run_help.stdout


def test_ingest_reads_mail_and_scanned_letters_from_disk_and_cases_lists_them(tmp_path):
    eml = tmp_path / "ktp.eml"
    eml.write_bytes(make_mail(*KTP_COMPLAINT, attachments=[("surat.pdf", "application/pdf", make_pdf(["Perihal: e-KTP"]))]))
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data")}

    result = narahubung("ingest", str(eml), str(LETTER_PNG), env=env)
    assert result.returncode == 0, result.stderr
    assert "Disimpan 2 berkas baru" in result.stdout

    again = narahubung("ingest", str(eml), env=env)
    assert "1 duplikat" in again.stdout

    listing = narahubung("cases", env=env)
    assert listing.returncode == 0, listing.stderr
    assert "ORI-BABEL/" in listing.stdout and "disdukcapil-1904" in listing.stdout
    assert listing.stdout.count("ORI-BABEL/") == 2


def test_ingest_refuses_unknown_file_types_before_storing_anything(tmp_path):
    odd = tmp_path / "catatan.xyz"
    odd.write_text("x")
    result = narahubung("ingest", str(odd), env={"NARAHUBUNG_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 4
    assert "tidak didukung" in result.stderr and "Traceback" not in result.stderr


def make_docx(text: str) -> bytes:
    """A minimal Word document (the parts the DOCX extractor reads)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        docx.writestr("word/document.xml", (
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'))
    return buffer.getvalue()


def test_a_folder_ingest_names_what_it_skipped_and_a_docx_is_read_alone_or_in_a_folder(tmp_path):
    folder = tmp_path / "masuk"
    folder.mkdir()
    letter = ("Perihal: Sertifikat tanah belum terbit. Saya mengurus sertifikat tanah di BPN Sungailiat sejak "
              "Januari 2026 dan sampai sekarang belum terbit.")
    (folder / "surat.docx").write_bytes(make_docx(letter))
    (folder / "catatan.xyz").write_text("x")
    (folder / ".~lock.surat.docx#").write_text("x")
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "NARAHUBUNG_CLASSIFIER": "rules"}

    result = narahubung("ingest", str(folder), env=env)
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert "Disimpan 1 berkas baru" in words
    assert f"Dilewati {folder / 'catatan.xyz'}: jenis berkas tidak didukung" in words
    assert f"Dilewati {folder / '.~lock.surat.docx#'}: berkas tersembunyi" in words

    alone = tmp_path / "surat-kedua.docx"
    alone.write_bytes(make_docx(letter.replace("Januari", "Februari")))
    second = narahubung("ingest", str(alone), env=env)
    assert second.returncode == 0, second.stderr
    assert "Disimpan 1 berkas baru" in second.stdout
    assert narahubung("cases", env=env).stdout.count("ORI-BABEL/") == 2


def test_run_keeps_polling_and_stops_cleanly_on_sigterm(tmp_path, dovecot, fresh_mailbox, smtp_sink):
    user, _ = fresh_mailbox
    env = {
        **os.environ,
        "NARAHUBUNG_DATA_DIR": str(tmp_path / "data"),
        "NARAHUBUNG_IMAP_URL": dovecot.url(user),
        "NARAHUBUNG_SMTP_URL": smtp_sink.url,
        "NARAHUBUNG_POLL_INTERVAL": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "entry", "run"], env=env, cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.0)
        dovecot.append(make_mail(*KTP_COMPLAINT), user=user)  # arrives while the poller runs
        received = smtp_sink.wait_for(1, timeout=60)
        assert received[0].rcpt_tos == ("pengaduan.disdukcapil@bangkatengahkab.example",)
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err


def test_run_once_reads_several_mailboxes_from_the_settings_file_and_the_drop_folder(
    tmp_path, dovecot, fresh_mailbox, smtp_sink
):
    first, _ = fresh_mailbox
    second = "kedua-" + first.split("-", 1)[1]
    dovecot.add_user(second, "kata-sandi-2")
    dovecot.append(make_mail(*KTP_COMPLAINT), user=first)
    dovecot.append(make_mail("Sertifikat tanah", "Sertifikat tanah saya di BPN Sungailiat belum terbit 9 bulan."),
                   user=second, folder="Pengaduan")
    password_file = tmp_path / "kedua.secret"
    password_file.write_text("kata-sandi-2\n")
    drop = tmp_path / "pindaian"
    drop.mkdir()
    (drop / LETTER_PNG.name).write_bytes(LETTER_PNG.read_bytes())
    (drop / "catatan.docx").write_bytes(b"PK\x03\x04 not a letter")
    config = tmp_path / "narahubung.toml"
    config.write_text(
        f'drop_dir = "{drop}"\n'
        f'[[mailboxes]]\nname = "utama"\nurl = "{dovecot.url(first)}"\n'
        f'[[mailboxes]]\nname = "kedua"\nurl = "imap://{second}@127.0.0.1:{dovecot.port}"\n'
        f'folders = ["Pengaduan"]\npassword_file = "{password_file}"\nafter_commit = "seen"\n'
    )
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "NARAHUBUNG_SMTP_URL": smtp_sink.url}

    result = narahubung("--config", str(config), "run", "--once", env=env)
    assert result.returncode == 0, result.stderr
    listing = narahubung("--config", str(config), "cases", env=env).stdout
    assert listing.count("ORI-BABEL/") == 3
    assert (drop / "diproses" / LETTER_PNG.name).exists() and not (drop / LETTER_PNG.name).exists()
    assert (drop / "gagal" / "catatan.docx").exists()
    assert b"\\Seen" in next(iter(dovecot.flags(user=second, folder="Pengaduan").values()))


def test_backfill_shows_progress_and_quarantine_lists_what_could_not_be_read(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    for n in range(3):
        dovecot.append(make_mail(f"Pengaduan {n}", KTP_COMPLAINT[1]), user=user)
    dovecot.append(b"\x01\x02 bukan surel sama sekali", user=user)
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "NARAHUBUNG_IMAP_URL": dovecot.url(user)}

    result = narahubung("backfill", "--since", "2020-01-01", env=env)
    assert result.returncode == 0, result.stderr
    assert "Mengimpor surel" in result.stderr and "4/4" in result.stderr
    assert "Diimpor 4 pesan baru" in result.stdout

    again = narahubung("backfill", "--since", "2020-01-01", env=env)
    assert "Diimpor 0 pesan baru" in again.stdout

    quarantine = narahubung("quarantine", env=env)
    assert "tidak dapat diurai" in quarantine.stdout or "bukan pesan surel" in quarantine.stdout
    rerun = narahubung("reprocess", "--failed", env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert "1 pesan diproses ulang" in rerun.stdout
    assert narahubung("cases", env=env).stdout.count("ORI-BABEL/") == 4


def test_the_demo_finds_a_saved_letter_whose_message_id_was_folded(tmp_path):
    from narahubung.demo import sent_files

    folded = "<179634496708.524.204168308994741985.ORI-BABEL.2026.000001@ombudsman.example>"
    (tmp_path / "0001.eml").write_bytes(b"Subject: a\r\nMessage-ID: <short@ombudsman.example>\r\n\r\nx\r\n")
    (tmp_path / "0002.eml").write_bytes(b"Subject: b\r\nMessage-ID:\r\n " + folded.encode() + b"\r\n\r\ny\r\n")
    assert sent_files(tmp_path) == {"<short@ombudsman.example>": tmp_path / "0001.eml", folded: tmp_path / "0002.eml"}


def test_demo_triages_the_bundled_inbox_and_shows_where_each_message_went(tmp_path):
    result = narahubung("demo", "--no-serve", env={"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "400"})
    assert result.returncode == 0, result.stderr
    sent = sorted((tmp_path / "data" / "demo" / "terkirim").glob("*.eml"))
    assert len(sent) >= 8
    assert "Ke mana setiap pesan pergi" in result.stdout
    assert f"{len(sent)} surat terkirim" in result.stdout
    assert "pengaduan.disdukcapil@bangkatengahkab.example" in result.stdout
    assert "menunggu staf" in result.stdout
    assert (tmp_path / "data" / "demo" / "pindaian" / "diproses" / LETTER_PNG.name).exists()
    words = " ".join(result.stdout.split())  # rich may wrap the line
    assert "narahubung serve" in words and "pengguna staf, kata sandi " in words
    # which file is the letter to the agency and which the tanda terima; where the reply drafts are
    assert "Surat ke instansi" in words and "Tanda terima" in words
    assert "'tanda terima' adalah balasan untuk pelapor" in words
    assert "folder Drafts kotak surat demo pengaduan" in words and "hanya ada selama demo berjalan" in words
    ktp_row = next(line for line in result.stdout.splitlines() if "KTP elektronik belum jadi" in line)
    assert "terkirim/0001.eml" in ktp_row.split("│")[-3] and "terkirim/0002.eml" in ktp_row.split("│")[-2]

    # every sample mail of samples/inbox gets the kind its expected.yaml gives (the spam is spam, not an
    # auto-reply, although both are archived)
    expected = {row["file"]: row["kind"] for row in yaml.safe_load((SAMPLES / "expected.yaml").read_text())}
    kinds = _demo_kinds(tmp_path / "data" / "demo" / "narahubung.sqlite3")
    assert kinds == expected


SAMPLES = PROJECT_ROOT / "samples" / "inbox"


def _demo_kinds(database) -> dict[str, str | None]:
    """Sample file name → the kind of its case, matched by Message-ID."""
    from email import message_from_bytes

    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from storage.models import Case, RawMessage

    by_id = {message_from_bytes(path.read_bytes())["Message-ID"].strip(): path.name
             for path in sorted(SAMPLES.glob("*.eml"))}
    with Session(create_engine(f"sqlite:///{database}")) as session:
        rows = session.execute(select(RawMessage.message_id, Case.kind).join(Case, Case.raw_message_id == RawMessage.id))
        return {by_id[mid]: kind for mid, kind in rows if mid in by_id}


def test_a_demo_on_a_busy_port_stops_before_it_wipes_anything(tmp_path):
    import socket

    marker = tmp_path / "data" / "demo" / "catatan-saya.txt"
    marker.parent.mkdir(parents=True)
    marker.write_text("jangan dihapus")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = narahubung("demo", "--port", str(port), env={"NARAHUBUNG_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 3
    assert f"Port {port} sudah dipakai" in result.stderr and "Data demo tidak diubah" in result.stderr
    assert marker.read_text() == "jangan dihapus"
    assert time.monotonic() - started < 5  # nothing was triaged first


def dovecot_pids() -> set[int]:
    found = subprocess.run(["pgrep", "-x", "dovecot"], check=False, capture_output=True, text=True).stdout.split()
    return {int(pid) for pid in found}


def test_a_demo_stopped_by_sigterm_stops_its_private_servers_too(tmp_path):
    from narahubung.localservers._ports import free_port

    before = dovecot_pids()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entry", "demo", "--port", str(port)], cwd=PROJECT_ROOT, text=True,
        env={**os.environ, "COLUMNS": "200", "NARAHUBUNG_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if f"http://127.0.0.1:{port}/" in line:
                break
        assert dovecot_pids() - before  # the demo's own Dovecot runs while the app serves
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode in (0, 130)
    assert not dovecot_pids() - before  # nothing left behind


def test_extract_prints_one_json_line_per_document(tmp_path):
    import json

    eml = tmp_path / "surat.eml"
    letter_pdf = make_pdf(["Perihal: Pengaduan e-KTP", "Disdukcapil Koba belum menerbitkan e-KTP saya."])
    eml.write_bytes(make_mail(*KTP_COMPLAINT, attachments=[("surat.pdf", "application/pdf", letter_pdf)]))
    broken = tmp_path / "rusak.pdf"
    broken.write_bytes(b"%PDF-1.4 rusak")
    result = narahubung("extract", str(eml), str(broken), str(LETTER_PNG), env={})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(line) for line in lines] == [
        {"file", "part", "method", "pages", "chars", "ocr_confidence", "language", "error", "text"}
    ] * len(lines)
    body, pdf, bad, letter = lines
    assert (body["part"], body["method"]) == ("body", "plain") and "e-KTP" in body["text"]
    assert pdf["method"] == "text_layer" and pdf["pages"] == 1 and "Koba" in pdf["text"]
    assert bad["error"] and bad["chars"] == 0
    assert letter["method"] == "ocr" and letter["ocr_confidence"] > 50 and letter["chars"] > 200


def test_classify_and_eval_speak_the_contracts_on_the_dev_split(tmp_path):
    import json

    records = (PROJECT_ROOT / "classify" / "corpus_data" / "dev.jsonl").read_text().splitlines()[:12]
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(records) + "\n")

    classified = narahubung("classify", str(sample), env={})
    assert classified.returncode == 0, classified.stderr
    rows = [json.loads(line) for line in classified.stdout.splitlines()]
    assert [row["id"] for row in rows] == [json.loads(r)["id"] for r in records]
    assert all(set(row) == {"id", "kind", "unit", "agency_type", "region", "other_province",
                            "maladministration", "confidence", "auto_route"} for row in rows)

    evaluated = narahubung("eval", "--data", str(sample), "--json", env={})
    assert evaluated.returncode == 0, evaluated.stderr
    figures = json.loads(evaluated.stdout)
    assert list(figures) == ["n", "kind_accuracy", "kind_macro_f1", "unit_accuracy", "agency_type_accuracy",
                             "region_accuracy", "malad_primary_accuracy", "malad_macro_f1",
                             "auto_route_precision", "auto_route_coverage", "docs_per_s",
                             "by_channel", "by_source", "kind_confusion", "intervals_95"]
    assert figures["n"] == 12
    for key in ("kind_macro_f1", "auto_route_precision", "auto_route_coverage"):
        span, value = figures["intervals_95"][key], figures[key]
        assert value is None or span[0] <= value <= span[1]


def test_a_bad_corpus_line_is_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"\n')
    result = narahubung("eval", "--data", str(bad), "--json", env={})
    assert result.returncode == 4 and "bad.jsonl:1" in result.stderr


def test_train_refuses_the_dev_split():
    result = narahubung("train", "--data", str(PROJECT_ROOT / "classify" / "corpus_data" / "dev.jsonl"),
                        "--out", "/tmp/never", env={})
    assert result.returncode == 2 and "dev" in result.stderr


def test_cases_accepts_every_status_and_refuses_an_unknown_one(tmp_path):
    import signal

    from click.testing import CliRunner

    from narahubung.cli import main
    from storage.models import CaseStatus

    previous = signal.getsignal(signal.SIGTERM)  # `main` makes SIGTERM end like Ctrl-C; keep pytest's
    try:
        env = {"NARAHUBUNG_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
        for status in CaseStatus.ALL:
            done = CliRunner().invoke(main, ["cases", "--status", status], env=env)
            assert done.exit_code == 0, (status, done.output)
            assert "Kasus (0)" in done.output
        wrong = CliRunner().invoke(main, ["cases", "--status", "diteruskan"], env=env)
        assert wrong.exit_code == 2
        assert "status 'diteruskan' tidak dikenal" in wrong.output and "held" in wrong.output
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_case_whose_attachment_could_not_be_read_says_so_in_its_review_reason(tmp_path):
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from storage.models import Case

    eml = tmp_path / "rusak.eml"
    eml.write_bytes(make_mail("Mohon bantuan", "Selamat siang, keluhan saya ada di surat terlampir. Terima kasih.",
                              attachments=[("surat-keluhan.pdf", "application/pdf", b"%PDF-1.4 rusak")]))
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "NARAHUBUNG_CLASSIFIER": "rules"}
    assert narahubung("ingest", str(eml), env=env).returncode == 0
    with Session(create_engine(f"sqlite:///{tmp_path / 'data' / 'narahubung.sqlite3'}")) as session:
        [case] = session.scalars(select(Case)).all()
    assert case.status == "needs_review"
    assert any(reason.startswith("lampiran surat-keluhan.pdf tidak terbaca") for reason in case.review_reasons), \
        case.review_reasons


def test_an_unexpected_error_is_one_sentence_and_its_traceback_goes_to_a_file(tmp_path):
    """A bug in a command must not show a person a traceback: one Indonesian sentence, exit 1, and the
    traceback saved under the data folder for whoever fixes it."""
    import click
    from click.testing import CliRunner

    from narahubung.cli import _Group

    @click.group(cls=_Group)
    @click.pass_context
    def app(ctx: click.Context) -> None:
        ctx.ensure_object(dict)

    @app.command()
    def broken() -> None:
        raise ValueError("each sample in `data` must contain two or more observations")

    @app.command()
    def fine() -> None:
        click.echo("ok")

    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["broken"], env=env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Galat tak terduga (ValueError)" in result.output and "cacat program" in result.output
    saved = list((tmp_path / "galat").glob("*.txt"))
    assert len(saved) == 1 and str(saved[0]) in result.output.replace("\n", "")
    assert "Traceback" in saved[0].read_text() and "two or more observations" in saved[0].read_text()

    assert CliRunner().invoke(app, ["fine"], env=env).output == "ok\n"
    usage = CliRunner().invoke(app, ["nope"], env=env)
    assert usage.exit_code == 2 and "No such command" in usage.output  # click's own usage errors still pass


def test_eval_of_a_single_record_prints_its_figures(tmp_path):
    import json

    one = tmp_path / "one.jsonl"
    one.write_text((PROJECT_ROOT / "classify" / "corpus_data" / "dev.jsonl").read_text().splitlines()[0] + "\n")
    result = narahubung("eval", "--data", str(one), "--json", env={})
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["n"] == 1 and figures["intervals_95"]["kind_macro_f1"] is None
