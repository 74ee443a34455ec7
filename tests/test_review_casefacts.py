"""What the case page shows is computed from stored rows by pure functions: sanitised HTML, evidence marks,
the model's top candidates, the queue's page cursors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import make_mail

from review.casefacts import (
    highlight,
    original_mail,
    sanitise_html,
    top_types,
    top_units,
)
from review.queue import CursorInvalid, decode_cursor, encode_cursor
from review.throttle import LoginThrottle


def test_html_of_a_mail_keeps_its_formatting_but_loses_scripts_handlers_and_remote_images():
    html = ('<p onclick="alert(1)">Halo <b>Ombudsman</b></p><script>alert(2)</script>'
            '<img src="https://pelacak.example/p.gif" onerror="alert(3)"><a href="javascript:alert(4)">tautan</a>'
            '<style>body{display:none}</style><iframe src="https://x.example"></iframe>')
    clean = sanitise_html(html)
    assert "<b>Ombudsman</b>" in clean
    for dangerous in ("script", "onclick", "onerror", "<img", "javascript:", "<style", "iframe", "alert(2)"):
        assert dangerous not in clean


def test_original_mail_shows_headers_and_both_bodies():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Warga <warga@contoh.example>"
    msg["Subject"] = "Jalan rusak"
    msg.set_content("teks biasa")
    msg.add_alternative("<p>teks <i>html</i><script>x()</script></p>", subtype="html")
    shown = original_mail(bytes(msg))
    assert ("Subject", "Jalan rusak") in shown.headers
    assert shown.plain.strip() == "teks biasa"
    assert "<i>html</i>" in shown.html and "script" not in shown.html


def test_a_mail_that_cannot_be_parsed_is_still_shown_as_text():
    shown = original_mail(make_mail("Perihal", "isi")[:40])
    assert shown.plain is not None


def test_evidence_spans_are_marked_in_order_and_overlaps_keep_the_first():
    text = "Petugas PLN di Pangkalpinang minta uang rokok"
    marked = highlight(text, [
        {"field": "region", "label": "1971", "start": 15, "end": 28, "text": "Pangkalpinang"},
        {"field": "agency_type", "label": "pln", "start": 8, "end": 11, "text": "PLN"},
        {"field": "maladministration", "label": "permintaan_imbalan", "start": 29, "end": 45, "text": "minta uang rokok"},
        {"field": "kind", "label": "complaint", "start": 30, "end": 34, "text": "inta"},  # inside the previous one
    ])
    assert "".join(s.text for s in marked.segments) == text
    assert [(s.text, s.field) for s in marked.segments if s.field] == [
        ("PLN", "agency_type"), ("Pangkalpinang", "region"), ("minta uang rokok", "maladministration")]


def test_evidence_whose_offsets_moved_is_found_by_its_text_or_listed_apart():
    marked = highlight("Kantor Samsat Pangkalpinang", [
        {"field": "agency_type", "label": "samsat", "start": 0, "end": 3, "text": "Samsat"},
        {"field": "region", "label": "1901", "start": 90, "end": 95, "text": "Sungailiat"},
    ])
    assert [s.text for s in marked.segments if s.field] == ["Samsat"]
    assert [e["text"] for e in marked.unplaced] == ["Sungailiat"]


def test_top_units_combine_the_agency_type_and_region_scores(directory):
    scores = {"agency_type": {"pln": 0.9, "disdukcapil": 0.1}, "region": {"1901": 0.7, "1971": 0.3}}
    units = top_units(scores, directory)
    assert len(units) == 3
    assert units[0].score >= units[1].score >= units[2].score
    assert directory.unit(units[0].id).type == "pln"
    assert sum(u.score for u in top_units(scores, directory, n=100)) == pytest.approx(1.0)


def test_without_a_region_the_units_of_a_type_are_not_listed_at_equal_shares(directory):
    scores = {"agency_type": {"disdukcapil": 0.56, "samsat": 0.04}, "region": {}}
    units = top_units(scores, directory)
    assert all(directory.unit(u.id).type != "disdukcapil" or not directory.unit(u.id).covers for u in units)
    assert len({round(u.score, 6) for u in units}) == len(units) or len(units) <= 1


def test_the_chosen_unit_comes_first_then_the_candidates_in_the_order_of_their_scores(directory):
    scores = {"unit": {"pln-19": 0.05, "disdukcapil-1971": 0.9, "rsud-1901": 0.04}}
    assert [u.id for u in top_units(scores, directory, chosen="disdukcapil-1971")] == [
        "disdukcapil-1971", "pln-19", "rsud-1901"]
    # staff or a rule chose a unit the model ranked lower: it is first, the others keep their order
    assert [u.id for u in top_units(scores, directory, chosen="rsud-1901")] == [
        "rsud-1901", "disdukcapil-1971", "pln-19"]
    # a unit the classifier did not score at all is still shown first, without a score bar
    first = top_units({"agency_type": {}, "region": {}}, directory, chosen="rsud-1901")
    assert [(u.id, u.score) for u in first] == [("rsud-1901", 0.0)]


def test_top_types_are_the_three_best_maladministration_scores(directory):
    scores = {"maladministration": {"penundaan_berlarut": 0.2, "permintaan_imbalan": 0.9,
                                    "tidak_kompeten": 0.5, "berpihak": 0.1}}
    assert [c.id for c in top_types(scores, directory)] == ["permintaan_imbalan", "tidak_kompeten", "penundaan_berlarut"]


def test_a_queue_cursor_round_trips_and_a_forged_one_is_refused():
    at = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, 42)) == (at, 42)
    for forged in ("garbage", "", "MjAyNi0xMS0yMHw0Mg"):
        with pytest.raises(CursorInvalid):
            decode_cursor(forged)


def test_login_throttle_blocks_after_five_failures_for_fifteen_minutes():
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(5):
        assert not throttle.blocked("staf", "10.0.0.1")
        throttle.failed("staf", "10.0.0.1")
    assert throttle.blocked("STAF", "10.0.0.1")
    assert not throttle.blocked("staf", "10.0.0.2") and not throttle.blocked("lain", "10.0.0.1")
    now[0] += 15 * 60 + 1
    assert not throttle.blocked("staf", "10.0.0.1")


def test_login_throttle_also_blocks_one_address_trying_many_names():
    throttle = LoginThrottle(clock=lambda: 0.0)
    for i in range(20):
        assert not throttle.blocked(f"nama{i}", "10.0.0.9")
        throttle.failed(f"nama{i}", "10.0.0.9")
    assert throttle.blocked("nama-baru", "10.0.0.9") and not throttle.blocked("nama-baru", "10.0.0.8")
