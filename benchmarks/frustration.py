"""Frustration detection on text nobody here wrote (GoEmotions) and on the in-domain set.

Side by side in one run, three methods:

- **VADER only**: ``compound <= t``, ``t`` chosen to maximise F1 on the tuning data;
- **TF-IDF + LR baseline**: word 1-2-grams + char 2-5-grams (TfidfVectorizer) and a
  class-balanced logistic regression trained on GoEmotions *train*, threshold on the tuning data;
- **FrustrationScorer before** (cues only, as up to 2026-11): the same in-domain fit without
  the affect model, for the comparison;
- **FrustrationScorer**: its negative-affect factor (the committed
  ``data/frustration/affect_model.npz``, threshold chosen on GoEmotions dev when it was built)
  and its final score (the affect factor, the cues and the "aimed at the service" split, fitted
  on the in-domain ``train`` rows exactly as ``rasa train`` does, threshold by cross-validation).

Two test sets, each reported once: **GoEmotions test** (positives: anger, annoyance or disgust;
tuning data: GoEmotions dev) and the **in-domain test** rows of ``data/frustration/labelled.csv``
(tuning data: its ``train`` rows; written by the team, so an in-domain check only). Last, the
off-target count: in-domain test messages that are negative about something else ("furious with
my landlord") and score at or above each method's threshold.

    python -m benchmarks.frustration [GOEMOTIONS_DIR] [--data data/frustration/labelled.csv]

``GOEMOTIONS_DIR`` defaults to ``../shared/datasets/goemotions``; the data set is not in this
repository.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

import numpy as np

from benchmarks.goemotions import read_split
from handoff.signals.affect import AffectModel
from handoff.signals.frustration import vader_compound
from handoff.signals.frustration_model import best_f1_threshold, fit, read_labelled
from ops.model import PROJECT_ROOT

DEFAULT_DATA = PROJECT_ROOT / "data" / "frustration" / "labelled.csv"
DEFAULT_AFFECT = PROJECT_ROOT / "data" / "frustration" / "affect_model.npz"
DEFAULT_GOEMOTIONS = PROJECT_ROOT.parent / "shared" / "datasets" / "goemotions"
TARGETS = {"goemotions_f1": 0.60, "in_domain_f1": 0.88, "off_target_share": 2 / 12}


@dataclass(frozen=True)
class Labelled:
    """Texts with labels; ``kinds`` only for the in-domain set."""

    texts: List[str]
    labels: List[bool]
    kinds: List[str]


@dataclass(frozen=True)
class Result:
    """One method on one test set."""

    method: str
    threshold: float
    precision: float
    recall: float
    f1: float
    off_target: int = 0


def prf(predicted: Sequence[bool], labels: Sequence[bool]) -> Tuple[float, float, float]:
    """Return precision, recall and F1 of binary predictions."""
    true_positives = sum(p and y for p, y in zip(predicted, labels, strict=True))
    precision = true_positives / max(1, sum(predicted))
    recall = true_positives / max(1, sum(labels))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


Scorer = Callable[[Sequence[str]], Sequence[float]]


def evaluate(
    method: str, score: Scorer, tune: Labelled, test: Labelled, threshold: float | None = None
) -> Result:
    """Choose the threshold on ``tune`` (unless given), then report ``test`` once."""
    if threshold is None:
        threshold, _ = best_f1_threshold(list(score(tune.texts)), tune.labels)
    scores = list(score(test.texts))
    predicted = [s >= threshold for s in scores]
    off = sum(p for p, kind in zip(predicted, test.kinds, strict=False) if kind == "off_target")
    return Result(method, threshold, *prf(predicted, test.labels), off_target=off)


def tfidf_baseline(train: Labelled) -> Scorer:
    """Train the issue's thirty-line baseline: TF-IDF word+char n-grams, balanced LR."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    model = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        ),
        LogisticRegression(class_weight="balanced", max_iter=2000),
    )
    model.fit(train.texts, train.labels)
    return lambda texts: model.predict_proba(list(texts))[:, 1].tolist()


def vader(texts: Sequence[str]) -> List[float]:
    """VADER's negativity (``-compound``), so higher means more negative."""
    return [-vader_compound(text) for text in texts]


def run(goemotions: Path, data: Path, affect_path: Path) -> List[str]:
    """Run every method on both test sets; return markdown lines."""
    ge = {split: read_split(goemotions, split) for split in ("train", "dev", "test")}
    ge_sets = {
        split: Labelled([c.text for c in rows], [c.negative_affect for c in rows], [])
        for split, rows in ge.items()
    }
    own = {split: read_labelled(data, split) for split in ("train", "test")}
    own_sets = {
        split: Labelled(
            [r.text for r in rows], [r.frustrated for r in rows], [r.kind for r in rows]
        )
        for split, rows in own.items()
    }
    affect = AffectModel.load(affect_path)
    scorer = fit(own_sets["train"].texts, own_sets["train"].labels, affect_model=affect)
    final: Scorer = lambda texts: [scorer.score(text) for text in texts]  # noqa: E731
    cues_only = fit(own_sets["train"].texts, own_sets["train"].labels)
    before: Scorer = lambda texts: [cues_only.score(text) for text in texts]  # noqa: E731
    baseline = tfidf_baseline(ge_sets["train"])

    goemotions_rows = [
        evaluate("VADER only", vader, ge_sets["dev"], ge_sets["test"]),
        evaluate("TF-IDF + LR baseline", baseline, ge_sets["dev"], ge_sets["test"]),
        evaluate(
            "FrustrationScorer: negative-affect factor",
            lambda texts: affect.probabilities(list(texts)).tolist(),
            ge_sets["dev"],
            ge_sets["test"],
            threshold=affect.threshold,
        ),
        evaluate("FrustrationScorer: final score (x aimed at us)", final, ge_sets["dev"],
                 ge_sets["test"]),
        evaluate("FrustrationScorer before (cues only)", before, ge_sets["dev"], ge_sets["test"]),
    ]  # fmt: skip
    in_domain_rows = [
        evaluate("VADER only", vader, own_sets["train"], own_sets["test"]),
        evaluate("TF-IDF + LR baseline", baseline, own_sets["train"], own_sets["test"]),
        evaluate("FrustrationScorer: final score", final, own_sets["train"], own_sets["test"],
                 threshold=scorer.threshold),
        evaluate("FrustrationScorer before (cues only)", before, own_sets["train"],
                 own_sets["test"], threshold=cues_only.threshold),
    ]  # fmt: skip
    off_total = sum(kind == "off_target" for kind in own_sets["test"].kinds)
    lines = [
        f"GoEmotions test: {len(ge['test'])} comments ({sum(ge_sets['test'].labels)} anger, "
        f"annoyance or disgust); thresholds chosen on dev ({len(ge['dev'])}); "
        f"target F1 >= {TARGETS['goemotions_f1']:.2f}.",
        "",
        "| Method | Threshold | Precision | Recall | F1 |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.method} | {r.threshold:.3f} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} |"
        for r in goemotions_rows
    ]
    lines += [
        "",
        f"In-domain test: {len(own['test'])} messages ({sum(own_sets['test'].labels)} "
        f"frustrated, {off_total} off-target); thresholds chosen on its train split "
        f"({len(own['train'])}); target F1 >= {TARGETS['in_domain_f1']:.2f}, off-target "
        f"<= 2 of 12. Written by the team: in-domain fit, not generalisation.",
        "",
        "| Method | Threshold | Precision | Recall | F1 | Off-target above threshold |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.method} | {r.threshold:.3f} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} "
        f"| {r.off_target} of {off_total} |"
        for r in in_domain_rows
    ]
    lines += [
        "",
        _policy_line(final, own_sets["test"]),
        "",
        _timing(scorer.score, own_sets["test"].texts),
    ]
    return lines


def _policy_line(final: Scorer, test: Labelled) -> str:
    """Say how many off-target messages would hand over on their own (seed 004's warning).

    The policy hands over on one message at ``handoff.yml`` ``policy.frustration.threshold``
    (rising frustration over several turns is a separate, trend trigger).
    """
    import yaml

    settings = yaml.safe_load((PROJECT_ROOT / "handoff.yml").read_text())
    threshold = float(settings["policy"]["frustration"]["threshold"])
    scores = list(final(test.texts))
    off = [s >= threshold for s, k in zip(scores, test.kinds, strict=True) if k == "off_target"]
    hits = [s >= threshold for s, y in zip(scores, test.labels, strict=True) if y]
    return (
        f"Would hand over on one message (score >= handoff.yml frustration.threshold "
        f"{threshold:.2f}): off-target {sum(off)} of {len(off)}, frustrated "
        f"{sum(hits)} of {len(hits)} (the rest need the rising-trend trigger or a cue)."
    )


def _timing(score: Callable[[str], float], texts: Sequence[str]) -> str:
    timings = []
    for text in texts:
        started = time.perf_counter()
        score(text)
        timings.append((time.perf_counter() - started) * 1000)
    return (
        f"FrustrationScorer per message: median {statistics.median(timings):.3f} ms, "
        f"p90 {float(np.percentile(timings, 90)):.3f} ms."
    )


def main() -> None:
    """Parse arguments, run the benchmark, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goemotions", type=Path, nargs="?", default=DEFAULT_GOEMOTIONS)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="in-domain CSV")
    parser.add_argument("--affect-model", type=Path, default=DEFAULT_AFFECT)
    arguments = parser.parse_args()
    print("\n".join(run(arguments.goemotions, arguments.data, arguments.affect_model)))


if __name__ == "__main__":
    main()
