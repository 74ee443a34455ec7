"""The lexicon lives in config/lexicon.yaml; classify/lexicon.py only reads and checks it.

Pure and fast: reads the two YAML files, never builds a gazetteer or a classifier.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from classify import lexicon
from classify.lexicon import DEFAULT_PATH, LexiconInvalid, load_lexicon
from core.errors import NarahubungError

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY_YAML = ROOT / "config" / "directory.yaml"
LEXICON_YAML = ROOT / "config" / "lexicon.yaml"


@pytest.fixture(scope="module")
def directory_data() -> dict:
    return yaml.safe_load(DIRECTORY_YAML.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def type_ids(directory_data: dict) -> set[str]:
    return {t["id"] for t in directory_data["agency_types"]}


def _norm(phrase: str) -> str:
    return " ".join(phrase.lower().split())


# --- the loader keeps every name and type ------------------------------------------------------

PHRASE_MAPS = (
    "EXTRA_AGENCY_ALIASES", "EXTRA_SERVICE_HINTS", "PROVINCIAL_AGENCY_NAMES", "UNIT_PROPER_NAMES",
    "ISLANDS", "ISLAND_REGIONS", "PROVINCE_ALIASES", "PLACE_VARIANTS", "SUB_OFFICE_WORDS",
)
PHRASE_TUPLES = ("OWN_PROVINCE_NAMES", "TARGET_PHRASES", "REFERRAL_PHRASES", "PRIVATE_PARTY_CUES")
LOWER_SETS = (
    "WEAK_HINTS", "DEMOTED_ALIASES", "CASED_ACRONYMS", "BARE_ISLAND_NAMES", "KELURAHAN_SKIP",
    "GUARDED_PLACE_NAMES", "OTHER_PLACE_SKIP",
)


def test_default_file_is_config_lexicon_yaml() -> None:
    assert DEFAULT_PATH == LEXICON_YAML and LEXICON_YAML.is_file()


@pytest.mark.parametrize("name", PHRASE_MAPS)
def test_phrase_maps_are_dicts_of_string_tuples(name: str) -> None:
    value = getattr(lexicon, name)
    assert isinstance(value, dict) and value
    for key, phrases in value.items():
        assert isinstance(key, str) and isinstance(phrases, tuple) and phrases
        assert all(isinstance(p, str) and p.strip() for p in phrases)


@pytest.mark.parametrize("name", PHRASE_TUPLES)
def test_phrase_lists_are_string_tuples(name: str) -> None:
    value = getattr(lexicon, name)
    assert isinstance(value, tuple) and value
    assert all(isinstance(p, str) and p.strip() for p in value)


@pytest.mark.parametrize("name", LOWER_SETS)
def test_sets_compared_with_lower_case_text_are_lower_case_frozensets(name: str) -> None:
    value = getattr(lexicon, name)
    assert isinstance(value, frozenset) and value
    assert all(isinstance(p, str) and p == p.lower() for p in value)


def test_cased_acronyms_are_all_lower_case() -> None:
    assert lexicon.CASED_ACRONYMS and all(a == a.lower() for a in lexicon.CASED_ACRONYMS)


def test_the_remaining_names_keep_their_types() -> None:
    assert isinstance(lexicon.FAMILIES, tuple)
    assert all(isinstance(f, frozenset) and len(f) >= 2 for f in lexicon.FAMILIES)
    assert isinstance(lexicon.ABSORBED_BY, tuple)
    assert all(isinstance(p, tuple) and len(p) == 2 for p in lexicon.ABSORBED_BY)
    assert isinstance(lexicon.LEVEL_WORDS, dict)
    assert all(isinstance(v, frozenset) and all(w == w.lower() for w in v) for v in lexicon.LEVEL_WORDS.values())
    assert isinstance(lexicon.PROVINCE_CANONICAL, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in lexicon.PROVINCE_CANONICAL.items())


def test_load_lexicon_reads_the_same_lists_as_the_module() -> None:
    lex = load_lexicon(LEXICON_YAML)
    assert lex.extra_agency_aliases == lexicon.EXTRA_AGENCY_ALIASES
    assert lex.weak_hints == lexicon.WEAK_HINTS
    assert lex.place_variants == lexicon.PLACE_VARIANTS


def test_a_type_weak_hints_are_hints_of_that_type_and_weak() -> None:
    raw = yaml.safe_load(LEXICON_YAML.read_text(encoding="utf-8"))
    for type_id, entry in raw["agencies"].items():
        for phrase in (entry or {}).get("weak_hints") or ():
            assert phrase in lexicon.EXTRA_SERVICE_HINTS[type_id]
            assert phrase.lower() in lexicon.WEAK_HINTS


# --- the lexicon agrees with the directory -----------------------------------------------------


def test_every_agency_type_key_exists_in_the_directory(type_ids: set[str]) -> None:
    raw = yaml.safe_load(LEXICON_YAML.read_text(encoding="utf-8"))
    used = {
        *raw["agencies"],
        *lexicon.EXTRA_AGENCY_ALIASES, *lexicon.EXTRA_SERVICE_HINTS, *lexicon.PROVINCIAL_AGENCY_NAMES,
        *lexicon.SUB_OFFICE_WORDS, *lexicon.LEVEL_WORDS,
        *(t for f in lexicon.FAMILIES for t in f), *(t for p in lexicon.ABSORBED_BY for t in p),
    }
    assert used - type_ids == set()


def test_unit_ids_and_region_codes_exist_in_the_directory(directory_data: dict) -> None:
    units = {u["id"] for u in directory_data["units"]}
    regions = {r["code"] for r in directory_data["regions"]}
    assert set(lexicon.UNIT_PROPER_NAMES) - units == set()
    assert {c for codes in lexicon.ISLAND_REGIONS.values() for c in codes} - regions == set()
    assert set(lexicon.ISLAND_REGIONS) == set(lexicon.ISLANDS)


def test_place_variants_are_keyed_by_places_the_directory_knows(directory_data: dict) -> None:
    """The place finder attaches the variants to the place of the canonical name: a canonical name
    that is no region name, alias, capital or kecamatan would be ignored."""
    known = set()
    for r in directory_data["regions"]:
        known |= {r["name"], r.get("capital") or "", *(r.get("aliases") or ()), *(r.get("kecamatan") or ())}
    assert set(lexicon.PLACE_VARIANTS) - known == set()
    for canonical, variants in lexicon.PLACE_VARIANTS.items():
        assert canonical not in variants


def test_no_phrase_is_a_strong_hint_or_alias_of_two_agency_types(directory_data: dict) -> None:
    """Counted as the gazetteer counts them: directory and lexicon together, weak and demoted
    phrases left out (they may be shared)."""
    types_of: dict[str, set[str]] = defaultdict(set)

    def add(type_id: str, phrases, weak: frozenset[str]) -> None:
        for p in phrases:
            if _norm(p) not in weak:
                types_of[_norm(p)].add(type_id)

    for t in directory_data["agency_types"]:
        add(t["id"], t.get("aliases") or (), lexicon.DEMOTED_ALIASES)
        add(t["id"], t.get("service_hints") or (), lexicon.WEAK_HINTS)
    for type_id, phrases in lexicon.EXTRA_AGENCY_ALIASES.items():
        add(type_id, phrases, lexicon.DEMOTED_ALIASES)
    for type_id, phrases in lexicon.EXTRA_SERVICE_HINTS.items():
        add(type_id, phrases, lexicon.WEAK_HINTS)
    for type_id, phrases in lexicon.PROVINCIAL_AGENCY_NAMES.items():
        add(type_id, phrases, frozenset())
    units = {u["id"]: u["type"] for u in directory_data["units"]}
    for unit_id, phrases in lexicon.UNIT_PROPER_NAMES.items():
        add(units[unit_id], phrases, frozenset())
    shared = {p: sorted(t) for p, t in types_of.items() if len(t) > 1}
    assert shared == {}


def test_a_sub_office_word_is_never_a_phrase_of_another_agency_type(directory_data: dict) -> None:
    """'Polsek', 'KUA', 'SDN' belong to their own type; bare words like 'Kecamatan' or 'Rayon' may
    belong to none (they name a sub-office only when a place follows)."""
    types_of: dict[str, set[str]] = defaultdict(set)
    for t in directory_data["agency_types"]:
        for p in (*(t.get("aliases") or ()), *(t.get("service_hints") or ())):
            types_of[_norm(p)].add(t["id"])
    for table in (lexicon.EXTRA_AGENCY_ALIASES, lexicon.EXTRA_SERVICE_HINTS):
        for type_id, phrases in table.items():
            for p in phrases:
                types_of[_norm(p)].add(type_id)
    for type_id, words in lexicon.SUB_OFFICE_WORDS.items():
        for w in words:
            assert types_of.get(_norm(w), set()) <= {type_id}, (type_id, w, types_of[_norm(w)])


# --- a broken file is named in the error ---------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text",
    [
        "agencies: [unclosed\n",  # not YAML
        "- just\n- a list\n",  # not a mapping
        "agencies: {}\n",  # sections missing
    ],
    ids=["syntax", "not-a-mapping", "missing-section"],
)
def test_malformed_file_raises_naming_the_file(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(LexiconInvalid) as err:
        load_lexicon(path)
    assert isinstance(err.value, NarahubungError)
    assert str(path) in err.value.message and err.value.path == path


def test_missing_file_raises_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(LexiconInvalid, match="tidak ditemukan") as err:
        load_lexicon(path)
    assert str(path) in err.value.message


def test_an_unquoted_number_an_upper_case_acronym_or_an_unknown_section_is_refused(tmp_path: Path) -> None:
    good = LEXICON_YAML.read_text(encoding="utf-8")
    number = _write(tmp_path, good.replace('"147", "tagihan internet"', '147, "tagihan internet"'))
    with pytest.raises(LexiconInvalid, match=r"agencies\.telkom\.hints") as err:
        load_lexicon(number)
    assert str(number) in err.value.message
    upper = _write(tmp_path, good.replace('cased_acronyms: ["add"', 'cased_acronyms: ["ADD"'))
    with pytest.raises(LexiconInvalid, match="huruf kecil"):
        load_lexicon(upper)
    typo = _write(tmp_path, good + '\nweak_hint: ["antre"]\n')
    with pytest.raises(LexiconInvalid, match="weak_hint"):
        load_lexicon(typo)


def _import_lexicon(env_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NARAHUBUNG_LEXICON": str(env_path)}
    code = "import classify.lexicon as L; print(L.PLACE_VARIANTS.get('Testville'))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=60
    )


def test_environment_variable_names_another_file(tmp_path: Path) -> None:
    good = LEXICON_YAML.read_text(encoding="utf-8")
    other = _write(tmp_path, good.replace("place_variants:\n", 'place_variants:\n  "Testville": ["Tv"]\n', 1))
    done = _import_lexicon(other)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "('Tv',)"


def test_importing_with_a_malformed_file_fails_naming_it(tmp_path: Path) -> None:
    bad = _write(tmp_path, "agencies: [unclosed\n")
    done = _import_lexicon(bad)
    assert done.returncode != 0
    assert "LexiconInvalid" in done.stderr and str(bad) in done.stderr
