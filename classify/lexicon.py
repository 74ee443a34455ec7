"""Hand-kept word lists that complete the directory for matching, read from config/lexicon.yaml.

The directory names agencies the way the office does; citizens write 'kantor listrik', 'orang
capil', 'SKCK' or 'paspor'. The lexicon adds such spellings, and says which words are too common to
trust without a guard. The lists themselves are service knowledge and live in config/lexicon.yaml
(or the file named by the environment variable NARAHUBUNG_LEXICON); this module reads that file once,
at import, checks it, and exposes every list under a fixed name and type (tuples, frozensets, dicts of
tuples). Keys are agency type ids / region codes / unit ids; sets compared with lower-cased text are
lower case. A missing or malformed file raises `LexiconInvalid`, naming the file.

Names read by the classifier: EXTRA_AGENCY_ALIASES, EXTRA_SERVICE_HINTS, WEAK_HINTS, DEMOTED_ALIASES,
FAMILIES, ABSORBED_BY, LEVEL_WORDS, CASED_ACRONYMS, PROVINCIAL_AGENCY_NAMES, UNIT_PROPER_NAMES,
OWN_PROVINCE_NAMES, ISLANDS, BARE_ISLAND_NAMES, KELURAHAN_SKIP, GUARDED_PLACE_NAMES, PROVINCE_ALIASES,
PROVINCE_CANONICAL, OTHER_PLACE_SKIP, ISLAND_REGIONS; and for the place finder and the cue scans:
PLACE_VARIANTS, SUB_OFFICE_WORDS, TARGET_PHRASES, REFERRAL_PHRASES, PRIVATE_PARTY_CUES, SEVERAL_TARGETS_PHRASES.
`load_lexicon(path)` reads any lexicon file into a `Lexicon` without touching these names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.errors import ExitCode, NarahubungError

ENV_VAR = "NARAHUBUNG_LEXICON"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "lexicon.yaml"


class LexiconInvalid(NarahubungError):
    """The lexicon file is missing, is not YAML, or a list in it is not as expected; the message names
    the file (and the place in it)."""

    exit_code = ExitCode.BAD_SETTINGS

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Lexicon:
    """Every list of one lexicon file, typed as the module-level names."""

    extra_agency_aliases: dict[str, tuple[str, ...]]
    extra_service_hints: dict[str, tuple[str, ...]]
    weak_hints: frozenset[str]
    demoted_aliases: frozenset[str]
    families: tuple[frozenset[str], ...]
    absorbed_by: tuple[tuple[str, str], ...]
    level_words: dict[str, frozenset[str]]
    cased_acronyms: frozenset[str]
    provincial_agency_names: dict[str, tuple[str, ...]]
    unit_proper_names: dict[str, tuple[str, ...]]
    sub_office_words: dict[str, tuple[str, ...]]
    target_phrases: tuple[str, ...]
    referral_phrases: tuple[str, ...]
    private_party_cues: tuple[str, ...]
    several_targets_phrases: tuple[str, ...]
    own_province_names: tuple[str, ...]
    islands: dict[str, tuple[str, ...]]
    island_regions: dict[str, tuple[str, ...]]
    bare_island_names: frozenset[str]
    kelurahan_skip: frozenset[str]
    guarded_place_names: frozenset[str]
    province_aliases: dict[str, tuple[str, ...]]
    province_canonical: dict[str, str]
    other_place_skip: frozenset[str]
    place_variants: dict[str, tuple[str, ...]]


def lexicon_path() -> Path:
    """The file to read: $NARAHUBUNG_LEXICON when set (and not empty), else config/lexicon.yaml."""
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else DEFAULT_PATH


class _Reader:
    """Typed access to the parsed YAML; every problem becomes a LexiconInvalid naming the file."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def fail(self, where: str, why: str) -> LexiconInvalid:
        return LexiconInvalid(f"Berkas leksikon {self.path} tidak sah di '{where}': {why}.", path=self.path)

    def node(self, key: str, kind: type, *, required: bool = True) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(key, "bagian ini tidak ada")
            return kind()
        value = self.data[key]
        if value is None:
            return kind()
        if not isinstance(value, kind):
            raise self.fail(key, "harus berupa " + ("daftar" if kind is list else "pemetaan"))
        return value

    def phrases(self, value: Any, where: str, *, lower: bool = False) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(where, "harus berupa daftar frasa")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{where}[{i}]", f"{item!r} bukan frasa (tulis setiap frasa di antara tanda kutip)")
            if lower and item != item.lower():
                raise self.fail(f"{where}[{i}]", f"'{item}' harus ditulis dengan huruf kecil")
            out.append(item)
        return tuple(out)

    def phrase_list(self, key: str, *, lower: bool = False) -> tuple[str, ...]:
        return self.phrases(self.node(key, list), key, lower=lower)

    def phrase_set(self, key: str) -> frozenset[str]:
        return frozenset(self.phrase_list(key, lower=True))

    def phrase_map(self, key: str, *, required: bool = True) -> dict[str, tuple[str, ...]]:
        out = {}
        for k, v in self.node(key, dict, required=required).items():
            if not isinstance(k, str) or not k.strip():
                raise self.fail(key, f"kunci {k!r} bukan teks")
            out[k] = self.phrases(v, f"{key}.{k}")
        return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LexiconInvalid(f"Berkas leksikon tidak ditemukan: {path}.", path=path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconInvalid(f"Berkas leksikon {path} tidak dapat dibaca: {exc}.", path=path) from exc
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (baris {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise LexiconInvalid(f"Berkas leksikon {path} bukan YAML yang sah{where}: {problem}.", path=path) from exc
    if not isinstance(data, dict):
        raise LexiconInvalid(f"Berkas leksikon {path} harus berupa pemetaan bagian-bagian leksikon.", path=path)
    return data


SECTIONS = frozenset({
    "agencies", "weak_hints", "demoted_aliases", "families", "absorbed_by", "level_words",
    "cased_acronyms", "provincial_agency_names", "unit_proper_names", "sub_office_words",
    "target_phrases", "referral_phrases", "private_party_cues", "several_targets_phrases", "own_province_names", "islands",
    "island_regions", "bare_island_names", "kelurahan_skip", "guarded_place_names", "province_aliases",
    "province_canonical", "other_place_skip", "place_variants",
})


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Read and check one lexicon file (default: `lexicon_path()`); raise LexiconInvalid naming it."""
    path = Path(path) if path is not None else lexicon_path()
    r = _Reader(path, _read_yaml(path))
    unknown = sorted(str(k) for k in r.data if k not in SECTIONS)
    if unknown:
        raise r.fail(unknown[0], "bagian ini tidak dikenal (salah ketik?)")

    aliases: dict[str, tuple[str, ...]] = {}
    hints: dict[str, tuple[str, ...]] = {}
    weak = set(r.phrase_set("weak_hints"))
    for type_id, entry in r.node("agencies", dict).items():
        where = f"agencies.{type_id}"
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise r.fail(where, "harus berupa pemetaan aliases / hints / weak_hints")
        extra = set(entry) - {"aliases", "hints", "weak_hints"}
        if extra:
            raise r.fail(where, f"kunci tidak dikenal {sorted(extra)} (yang boleh: aliases, hints, weak_hints)")
        a = r.phrases(entry.get("aliases"), f"{where}.aliases")
        h = r.phrases(entry.get("hints"), f"{where}.hints")
        w = r.phrases(entry.get("weak_hints"), f"{where}.weak_hints")
        weak.update(p.lower() for p in w)
        if a:
            aliases[type_id] = a
        if h or w:
            hints[type_id] = h + w

    families = tuple(
        frozenset(r.phrases(f, f"families[{i}]")) for i, f in enumerate(r.node("families", list))
    )
    absorbed = []
    for i, pair in enumerate(r.node("absorbed_by", list)):
        p = r.phrases(pair, f"absorbed_by[{i}]")
        if len(p) != 2:
            raise r.fail(f"absorbed_by[{i}]", "harus berisi tepat dua jenis instansi [umum, khusus]")
        absorbed.append((p[0], p[1]))
    level_words = {
        k: frozenset(r.phrases(v, f"level_words.{k}", lower=True))
        for k, v in r.node("level_words", dict).items()
    }
    canonical = {}
    for k, v in r.node("province_canonical", dict).items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise r.fail(f"province_canonical.{k}", "kunci dan nilai harus berupa teks")
        canonical[k] = v

    return Lexicon(
        extra_agency_aliases=aliases,
        extra_service_hints=hints,
        weak_hints=frozenset(weak),
        demoted_aliases=r.phrase_set("demoted_aliases"),
        families=families,
        absorbed_by=tuple(absorbed),
        level_words=level_words,
        cased_acronyms=r.phrase_set("cased_acronyms"),
        provincial_agency_names=r.phrase_map("provincial_agency_names"),
        unit_proper_names=r.phrase_map("unit_proper_names"),
        sub_office_words=r.phrase_map("sub_office_words"),
        target_phrases=r.phrase_list("target_phrases", lower=True),
        referral_phrases=r.phrase_list("referral_phrases", lower=True),
        private_party_cues=r.phrase_list("private_party_cues", lower=True),
        several_targets_phrases=r.phrases(r.node("several_targets_phrases", list, required=False),
                                          "several_targets_phrases", lower=True),
        own_province_names=r.phrase_list("own_province_names"),
        islands=r.phrase_map("islands"),
        island_regions=r.phrase_map("island_regions"),
        bare_island_names=r.phrase_set("bare_island_names"),
        kelurahan_skip=r.phrase_set("kelurahan_skip"),
        guarded_place_names=r.phrase_set("guarded_place_names"),
        province_aliases=r.phrase_map("province_aliases"),
        province_canonical=canonical,
        other_place_skip=r.phrase_set("other_place_skip"),
        place_variants=r.phrase_map("place_variants"),
    )


_LEXICON = load_lexicon()
LEXICON_PATH: Path = lexicon_path()  # the file the lists above were read from

# --- agencies --------------------------------------------------------------------------------
EXTRA_AGENCY_ALIASES: dict[str, tuple[str, ...]] = _LEXICON.extra_agency_aliases
EXTRA_SERVICE_HINTS: dict[str, tuple[str, ...]] = _LEXICON.extra_service_hints
WEAK_HINTS: frozenset[str] = _LEXICON.weak_hints
DEMOTED_ALIASES: frozenset[str] = _LEXICON.demoted_aliases
FAMILIES: tuple[frozenset[str], ...] = _LEXICON.families
ABSORBED_BY: tuple[tuple[str, str], ...] = _LEXICON.absorbed_by
LEVEL_WORDS: dict[str, frozenset[str]] = _LEXICON.level_words
CASED_ACRONYMS: frozenset[str] = _LEXICON.cased_acronyms
PROVINCIAL_AGENCY_NAMES: dict[str, tuple[str, ...]] = _LEXICON.provincial_agency_names
UNIT_PROPER_NAMES: dict[str, tuple[str, ...]] = _LEXICON.unit_proper_names
SUB_OFFICE_WORDS: dict[str, tuple[str, ...]] = _LEXICON.sub_office_words
TARGET_PHRASES: tuple[str, ...] = _LEXICON.target_phrases
REFERRAL_PHRASES: tuple[str, ...] = _LEXICON.referral_phrases
PRIVATE_PARTY_CUES: tuple[str, ...] = _LEXICON.private_party_cues
SEVERAL_TARGETS_PHRASES: tuple[str, ...] = _LEXICON.several_targets_phrases

# --- places ------------------------------------------------------------------------------------
OWN_PROVINCE_NAMES: tuple[str, ...] = _LEXICON.own_province_names
ISLANDS: dict[str, tuple[str, ...]] = _LEXICON.islands
ISLAND_REGIONS: dict[str, tuple[str, ...]] = _LEXICON.island_regions
BARE_ISLAND_NAMES: frozenset[str] = _LEXICON.bare_island_names
KELURAHAN_SKIP: frozenset[str] = _LEXICON.kelurahan_skip
GUARDED_PLACE_NAMES: frozenset[str] = _LEXICON.guarded_place_names
PROVINCE_ALIASES: dict[str, tuple[str, ...]] = _LEXICON.province_aliases
PROVINCE_CANONICAL: dict[str, str] = _LEXICON.province_canonical
OTHER_PLACE_SKIP: frozenset[str] = _LEXICON.other_place_skip
PLACE_VARIANTS: dict[str, tuple[str, ...]] = _LEXICON.place_variants
