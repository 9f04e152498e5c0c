"""The project as a user gets it from a wheel: installed into a fresh virtual environment and
run from a folder that is not the checkout, so nothing can be found through the source tree."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from assistant.templates import REQUIRED
from tests.paths import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(work / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=work,
    )
    # setuptools builds in the checkout's build/ folder; a stale copy there only confuses.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    assert built.returncode == 0, built.stderr
    return next((work / "dist").glob("news_assistant-*.whl"))


@pytest.fixture(scope="module")
def wheel_venv(wheel) -> Path:
    venv = wheel.parent.parent / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        env=_clean_env(),  # else a checkout on PYTHONPATH (its egg-info) looks installed already
    )
    assert installed.returncode == 0, installed.stderr
    # The dependencies come from this environment's site-packages (a plain path entry: the
    # checkout's editable-install hook there is not run), the project only from the wheel.
    site = Path(subprocess.check_output([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    (site / "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _clean_env() -> dict[str, str]:
    """This environment without the assistant's settings and without PYTHONPATH (which could
    point into a checkout)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "PYTHONPATH"}


def _run(venv: Path, *args: str, cwd: Path, index: Path) -> subprocess.CompletedProcess:
    env = _clean_env()
    env.update({"ASSISTANT_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1", "ASSISTANT_LLM": "extractive"})
    return subprocess.run([str(venv / "bin" / "assistant"), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def test_the_wheel_holds_the_prompts_folder_once(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    prompts = sorted(n.removeprefix("assistant/prompts/") for n in names if n.startswith("assistant/prompts/"))
    assert prompts == sorted(p.name for p in (ROOT / "prompts").iterdir() if p.is_file())  # every file of prompts/, README included
    assert set(REQUIRED) <= set(prompts)
    # and nowhere else: no top-level prompts package, no copy beside it
    assert [n for n in names if n.rsplit("/", 1)[-1] == "answer.txt"] == ["assistant/prompts/answer.txt"]


def test_wheel_ships_its_prompts_and_answers_from_another_folder(wheel_venv, tmp_path):
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    where = subprocess.check_output(
        [str(wheel_venv / "bin" / "python"), "-c", "import assistant; print(assistant.__file__)"], cwd=elsewhere, text=True, env=_clean_env()
    )
    assert str(wheel_venv) in where, f"the package was imported from {where}, not from the wheel"
    read_from = subprocess.check_output(
        [str(wheel_venv / "bin" / "python"), "-c", "from assistant.templates import packaged_prompts; print(packaged_prompts())"],
        cwd=elsewhere,
        text=True,
        env=_clean_env(),
    )
    assert str(wheel_venv) in read_from and str(ROOT) not in read_from, read_from  # the templates come from the wheel

    index = tmp_path / "index"
    ingested = _run(wheel_venv, "ingest", "--quiet", str(ROOT / "corpus"), cwd=elsewhere, index=index)
    assert ingested.returncode == 0, ingested.stderr
    asked = _run(wheel_venv, "ask", "--json", "Who ordered the strikes on militia facilities in eastern Syria?", cwd=elsewhere, index=index)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and "Biden" in answer["text"]
    assert "Sources published:" in answer["text"]  # the answer template, read from the wheel
    refused = _run(wheel_venv, "ask", "Who won the 2022 FIFA World Cup?", cwd=elsewhere, index=index)
    assert refused.returncode == 0 and "do not cover" in refused.stdout, refused.stdout + refused.stderr
