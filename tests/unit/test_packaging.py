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


def test_the_prompts_readme_describes_every_template_and_its_placeholders():
    readme = (ROOT / "prompts" / "README.md").read_text(encoding="utf-8")
    rows = {line.split("`")[1]: line for line in readme.splitlines() if line.startswith("| `")}
    undescribed = [name for name in REQUIRED if not any(name in key or f"`{name}`" in row for key, row in rows.items())]
    assert not undescribed, f"prompts/README.md lacks {undescribed}"
    for name, needed in REQUIRED.items():
        row = next(row for key, row in rows.items() if name in key or f"`{name}`" in row)
        assert all(f"${p}" in row for p in needed), f"prompts/README.md's row for {name} should name {sorted(needed)}"
