"""What the wheel is made of: pyproject.toml lists its packages by hand (the prompts folder is
mapped into the package), so the list must name every package folder there is."""

import tomllib

from assistant.templates import REQUIRED
from tests.paths import ROOT


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed():
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "assistant").rglob("__init__.py")}
    listed = set(_setuptools()["packages"])
    assert on_disk | {"assistant.prompts"} == listed


def test_the_prompts_are_the_top_level_folder_and_only_there():
    config = _setuptools()
    assert config["package-dir"] == {"assistant.prompts": "prompts"}
    assert all((ROOT / "prompts" / name).is_file() for name in REQUIRED)
    assert not (ROOT / "assistant" / "prompts").exists()  # no second copy to drift
