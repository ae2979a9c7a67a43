"""Out-of-scope detection on CLINC150: stock FallbackClassifier vs. BotUncertaintyScorer.

Protocol: Larson et al. (2019), "oos-threshold" — train on the in-scope train split only (no
out-of-scope examples), choose every threshold (and the novelty weight) on the validation
split, report on the held-out test split. One model and one parse per message serve both rows:
the stock score is what FallbackClassifier thresholds (the top intent's confidence; the default
row also applies its 0.1 ambiguity margin), ours is the ``bot_uncertainty`` score of the same
parse.

    python -m benchmarks.out_of_scope ../shared/datasets/clinc150/data_full.json [--epochs 50]

The data set (CC BY 3.0) is not part of this repository; pass its path. Trained models are
cached under ``models/benchmarks/`` keyed by a hash of the data and the pipeline.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml
from sklearn.metrics import roc_auc_score

from handoff.signals.uncertainty import RankingSignals, combined_uncertainty
from ops.model import PROJECT_ROOT

OOS = "oos"
FLOORS = (0.85, 0.878, 0.88, 0.90, 0.92)
"""In-scope accuracy floors of the curve; 87.8 % is the stock default's own accuracy."""
WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.0, 1.0, 11))


def pipeline(epochs: int, novelty_features: Sequence[str] = ()) -> List[Dict]:
    """Return the stock `rasa init` NLU pipeline plus BotUncertaintyScorer (scoring only).

    No entity recognition or response selector (CLINC has neither); FallbackClassifier's
    decision is applied offline to the same parse. The count vectorizers get aliases so the
    scorer can be restricted to them (``novelty_features``); aliases change nothing else.
    """
    return [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer"},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer", "alias": "word_counts"},
        {
            "name": "CountVectorsFeaturizer",
            "alias": "char_counts",
            "analyzer": "char_wb",
            "min_ngram": 1,
            "max_ngram": 4,
        },
        {
            "name": "DIETClassifier",
            "epochs": epochs,
            "entity_recognition": False,
            "constrain_similarities": True,
            "random_seed": 1,
        },
        {
            "name": "custom_components.bot_uncertainty.BotUncertaintyScorer",
            "threshold": None,
            "featurizers": list(novelty_features),
        },
    ]


def _nlu_yaml(examples: Sequence[Tuple[str, str]]) -> str:
    by_intent: Dict[str, List[str]] = {}
    for text, intent in examples:
        by_intent.setdefault(intent, []).append(text)
    return yaml.safe_dump(
        {
            "version": "3.1",
            "nlu": [
                {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
                for intent, texts in sorted(by_intent.items())
            ],
        },
        sort_keys=False,
        allow_unicode=True,
    )


def train_model(
    train: Sequence[Tuple[str, str]], epochs: int, novelty_features: Sequence[str] = ()
) -> Path:
    """Train (or reuse) the benchmark model."""
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": pipeline(epochs, novelty_features),
    }
    config_text = yaml.safe_dump(config, sort_keys=False)
    data_text = _nlu_yaml(train)
    from custom_components.bot_uncertainty import PERSISTED_FORMAT

    key = hashlib.sha256((config_text + data_text + PERSISTED_FORMAT).encode()).hexdigest()[:16]
    out = PROJECT_ROOT / "models" / "benchmarks"
    model = out / f"clinc150-{key}.tar.gz"
    if model.exists():
        return model
    from rasa.model_training import train_nlu

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.yml").write_text(config_text)
        (Path(tmp) / "nlu.yml").write_text(data_text)
        started = time.monotonic()
        train_nlu(
            config=str(Path(tmp) / "config.yml"),
            nlu_data=str(Path(tmp) / "nlu.yml"),
            output=str(out),
            fixed_model_name=model.name[: -len(".tar.gz")],
        )
        print(f"trained {model.name} in {time.monotonic() - started:.0f} s", flush=True)
    return model


@dataclass
class Parsed:
    """One parsed message: truth, prediction and both scores' ingredients."""

    is_oos: bool
    correct: bool
    signals: RankingSignals
    novelty: float
    seconds: float


async def _parse_all(model: Path, examples: Sequence[Tuple[str, str]]) -> List[Parsed]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    parsed = []
    for text, intent in examples:
        started = time.perf_counter()
        result = await agent.parse_message(text)
        seconds = time.perf_counter() - started
        scored = result["bot_uncertainty"]
        parsed.append(
            Parsed(
                is_oos=intent == OOS,
                correct=result["intent"]["name"] == intent,
                signals=RankingSignals(
                    scored["top_confidence"], scored["margin"], scored["entropy"]
                ),
                novelty=scored["novelty"] if scored["novelty"] is not None else 1.0,
                seconds=seconds,
            )
        )
    return parsed


def stock_score(p: Parsed) -> float:
    """Return what FallbackClassifier thresholds: the lack of top-intent confidence."""
    return 1.0 - p.signals.top_confidence


def our_score(p: Parsed, weight: float) -> float:
    """BotUncertaintyScorer's score with the given novelty weight."""
    return combined_uncertainty(p.signals, p.novelty, weight)


def rates(parsed: Sequence[Parsed], rejected: Sequence[bool]) -> Tuple[float, float]:
    """In-scope accuracy (right intent, not rejected) and OOS recall (rejected)."""
    in_scope = [(p, r) for p, r in zip(parsed, rejected, strict=False) if not p.is_oos]
    oos = [r for p, r in zip(parsed, rejected, strict=False) if p.is_oos]
    accuracy = sum(p.correct and not r for p, r in in_scope) / len(in_scope)
    return accuracy, sum(oos) / len(oos)


def auroc(parsed: Sequence[Parsed], scores: Sequence[float]) -> float:
    """Area under the ROC curve of a score separating OOS (positive) from in-scope."""
    return float(roc_auc_score([p.is_oos for p in parsed], scores))


def threshold_for_floor(parsed: Sequence[Parsed], scores: Sequence[float], floor: float) -> float:
    """Return the lowest rejection threshold keeping in-scope accuracy >= ``floor``."""
    best = float("inf")
    for threshold in sorted(set(scores), reverse=True):
        accuracy, _ = rates(parsed, [s >= threshold for s in scores])
        if accuracy < floor:
            break
        best = threshold
    return best


def balanced_threshold(parsed: Sequence[Parsed], scores: Sequence[float]) -> float:
    """Return the threshold maximising (in-scope accuracy + OOS recall) / 2."""
    candidates = np.quantile(scores, np.linspace(0.0, 1.0, 401))
    return float(max(candidates, key=lambda t: sum(rates(parsed, [s >= t for s in scores])) / 2.0))


def report(val: List[Parsed], test: List[Parsed]) -> str:
    """Choose everything on val, measure on test, return a markdown report."""
    weight = max(WEIGHTS, key=lambda w: auroc(val, [our_score(p, w) for p in val]))
    methods = {
        "stock: top confidence (FallbackClassifier)": stock_score,
        "ours: ranking only (top, margin, entropy)": lambda p: p.signals.uncertainty,
        "ours: novelty only": lambda p: p.novelty,
        f"ours: BotUncertaintyScorer (novelty_weight {weight})": lambda p: our_score(p, weight),
    }
    lines = [
        "| score | AUROC test | threshold (val) | in-scope acc. test | OOS recall test | "
        + " | ".join(f"OOS recall @ in-scope ≥ {f * 100:g} %" for f in FLOORS)
        + " |",
        "|---" * (5 + len(FLOORS)) + "|",
    ]
    default_rejected = [p.signals.top_confidence < 0.3 or p.signals.margin < 0.1 for p in test]
    accuracy, recall = rates(test, default_rejected)
    lines.append(
        f"| stock: FallbackClassifier defaults 0.3 / 0.1 | – | 0.3 / 0.1 | {accuracy:.1%} | "
        f"{recall:.1%} |" + " – |" * len(FLOORS)
    )
    for name, score in methods.items():
        val_scores = [score(p) for p in val]
        test_scores = [score(p) for p in test]
        threshold = balanced_threshold(val, val_scores)
        accuracy, recall = rates(test, [s >= threshold for s in test_scores])
        curve = []
        for floor in FLOORS:
            at = threshold_for_floor(val, val_scores, floor)
            if at == float("inf"):  # even rejecting nothing misses the floor on val
                curve.append("unreachable")
                continue
            acc, rec = rates(test, [s >= at for s in test_scores])
            curve.append(f"{rec:.1%} (at {acc:.1%})")
        lines.append(
            f"| {name} | {auroc(test, test_scores):.3f} | {threshold:.3f} | {accuracy:.1%} | "
            f"{recall:.1%} | " + " | ".join(curve) + " |"
        )
    top1 = sum(p.correct for p in test if not p.is_oos) / sum(not p.is_oos for p in test)
    median_ms = statistics.median(p.seconds for p in test) * 1000
    lines += [
        "",
        f"Top-1 in-scope accuracy without rejection: {top1:.1%}; median parse {median_ms:.1f} ms "
        f"(whole pipeline incl. scorer); {len(test)} test messages "
        f"({sum(p.is_oos for p in test)} out of scope). Thresholds and the novelty weight are "
        "chosen on the validation split; curve cells are OOS recall on test (in-scope accuracy "
        "on test in brackets) at the threshold that keeps val in-scope accuracy above the floor.",
    ]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="path of CLINC150 data_full.json")
    parser.add_argument("--epochs", type=int, default=50, help="DIET epochs (default 50)")
    parser.add_argument(
        "--per-intent", type=int, default=None, help="subsample each split (quick runs)"
    )
    parser.add_argument(
        "--novelty-features",
        nargs="*",
        default=[],
        help="featurizer aliases for novelty (default: all; e.g. word_counts char_counts)",
    )
    args = parser.parse_args(argv)
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    data = json.loads(args.data.read_text())

    def split(name: str) -> List[Tuple[str, str]]:
        rows = [tuple(row) for row in data[name]]
        if args.per_intent:
            seen: Dict[str, int] = {}
            kept = []
            for text, intent in rows:
                seen[intent] = seen.get(intent, 0) + 1
                if seen[intent] <= args.per_intent:
                    kept.append((text, intent))
            rows = kept
        return rows

    model = train_model(split("train"), args.epochs, args.novelty_features)
    val = asyncio.run(_parse_all(model, split("val") + split("oos_val")))
    test = asyncio.run(_parse_all(model, split("test") + split("oos_test")))
    features = " ".join(args.novelty_features) or "all sparse features"
    print(
        f"\nCLINC150 oos-threshold, DIET {args.epochs} epochs, novelty on {features}, "
        f"model {model.name}\n"
    )
    print(report(val, test))


if __name__ == "__main__":
    main()
