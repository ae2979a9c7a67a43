"""Build ``data/frustration/affect_model.npz``, the learned part of the frustration score.

    .venv/bin/python -m scripts.build_affect_model ../shared/datasets/goemotions

Trains :mod:`handoff.signals.affect` on GoEmotions *train* (anger, annoyance or disgust vs
everything else), then chooses the probability threshold that maximises F1 on GoEmotions *dev*
with the weights as they are stored (float16). GoEmotions *test* is not read here:
``python -m benchmarks.frustration`` reports on it. The in-domain rows
(``data/frustration/labelled.csv``) are used at ``rasa train``, where ``FrustrationScorer``
fits its final model on top of this one. The product never reads the data set: it loads the
committed ``.npz`` at ``rasa train``. Run it again only to change the data or the parameters;
the output is deterministic for the same inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from datetime import date
from pathlib import Path

from benchmarks.goemotions import NEGATIVE_AFFECT, read_split
from handoff.signals.affect import CHAR_NGRAMS, N_FEATURES, WORD_NGRAMS, AffectModel, fit
from handoff.signals.frustration_model import best_f1_threshold

DEFAULT_OUTPUT = Path("data/frustration/affect_model.npz")


def build(goemotions: Path, regularisation: float) -> AffectModel:
    """Train on GoEmotions train; choose the threshold on GoEmotions dev."""
    train = read_split(goemotions, "train")
    model = fit(
        [c.text for c in train], [c.negative_affect for c in train], regularisation=regularisation
    )

    dev = read_split(goemotions, "dev")
    stored = _round_trip(model)
    threshold, dev_f1 = best_f1_threshold(
        stored.probabilities([c.text for c in dev]).tolist(), [c.negative_affect for c in dev]
    )
    return AffectModel(
        idf=stored.idf,
        coef=stored.coef,
        intercept=stored.intercept,
        threshold=threshold,
        provenance={
            "data": f"GoEmotions train (Demszky et al., ACL 2020), simplified split, "
            f"{len(train)} Reddit comments; Apache License 2.0",
            "source": "google-research/google-research goemotions/data",
            "positives": sorted(NEGATIVE_AFFECT),
            "features": f"hashed word {WORD_NGRAMS} + char_wb {CHAR_NGRAMS}-grams, "
            f"{N_FEATURES} buckets each, sublinear TF-IDF, L2 per block",
            "classifier": f"LogisticRegression(C={regularisation}, class_weight=balanced)",
            "threshold": f"max F1 on GoEmotions dev ({len(dev)} comments): {dev_f1:.3f}",
            "built": date.today().isoformat(),
        },
    )


def _round_trip(model: AffectModel) -> AffectModel:
    """Return the model as it will be loaded (float16 weights), so dev sees what ships."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "model.npz"
        model.save(path)
        return AffectModel.load(path)


def main() -> None:
    """Parse arguments, build, write the model and print its provenance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goemotions", type=Path, help="folder with GoEmotions train/dev tsv")
    parser.add_argument("--regularisation", type=float, default=0.5, help="scikit-learn's C")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args()
    started = time.monotonic()
    model = build(arguments.goemotions, arguments.regularisation)
    model.save(arguments.output)
    digest = hashlib.sha256(arguments.output.read_bytes()).hexdigest()[:16]
    size = arguments.output.stat().st_size / 1e6
    print(f"wrote {arguments.output} ({size:.1f} MB, sha256 {digest}) in "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    for key, value in sorted(model.provenance.items()):
        print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
