"""Frustration detection on the bundled labelled messages: FrustrationScorer vs. plain VADER.

Protocol: everything that is learned — our weights, our threshold, VADER's threshold — is chosen
on the ``train`` split only (our threshold by 5-fold cross-validation, VADER's as the compound
cut-off ``compound <= t`` maximising F1 on train); the table reports the ``test`` split. VADER
is also shown with its authors' usual negative cut-off (-0.05), which needs no training.

    python -m benchmarks.frustration [--data data/frustration/labelled.csv]

Caveat: the messages and the cue lexicons were written by the same team, so the numbers are
an in-domain sanity check, not an estimate for real customers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from handoff.frustration import find_cues, vader_compound
from handoff.frustration_model import best_f1_threshold, fit, read_labelled

DEFAULT_DATA = Path("data/frustration/labelled.csv")


def prf(predicted: Sequence[bool], labels: Sequence[bool]) -> Tuple[float, float, float]:
    """Return precision, recall and F1 of binary predictions."""
    true_positives = sum(p and y for p, y in zip(predicted, labels, strict=True))
    precision = true_positives / max(1, sum(predicted))
    recall = true_positives / max(1, sum(labels))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run(data: Path) -> List[str]:
    """Train on the train split, evaluate on the test split; return markdown lines."""
    train, test = read_labelled(data, "train"), read_labelled(data, "test")
    labels = [row.frustrated for row in test]

    model = fit([row.text for row in train], [row.frustrated for row in train])
    started = time.perf_counter()
    ours = [model.score(row.text) for row in test]
    per_message_ms = (time.perf_counter() - started) * 1000 / len(test)

    train_negativity = [-vader_compound(row.text) for row in train]
    vader_cut, _ = best_f1_threshold(train_negativity, [row.frustrated for row in train])
    vader = [-vader_compound(row.text) >= vader_cut for row in test]

    standard = [vader_compound(row.text) <= -0.05 for row in test]
    rows: Dict[str, Tuple[float, float, float]] = {
        f"VADER only, cut-off chosen on train (compound <= {-vader_cut:.3f})": prf(vader, labels),
        "VADER only, its authors' negative cut-off (compound <= -0.05)": prf(standard, labels),
        f"FrustrationScorer (score >= {model.threshold:.3f})": prf(
            [s >= model.threshold for s in ours], labels
        ),
    }
    lines = [
        f"Test split: {len(test)} messages ({sum(labels)} frustrated); "
        f"train split: {len(train)} messages.",
        "",
        "| Method | Precision | Recall | F1 |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} |" for name, (p, r, f) in rows.items()]

    by_kind: Dict[str, List[Tuple[bool, bool, bool]]] = defaultdict(list)
    for row, score, vader_says in zip(test, ours, vader, strict=True):
        by_kind[row.kind].append((row.frustrated, score >= model.threshold, vader_says))
    lines += ["", "| Kind (test) | n | Frustrated | Ours correct | VADER correct |"]
    lines += ["|---|---|---|---|---|"]
    for kind, items in sorted(by_kind.items()):
        ours_ok = sum(y == p for y, p, _ in items)
        vader_ok = sum(y == v for y, _, v in items)
        lines.append(
            f"| {kind} | {len(items)} | {sum(y for y, _, _ in items)} | "
            f"{ours_ok}/{len(items)} | {vader_ok}/{len(items)} |"
        )
    timings = []
    for row in test:
        started = time.perf_counter()
        model.score_cues(find_cues(row.text))
        timings.append((time.perf_counter() - started) * 1000)
    lines += [
        "",
        f"Scoring time per message: median {statistics.median(timings):.3f} ms "
        f"(mean {per_message_ms:.3f} ms incl. first use).",
    ]
    return lines


def main() -> None:
    """Parse arguments, run the benchmark, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled CSV")
    print("\n".join(run(parser.parse_args().data)))


if __name__ == "__main__":
    main()
