"""Train `LearnedClassifier`: seeded, reproducible, a few minutes on 2 cores.

    train([TRAIN_FILE], Path("/tmp/model"), seed=0) -> TrainReport

Stacking with out-of-fold predictions, so that nothing is calibrated on what it was fitted on:
1. Facts of every record are read once (gazetteer, places, cues, the rules' kind).
2. Stage 1, k folds (stratified by kind): the text models (kind, agency type, region, maladministration;
   linear over hashed n-grams, IDF fitted on the fold's training part) and the mention-context model
   (`mentions.py`) predict each record from a model that did not see it.
3. Stage 2: the kind stack, the agency-type and region rankers and the maladministration stack are fitted
   on those out-of-fold probabilities; the same k folds give every record a stage-2 prediction from
   stackers that did not see it either.
4. On these out-of-fold decisions: an isotonic map raw route score -> P(routed unit right), the lowest
   raw threshold whose routed precision is >= TARGET_PRECISION (with a margin, so that the target
   holds on new writers), the second maladministration type's threshold per type, and the figures.
5. Every model is refitted on all records and saved (`weights.npz` + `meta.json`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from classify.corpus import Record, message_of, read_records
from classify.decision import KINDS
from classify.learned.candidates import NONE, agency_rows, region_rows
from classify.learned.classifier import (
    Analysis,
    LearnedClassifier,
    Models,
    TextProbs,
    analyse,
    confidence_features,
    decide,
    isotonic_apply,
    kind_features,
    malad_rows,
    malad_types,
)
from classify.learned.facts import FactReader, Facts
from classify.learned.linear import (
    Linear,
    fit_binary_dense,
    fit_multilabel,
    fit_ovr,
    fit_softmax,
)
from classify.learned.mentions import context_scores, fit_context, mention_docs
from classify.learned.text import TextVectorizer
from core.directory import Directory, load_directory

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIRECTORY = PROJECT_ROOT / "config" / "directory.yaml"
TARGET_PRECISION = 0.995
MIN_ROUTED = 30  # out-of-fold routed decisions the threshold must rest on at least
CV_FOLDS = 5
CV_SALT = "narahubung-cv-2"
# How the training folds are made. "writer" (whole writers per fold, so the stackers, the confidence model
# and the threshold learn from predictions of writers the text models never read) was measured against
# "random" with writers held out (benchmarks/classify_writer_cv.py): on new writers both kept precision
# >= 0.995, but "writer" routed 0.32 of them against 0.58, so the folds stay random.
FOLDS_BY = "random"
WRITER_ID = re.compile(r"([a-z]+[0-9]*)-")
TEXT_C = 10.0
STACK_C = 1.0
KIND_STACK_C = 3.0  # the kind stack has few, well-scaled features; chosen by 5-fold CV inside train
CONFIDENCE_C = 3.0  # the confidence model: out-of-fold coverage at precision 0.995 was 0.64 at C=1, 0.69 at 3
# How far the kind text model evens out rare kinds (0 none, 1 fully): chosen by cross-validation
# inside train, and so that a two-line complaint is not read as a question.
KIND_BALANCE = 0.5
KIND_STACK_BALANCE = 0.0
# Bump when training or the decision code changes what a model decides: the version changes with it.
RECIPE = "learned-8"  # learned-3, -5, -6 and -7 were candidates never shipped


@dataclass
class TrainReport:
    version: str
    out: str
    seed: int
    n_train: int
    seconds: float
    route_threshold_raw: float
    cv_figures: dict = field(default_factory=dict)


def random_folds(records: Sequence[Record], k: int) -> list[int]:
    """The fold of every record: per kind (and agency type), ordered by SHA-256 of salt:id, dealt round-robin."""
    def h(r: Record) -> str:
        return hashlib.sha256(f"{CV_SALT}:{r.id}".encode()).hexdigest()

    fold_of: dict[str, int] = {}
    i = 0
    strata: dict[str, list[Record]] = {}
    for r in records:
        strata.setdefault(f"{r.kind}/{r.agency_type}", []).append(r)
    for key in sorted(strata):
        for r in sorted(strata[key], key=h):
            fold_of[r.id] = i % k
            i += 1
    return [fold_of[r.id] for r in records]


def writer_of(record_id: str) -> str | None:
    """The writer of a corpus record: its id's prefix (`ta`, `tb`, `tc1` … in `ta-0001`, `tc3-0141`);
    None for a record of no known writer (a case that staff labelled, `db:…`)."""
    m = WRITER_ID.match(record_id)
    return m.group(1) if m else None


def writer_folds(records: Sequence[Record], k: int) -> list[int]:
    """Folds made of whole writers, so that every out-of-fold prediction comes from models that never
    read its writer, as on the office's hidden sets (their writers are new). Writers go, largest
    first, to the fold with the fewest records; records of no known writer are dealt as `random_folds`
    deals them. With fewer than k writers, `random_folds`."""
    sizes: dict[str, int] = {}
    for r in records:
        w = writer_of(r.id)
        if w is not None:
            sizes[w] = sizes.get(w, 0) + 1
    if len(sizes) < k:
        return random_folds(records, k)
    load = [0] * k
    fold_of_writer: dict[str, int] = {}
    for w in sorted(sizes, key=lambda w: (-sizes[w], w)):
        f = min(range(k), key=lambda i: (load[i], i))
        fold_of_writer[w] = f
        load[f] += sizes[w]
    dealt = random_folds(records, k)
    return [fold_of_writer[w] if (w := writer_of(r.id)) is not None else d for r, d in zip(records, dealt)]


def cv_folds(records: Sequence[Record], k: int, by: str | None = None) -> list[int]:
    """The training folds: `by` "random" or "writer" (default `FOLDS_BY`)."""
    return writer_folds(records, k) if (by or FOLDS_BY) == "writer" else random_folds(records, k)


# --- stage 1: the text models ---------------------------------------------------------------------
@dataclass
class TextModels:
    vectorizer: TextVectorizer
    kind: Linear
    type: Linear
    region: Linear
    malad: Linear
    mention: Linear


def _region_label(r: Record) -> str:
    return r.region if r.region else NONE


def short_view(facts: Facts) -> str:
    """A two-line version of a message, as people also write: the subject and the (at most two)
    sentences naming an agency or a grievance, else the first two. Training the kind model on these
    beside the full texts keeps a short complaint from reading as a question or a thank-you."""
    chosen = []
    marks = {facts.sentence_of(m.start) for m in facts.agencies} | set(facts.grievance_sentences)
    for i, (a, b) in enumerate(facts.sentences):
        if a >= facts.subject_end and (i in marks or not marks) and len(facts.text[a:b].split()) >= 3:
            chosen.append(facts.text[a:b].strip())
        if len(chosen) == 2:
            break
    subject = facts.text[:facts.subject_end]
    return "\n\n".join(p for p in (subject, ". ".join(chosen)) if p)


def _gold_type(r: Record, types: tuple[str, ...]) -> str | None:
    return r.agency_type if r.kind in ("complaint", "follow_up") and r.agency_type in types else None


def fit_text(texts: list[str], records: list[Record], types: tuple[str, ...], regions: tuple[str, ...],
             malad_ids: tuple[str, ...], seed: int, views: list[str] | None = None,
             docs: list[list[tuple[str, str]]] | None = None) -> TextModels:
    vec = TextVectorizer().fit(texts)
    x = vec.transform(texts)
    kind_x, kind_y = x, [r.kind for r in records]
    if views:
        import scipy.sparse as sp

        kind_x = sp.vstack([x, vec.transform(views)], format="csr")
        kind_y = kind_y + kind_y
    kind = fit_ovr(kind_x, kind_y, KINDS, TEXT_C, seed, balanced=KIND_BALANCE)
    typed = [i for i, r in enumerate(records) if r.agency_type in types]
    type_m = fit_ovr(x[typed], [str(records[i].agency_type) for i in typed], types, TEXT_C, seed)
    located = [i for i, r in enumerate(records) if r.kind == "complaint" and r.agency_type in types]
    region_m = fit_ovr(x[located], [_region_label(records[i]) for i in located], (*regions, NONE), TEXT_C, seed)
    malad = [i for i, r in enumerate(records) if r.maladministration]
    malad_m = fit_multilabel(x[malad], [records[i].maladministration for i in malad], malad_ids, TEXT_C, seed)
    mention_m = fit_context(docs or [[] for _ in records], [_gold_type(r, types) for r in records], seed)
    return TextModels(vec, kind, type_m, region_m, malad_m, mention_m)


def predict_text(m: TextModels, texts: list[str], types, regions, malad_ids,
                 docs: list[list[tuple[str, str]]] | None = None) -> list[TextProbs]:
    x = m.vectorizer.transform(texts)
    k, t, r, d = m.kind.proba(x), m.type.proba(x), m.region.proba(x), m.malad.proba(x)
    docs = docs or [[] for _ in texts]
    return [TextProbs(dict(zip(KINDS, k[i].tolist())), dict(zip(types, t[i].tolist())),
                      dict(zip((*regions, NONE), r[i].tolist())), dict(zip(malad_ids, d[i].tolist())),
                      context_scores(m.mention, docs[i]))
            for i in range(len(texts))]


# --- stage 2: the stackers ------------------------------------------------------------------------
@dataclass
class StackData:
    kind_x: np.ndarray
    kind_y: Sequence[str]
    type_x: list[np.ndarray]  # per record: rows of every type (empty for records without a type)
    type_y: list[np.ndarray]
    region_x: list[np.ndarray]
    region_y: list[np.ndarray]
    malad_x: list[np.ndarray]
    malad_y: list[np.ndarray]


def stack_data(facts: list[Facts], probs: list[TextProbs], records: list[Record], types, regions, malad_ids,
               priors) -> StackData:
    kx, ky, tx, ty, rx, ry, mx, my = [], [], [], [], [], [], [], []
    for f, p, r in zip(facts, probs, records):
        kx.append(kind_features(f, p.kind))
        ky.append(r.kind)
        if r.agency_type in types and r.kind in ("complaint", "follow_up"):
            tx.append(agency_rows(f, types, p.type, priors, p.mention))
            ty.append(np.array([t == r.agency_type for t in types], dtype=int))
        else:
            tx.append(np.zeros((0, 0)))
            ty.append(np.zeros(0))
        if r.kind == "complaint" and r.agency_type in types:
            rx.append(region_rows(f, regions, p.region, r.agency_type))
            ry.append(np.array([c == _region_label(r) for c in (*regions, NONE)], dtype=int))
        else:
            rx.append(np.zeros((0, 0)))
            ry.append(np.zeros(0))
        if r.kind == "complaint" and r.maladministration:
            mx.append(malad_rows(f, p.malad, malad_ids))
            my.append(np.array([t in r.maladministration for t in malad_ids], dtype=int))
        else:
            mx.append(np.zeros((0, 0)))
            my.append(np.zeros(0))
    return StackData(np.vstack(kx), ky, tx, ty, rx, ry, mx, my)


def _rows(xs: list[np.ndarray], ys: list[np.ndarray], idx: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    use = [i for i in idx if xs[i].size]
    return np.vstack([xs[i] for i in use]), np.concatenate([ys[i] for i in use])


def fit_stack(d: StackData, idx: Sequence[int], seed: int) -> dict[str, Linear]:
    idx = list(idx)
    out = {"kind_stack": fit_softmax(d.kind_x[idx], [d.kind_y[i] for i in idx], KINDS, KIND_STACK_C, seed,
                                     weights=KIND_STACK_BALANCE)}
    for name, xs, ys in (("type_ranker", d.type_x, d.type_y), ("region_ranker", d.region_x, d.region_y),
                         ("malad_stack", d.malad_x, d.malad_y)):
        x, y = _rows(xs, ys, idx)
        out[name] = fit_binary_dense(x, y, STACK_C, seed)
    return out


def _models(text: TextModels | None, stack: dict[str, Linear], types, regions, malad_ids, priors) -> Models:
    placeholder = Linear(np.zeros((1, 1)), np.zeros(1), ("x",))
    return Models(
        vectorizer=text.vectorizer if text else TextVectorizer(),
        kind_text=text.kind if text else placeholder, type_text=text.type if text else placeholder,
        region_text=text.region if text else placeholder, malad_text=text.malad if text else placeholder,
        kind_stack=stack["kind_stack"], type_ranker=stack["type_ranker"], region_ranker=stack["region_ranker"],
        malad_stack=stack["malad_stack"], confidence=stack.get("confidence"),
        mention_context=text.mention if text else placeholder, types=types, regions=regions, malad_ids=malad_ids,
        priors=priors,
    )


# --- calibration and thresholds -------------------------------------------------------------------
def pav(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """Isotonic (non-decreasing) fit by pool-adjacent-violators; returns block centres and values."""
    pts = sorted(zip(xs, ys))
    blocks: list[list[float]] = []  # [sum_y, count, sum_x]
    for x, y in pts:
        blocks.append([y, 1.0, x])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            y2, c2, x2 = blocks.pop()
            blocks[-1][0] += y2
            blocks[-1][1] += c2
            blocks[-1][2] += x2
    return [round(b[2] / b[1], 6) for b in blocks], [round(b[0] / b[1], 6) for b in blocks]


def route_threshold(cands: list[tuple[float, bool]], target: float, min_routed: int = MIN_ROUTED) -> float:
    """The lowest raw score at which the candidates at or above it are right at least `target` of the
    time, and there are at least `min_routed` of them (a handful of right ones proves nothing); above
    1.0 when no score qualifies."""
    ordered = sorted(cands, key=lambda c: -c[0])
    best, tp, n = 1.01, 0, 0
    for i, (raw, right) in enumerate(ordered):
        tp += right
        n += 1
        if i + 1 < len(ordered) and ordered[i + 1][0] == raw:
            continue
        if n >= min_routed and tp / n >= target:
            best = raw
    return best


def malad_thresholds(rows: list[tuple[set, dict[str, float], dict[str, float]]], ids, grid=None) -> dict[str, float]:
    """Per type, the threshold of a second type that maximises that type's F1 out of fold."""
    grid = grid or [x / 20 for x in range(2, 20)]
    out: dict[str, float] = {}
    for t in ids:
        best = (-1.0, 0.5)
        for th in grid:
            thr = {**dict.fromkeys(ids, 0.5), t: th}
            tp = fp = fn = 0
            for gold, p, cue in rows:
                pred = malad_types(p, thr, cue)
                tp += t in gold and t in pred
                fp += t not in gold and t in pred
                fn += t in gold and t not in pred
            f = 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else 0.0
            if f > best[0] + 1e-9:
                best = (f, th)
        out[t] = best[1]
    return out


# --- figures --------------------------------------------------------------------------------------
def figures(records: list[Record], decisions: list) -> dict:
    from classify.evaluation import metrics

    m = metrics(records, decisions, 0.0, 1.0)
    m.pop("docs_per_s", None)
    return {k: v for k, v in m.items() if not isinstance(v, dict)}


def data_hash(data: Sequence[Path], seed: int, extra: Sequence[Record] = (), directory: Directory | None = None,
              folds_by: str | None = None) -> str:
    """From everything a model is made of: data, seed, recipe, the word lists and the directory."""
    from classify import lexicon

    h = hashlib.sha256()
    for p in data:
        h.update(Path(p).read_bytes())
    h.update(lexicon.LEXICON_PATH.read_bytes() if hasattr(lexicon, "LEXICON_PATH") else b"")
    source = getattr(directory, "source", None)
    if source is not None and Path(source).is_file():
        h.update(Path(source).read_bytes())
    for r in extra:
        h.update(r.model_dump_json().encode())
    rule = "" if folds_by in (None, "random") else f"/{folds_by}"  # random folds: versions as before
    h.update(f"recipe={RECIPE};seed={seed};cv={CV_FOLDS}{rule};c={TEXT_C}/{STACK_C}/{KIND_STACK_C}/{CONFIDENCE_C};"
             f"balance={KIND_BALANCE}/{KIND_STACK_BALANCE};target={TARGET_PRECISION}".encode())
    return h.hexdigest()[:10]


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def stage1_out_of_fold(records: list[Record], facts: list[Facts], folds: list[int], k: int, seed: int, types,
                       regions, malad_ids, progress=None) -> list[TextProbs]:
    """Every record's text probabilities from text models fitted on the other folds."""
    texts = [f.text for f in facts]
    views = [short_view(f) for f in facts]
    docs = [mention_docs(f) for f in facts]
    probs: list[TextProbs | None] = [None] * len(records)
    for f in range(k):
        tr = [i for i in range(len(records)) if folds[i] != f]
        te = [i for i in range(len(records)) if folds[i] == f]
        m = fit_text([texts[i] for i in tr], [records[i] for i in tr], types, regions, malad_ids, seed,
                     [views[i] for i in tr], [docs[i] for i in tr])
        for i, p in zip(te, predict_text(m, [texts[i] for i in te], types, regions, malad_ids, [docs[i] for i in te])):
            probs[i] = p
        if progress:
            progress(f"stage 1, fold {f + 1}/{k}")
    return [p for p in probs if p is not None]


def stage2_out_of_fold(records: list[Record], facts: list[Facts], probs: list[TextProbs], directory: Directory,
                       folds: list[int], k: int, seed: int, types, regions, malad_ids,
                       priors) -> tuple[StackData, list[Analysis]]:
    """The stackers' data, and every record's analysis from stackers fitted on the other folds."""
    data = stack_data(facts, probs, records, types, regions, malad_ids, priors)
    analyses: list[Analysis | None] = [None] * len(records)
    for f in range(k):
        tr = [i for i in range(len(records)) if folds[i] != f]
        models = _models(None, fit_stack(data, tr, seed), types, regions, malad_ids, priors)
        for i in range(len(records)):
            if folds[i] == f:
                analyses[i] = analyse(models, directory, facts[i], probs[i])
    return data, [a for a in analyses if a is not None]


@dataclass
class OutOfFold:
    """What the out-of-fold decisions give: the confidence model, calibration, thresholds, figures."""

    confidence: Linear
    calibration: tuple[list[float], list[float]]
    route_threshold: float
    malad_thresholds: dict[str, float]
    decisions: list
    figures: dict


def calibrate_out_of_fold(records: list[Record], facts: list[Facts], analyses: list[Analysis], sdata: StackData,
                          directory: Directory, folds: list[int], k: int, seed: int, types, regions, malad_ids,
                          priors) -> OutOfFold:
    """The confidence model: P(routed unit right) from the decision's features, fitted on out-of-fold
    decisions; its own out-of-fold output (written into `analyses`) is what calibration and the
    threshold see."""
    decided = [i for i, a in enumerate(analyses) if a.unit is not None]
    cx = np.vstack([confidence_features(facts[i], analyses[i]) for i in decided])
    cy = np.array([records[i].kind == "complaint" and records[i].unit == analyses[i].unit for i in decided], dtype=int)
    for f in range(k):
        tr = [j for j, i in enumerate(decided) if folds[i] != f]
        conf_m = fit_binary_dense(cx[tr], cy[tr], CONFIDENCE_C, seed)
        for j, i in enumerate(decided):
            if folds[i] == f:
                analyses[i].raw = float(conf_m.proba(cx[j:j + 1])[0, 1])
    confidence_model = fit_binary_dense(cx, cy, CONFIDENCE_C, seed)
    cands = []
    for r, a in zip(records, analyses):
        if a.unit is not None and max(a.kind_p, key=a.kind_p.__getitem__) == "complaint":
            right = r.kind == "complaint" and r.unit is not None and r.unit == a.unit
            cands.append((a.raw, right))
    xs, ys = pav([0.0] + [c[0] for c in cands], [0.0] + [float(c[1]) for c in cands]) if cands else ([], [])
    threshold = route_threshold(cands, TARGET_PRECISION)
    mrows = [(set(r.maladministration), a.malad_p, dict(f.malad_cue)) for r, a, f in zip(records, analyses, facts)
             if r.kind == "complaint" and r.maladministration]
    mthr = malad_thresholds(mrows, malad_ids)
    oof_models = _models(None, fit_stack(sdata, range(len(records)), seed), types, regions, malad_ids, priors)
    oof_models.malad_thresholds, oof_models.route_threshold = mthr, threshold
    decisions = [decide(oof_models, directory, f, a, "cv", isotonic_apply(xs, ys, a.raw), None)
                 for f, a in zip(facts, analyses)]
    return OutOfFold(confidence_model, (xs, ys), threshold, mthr, decisions, figures(records, decisions))


def train(data: list[Path], out: Path, seed: int = 0, *, directory: Directory | None = None,
          limit: int | None = None, folds: int = CV_FOLDS, extra: Sequence[Record] = (),
          progress=None, oof_out: Path | None = None, folds_by: str | None = None) -> TrainReport:
    """Train on the records of `data` plus `extra` (staff-labelled cases from the database)."""
    started = time.perf_counter()
    folds_by = folds_by or FOLDS_BY
    np.random.seed(seed)
    directory = directory if directory is not None else load_directory(DEFAULT_DIRECTORY)
    records = [r for p in data for r in read_records(p)]
    if limit is not None:
        records = records[:limit]
    records += list(extra)
    types = tuple(t.id for t in directory.agency_types)
    regions = tuple(r.code for r in directory.regions)
    malad_ids = tuple(directory.maladministration_ids)
    counts = {t: sum(r.agency_type == t for r in records) for t in types}
    priors = {t: round((counts[t] + 1) / (sum(counts.values()) + len(types)), 6) for t in types}
    reader = FactReader(directory)
    facts = [reader.read(message_of(r)) for r in records]
    if progress:
        progress("facts read")
    k = max(2, folds)
    fold_of = cv_folds(records, k, folds_by)
    probs = stage1_out_of_fold(records, facts, fold_of, k, seed, types, regions, malad_ids, progress)
    sdata, analyses = stage2_out_of_fold(records, facts, probs, directory, fold_of, k, seed, types, regions,
                                         malad_ids, priors)
    oof = calibrate_out_of_fold(records, facts, analyses, sdata, directory, fold_of, k, seed, types, regions,
                                malad_ids, priors)
    decisions, cv_all = oof.decisions, oof.figures
    if oof_out is not None:  # every out-of-fold decision, for error analysis (train records only)
        with open(oof_out, "w", encoding="utf-8") as fh:
            for r, a, d in zip(records, analyses, decisions):
                fh.write(json.dumps({"id": r.id, "gold_kind": r.kind, "gold_unit": r.unit, "gold_type": r.agency_type,
                                     "gold_region": r.region, "kind": d.kind, "unit": a.unit, "raw": round(a.raw, 4),
                                     "abstain": d.abstain, "reasons": d.reasons, "types": d.scores["agency_type"],
                                     "region": d.scores["region"], "malad": d.maladministration,
                                     "unit_p": round(a.unit_score, 8), "kind_p": round(a.kind_p["complaint"], 8),
                                     "kinds": d.scores["kind"],
                                     "gold_malad": r.maladministration}, ensure_ascii=False) + "\n")
    by_source: dict[str, dict] = {}
    for src in sorted({r.id.split("-", 1)[0] for r in records}):
        idx = [i for i, r in enumerate(records) if r.id.split("-", 1)[0] == src]
        by_source[src] = figures([records[i] for i in idx], [decisions[i] for i in idx])

    # the final models, on everything
    text = fit_text([f.text for f in facts], records, types, regions, malad_ids, seed,
                    [short_view(f) for f in facts], [mention_docs(f) for f in facts])
    stack = fit_stack(sdata, range(len(records)), seed)
    stack["confidence"] = oof.confidence
    models = _models(text, stack, types, regions, malad_ids, priors)
    models.malad_thresholds, models.calibration, models.route_threshold = (oof.malad_thresholds, oof.calibration,
                                                                          oof.route_threshold)
    digest = data_hash(data, seed, extra, directory, folds_by) + (f"-l{limit}" if limit else "") + (f"-cv{folds}" if folds != CV_FOLDS else "")
    version = f"learned-{digest}"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seconds = round(time.perf_counter() - started, 2)
    cv_figures = {**cv_all, "by_source": by_source}
    meta = {
        "version": version,
        "data": [_shown(p) for p in data] + ([f"database: {len(extra)} staff-labelled cases"] if extra else []),
        "seed": seed, "limit": limit, "n_train": len(records), "folds": k, "folds_by": folds_by,
        "recipe": RECIPE,
        "target_precision": TARGET_PRECISION,
        "cv_figures": cv_figures,
        "train_seconds": seconds,
    }
    models.save(out, meta)
    return TrainReport(version, str(out), seed, len(records), seconds, oof.route_threshold, cv_figures)


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--oof", type=Path, help="write every out-of-fold decision to this JSONL file")
    args = ap.parse_args()
    report = train(args.data, args.out, args.seed, progress=lambda s: print(s, flush=True), oof_out=args.oof)
    print(json.dumps(asdict(report), indent=2))


if __name__ == "__main__":
    main()


__all__ = ["LearnedClassifier", "TrainReport", "train"]
