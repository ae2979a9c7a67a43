"""Parse latency of the bundled NLU pipeline with and without this kit's components.

Two NLU models are trained from the bundled data and ``config.yml``'s pipeline: one as it is,
one with the kit's components (``custom_components.*``) removed. Both are loaded in one process
and every message is parsed by both, alternating, so the ratio compares like with like.

    python -m benchmarks.nlu_latency [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

from ops.model import PROJECT_ROOT, fingerprint, training_inputs, training_lock

KIT_PREFIX = "custom_components."
PHRASES = [
    "where is my order #48213377?",
    "this is ridiculous, I've been waiting three weeks!!!",
    "how long do refunds take",
    "can I pay with klarna",
    "I want to talk to a human",
    "my email is jane.doe@example.com",
    "what's the capital of peru",
    "unfortunately my parcel is a bit late",
]


def _pipelines() -> Dict[str, dict]:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    without = [c for c in config["pipeline"] if not str(c["name"]).startswith(KIT_PREFIX)]
    if not any(c["name"] == "FallbackClassifier" for c in without):
        # the kit's BotUncertaintyScorer replaces FallbackClassifier; stock gets it back
        without.append({"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1})
    return {
        "with kit components": {**config, "policies": []},
        "stock (kit components removed)": {**config, "pipeline": without, "policies": []},
    }


def _train(name: str, config: dict) -> Path:
    from rasa.model_training import train_nlu

    text = yaml.safe_dump(config, sort_keys=False)
    # every training input (data/ includes the frustration CSV and affect model) + the pipeline
    inputs = fingerprint(training_inputs())
    key = hashlib.sha256(text.encode() + inputs.encode()).hexdigest()[:16]
    out = PROJECT_ROOT / "models" / "benchmarks"
    model = out / f"latency-{key}.tar.gz"
    if model.exists():
        return model
    with training_lock():
        if model.exists():
            return model
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "config.yml").write_text(text)
            started = time.monotonic()
            train_nlu(
                config=str(Path(tmp) / "config.yml"),
                nlu_data=str(PROJECT_ROOT / "data" / "nlu.yml"),
                output=str(out),
                fixed_model_name=model.name[: -len(".tar.gz")],
            )
            print(f"trained '{name}' in {time.monotonic() - started:.0f} s", flush=True)
    return model


def _messages() -> List[str]:
    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu.yml").read_text())["nlu"]
    examples = [
        line[2:].strip()
        for block in nlu
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    ]
    return PHRASES + examples[::3]


async def _measure(models: Dict[str, Path], rounds: int) -> Dict[str, List[float]]:
    from rasa.core.agent import Agent

    agents = {name: Agent.load(str(path)) for name, path in models.items()}
    messages = _messages()
    timings: Dict[str, List[float]] = {name: [] for name in agents}
    for agent in agents.values():  # warm-up
        for text in messages[:20]:
            await agent.parse_message(text)
    for _ in range(rounds):
        for text in messages:
            for name, agent in agents.items():
                started = time.perf_counter()
                await agent.parse_message(text)
                timings[name].append(time.perf_counter() - started)
    return timings


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Train both pipelines (cached), parse side by side, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the messages")
    args = parser.parse_args(argv)
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    models = {name: _train(name, config) for name, config in _pipelines().items()}
    timings = asyncio.run(_measure(models, args.rounds))
    base = statistics.median(timings["stock (kit components removed)"])
    print("\n| pipeline | median parse (ms) | p90 (ms) | ratio to stock |")
    print("|---|---|---|---|")
    for name, values in timings.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"| {name} | {median * 1000:.2f} | {p90 * 1000:.2f} | {median / base:.2f}x |")
    print(f"\n{len(timings[next(iter(timings))])} parses per pipeline, interleaved.")


if __name__ == "__main__":
    main()
