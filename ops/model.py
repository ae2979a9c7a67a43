"""The trained model, keyed by what it was trained from.

``make run``, ``make train`` and the integration tests all call :func:`ensure_model`: it hashes
``config.yml``, ``domain.yml``, everything under ``data/`` and the custom components' source,
and trains only when no model with that hash exists in ``models/``. Editing a story retrains;
running the tests twice does not.

Run as ``python -m ops.model`` to train (if needed) and print the model's path.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator, List

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = "models"
MODEL_PREFIX = "handoff-"


def training_inputs(root: Path = PROJECT_ROOT) -> List[Path]:
    """Return every file that changes the trained model, in a stable order."""
    files: List[Path] = [root / "config.yml", root / "domain.yml"]
    files += sorted(p for p in (root / "data").rglob("*") if p.is_file())
    files += sorted((root / "custom_components").rglob("*.py"))
    return files


def fingerprint(files: Iterable[Path], root: Path = PROJECT_ROOT) -> str:
    """Hash the files' relative paths and contents (16 hex digits)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    """Return where the model for the current data/config/domain lives (trained or not)."""
    return root / MODELS_DIR / f"{MODEL_PREFIX}{fingerprint(training_inputs(root), root)}.tar.gz"


@contextlib.contextmanager
def training_lock(root: Path = PROJECT_ROOT) -> Iterator[None]:
    """Hold the machine-wide training lock (``models/.train.lock``) for the ``with`` block.

    Every training here - the kit's model, the benchmarks' stock and latency models - takes it,
    so a 2-core machine never trains two models at once.
    """
    directory = root / MODELS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_model(root: Path = PROJECT_ROOT, quiet: bool = False) -> Path:
    """Return the model for the current inputs, training it first if it does not exist.

    Training is serialised with a file lock, so two test sessions (or ``make run`` next to
    ``make test``) never train the same model twice at once on a small machine.

    Raises:
        RuntimeError: when ``rasa train`` fails (its output is shown, not swallowed).
    """
    target = model_path(root)
    if target.exists():
        return target
    with training_lock(root):
        if target.exists():
            return target
        if not quiet:
            print(f"Training {target.name} (data, config or domain changed) ...", flush=True)
        started = time.monotonic()
        command = [
            sys.executable, "-m", "rasa", "train",
            "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
            "--out", str(target.parent), "--fixed-model-name", target.name[: -len(".tar.gz")],
        ]  # fmt: skip
        result = subprocess.run(
            command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        if result.returncode != 0 or not target.exists():
            raise RuntimeError(f"rasa train failed ({result.returncode}):\n{result.stdout[-4000:]}")
        if not quiet:
            print(f"Trained {target.name} in {time.monotonic() - started:.0f} s", flush=True)
    return target


def main() -> None:
    """Train if needed and print the model path."""
    print(ensure_model().relative_to(PROJECT_ROOT))


if __name__ == "__main__":
    main()
