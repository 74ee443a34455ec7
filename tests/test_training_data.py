"""Staff confirmations and corrections become training data; unconfirmed predictions never do."""

from __future__ import annotations

import json

from factories import make_mail
from sqlalchemy import select

from classify.corpus import TRAIN_FILE
from classify.learned.train import train
from core.settings import load_settings
from narahubung.intake import ingest_paths
from narahubung.pipeline import process_pending
from narahubung.services import build_services
from narahubung.training_data import staff_labelled_records
from storage.db import transaction
from storage.models import AuditEvent, Case, StaffLabel
from storage.repository import StaffLabelling, record_staff_label

KTP = make_mail(
    "e-KTP belum jadi",
    "Saya rekam e-KTP di kantor Dukcapil Koba bulan Oktober. Sekarang sudah empat bulan belum juga jadi.",
)
LISTRIK = make_mail(
    "Token listrik",
    "Token listrik yang saya beli tidak masuk sejak tiga hari. Rumah saya di Kecamatan Manggar.",
    sender=("Ani", "ani@contoh.example"),
)


def _two_cases(tmp_path, classifier):
    services = build_services(load_settings(data_dir=tmp_path / "data"), classifier=classifier)
    (tmp_path / "in").mkdir()
    for name, data in (("ktp.eml", KTP), ("listrik.eml", LISTRIK)):
        (tmp_path / "in" / name).write_bytes(data)
    ingest_paths(services, [tmp_path / "in"])
    process_pending(services)
    return services


def _label_the_ktp_case(services, maladministration: tuple[str, ...]) -> str:
    """Rina confirms the e-KTP case as a complaint about Disdukcapil Bangka Tengah; its reference."""
    with transaction(services.factory) as session:
        ktp = session.scalars(select(Case).where(Case.subject == "e-KTP belum jadi")).one()
        record_staff_label(
            session, ktp,
            StaffLabelling(kind="complaint", agency_type="disdukcapil", region="1904", unit_id="disdukcapil-1904",
                           maladministration=maladministration),
            actor="rina",
        )
        return ktp.reference


def test_only_cases_a_person_labelled_are_training_records(tmp_path, classifier):
    services = _two_cases(tmp_path, classifier)
    reference = _label_the_ktp_case(services, ("penundaan_berlarut", "tidak_kompeten"))

    records = staff_labelled_records(services.factory)

    assert [r.id for r in records] == [f"db:{reference}"]  # the unlabelled case is not training data
    (record,) = records
    assert (record.kind, record.unit, record.region) == ("complaint", "disdukcapil-1904", "1904")
    assert record.maladministration == ("penundaan_berlarut", "tidak_kompeten")
    assert record.subject == "e-KTP belum jadi" and "empat bulan belum juga jadi" in record.text


def test_a_correction_replaces_the_earlier_label_and_both_are_audited(tmp_path, classifier):
    services = _two_cases(tmp_path, classifier)
    with transaction(services.factory) as session:
        case = session.scalars(select(Case).where(Case.subject == "Token listrik")).one()
        latest = case.classifications[-1]
        same = StaffLabelling(kind=latest.kind, agency_type=latest.agency_type, region=latest.region,
                              unit_id=latest.unit_id, maladministration=tuple(latest.maladministration))
        first = record_staff_label(session, case, same, actor="rina")
        assert first.action == "confirm"
        other = StaffLabelling(kind="complaint", agency_type="pln", region="1906", unit_id="pln-belitung",
                               maladministration=("konflik_kepentingan",))  # surely not what the model said
        again = record_staff_label(session, case, other, actor="budi")
        reference = case.reference

    with services.factory() as session:
        labels = session.scalars(select(StaffLabel)).all()
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == reference, AuditEvent.action.like("label_%")).order_by(AuditEvent.id)
        ).all()
    assert len(labels) == 1 and labels[0].labelled_by == "budi" and labels[0].unit_id == "pln-belitung"
    assert again.action == "correct"
    assert actions == ["label_confirm", "label_correct"]


def test_training_with_database_records_names_them_and_changes_the_version(tmp_path, classifier, directory):
    services = _two_cases(tmp_path, classifier)
    with transaction(services.factory) as session:
        case = session.scalars(select(Case).where(Case.subject == "e-KTP belum jadi")).one()
        record_staff_label(session, case, StaffLabelling(kind="complaint", agency_type="disdukcapil",
                                                         region="1904", unit_id="disdukcapil-1904",
                                                         maladministration=("penundaan_berlarut",)), actor="rina")
    extra = staff_labelled_records(services.factory)

    plain = train([TRAIN_FILE], tmp_path / "plain", seed=0, directory=directory, limit=60, folds=2)
    with_db = train([TRAIN_FILE], tmp_path / "db", seed=0, directory=directory, limit=60, folds=2,
                    extra=extra)

    meta = json.loads((tmp_path / "db" / "meta.json").read_text(encoding="utf-8"))
    assert meta["data"] == ["classify/corpus_data/train.jsonl", "database: 1 staff-labelled cases"]
    assert with_db.version != plain.version


def test_train_from_db_on_the_command_line(tmp_path, classifier):
    import os
    import subprocess
    import sys

    services = _two_cases(tmp_path, classifier)
    with transaction(services.factory) as session:
        case = session.scalars(select(Case).where(Case.subject == "e-KTP belum jadi")).one()
        record_staff_label(session, case, StaffLabelling(kind="complaint", agency_type="disdukcapil", region="1904",
                                                         unit_id="disdukcapil-1904"), actor="rina")
    small = tmp_path / "small.jsonl"
    small.write_text("".join(TRAIN_FILE.read_text(encoding="utf-8").splitlines(keepends=True)[:60]), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "entry", "train", "--data", str(small), "--from-db", "--folds", "2",
         "--out", str(tmp_path / "model")],
        check=False, capture_output=True, text=True, timeout=300,
        env={**os.environ, "COLUMNS": "200", "NARAHUBUNG_DATA_DIR": str(tmp_path / "data")},
    )

    assert result.returncode == 0, result.stderr
    assert "1 kasus yang dikonfirmasi atau dikoreksi staf ikut dilatih (complaint 1)." in result.stdout
    meta = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))
    assert meta["n_train"] == 61 and meta["data"][-1] == "database: 1 staff-labelled cases"


def test_staff_labels_export_as_a_corpus_file_that_eval_reads(tmp_path, classifier):
    from click.testing import CliRunner

    from classify.corpus import read_records
    from entry.cli import main, wiring

    services = _two_cases(tmp_path, classifier)
    _label_the_ktp_case(services, ("penundaan_berlarut",))
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    out = tmp_path / "berlabel.jsonl"
    done = CliRunner().invoke(main, ["labels", "export", "--out", str(out)], env=env, obj=wiring())
    assert done.exit_code == 0, done.output
    assert "1 kasus berlabel staf" in done.output and "complaint 1" in done.output
    (record,) = read_records(out)
    assert record.id.startswith("db:") and record.unit == "disdukcapil-1904"
    assert "empat bulan belum juga jadi" in record.text

    evaluated = CliRunner().invoke(main, ["eval", "--data", str(out), "--json"], env=env, obj=wiring())
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["n"] == 1
