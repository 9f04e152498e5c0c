"""The README is a user's page and docs/ holds the depth; neither may drift from the code."""

import re

from assistant.settings import Settings
from harness.settings_doc import DOC, rendered
from tests.paths import ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]


def test_the_settings_reference_lists_every_setting_as_the_code_describes_it():
    doc = DOC.read_text(encoding="utf-8")
    assert rendered(doc) == doc, "docs/settings.md is out of date: run `python -m harness.settings_doc`"
    missing = [name for name in Settings.model_fields if f"`ASSISTANT_{name.upper()}`" not in doc]
    assert not missing, f"docs/settings.md lacks {missing}"


def test_the_pages_name_only_settings_that_exist():
    known = {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields}
    for page in PAGES:
        unknown = sorted(set(re.findall(r"\bASSISTANT_[A-Z][A-Z0-9_]*[A-Z0-9]\b", page.read_text(encoding="utf-8"))) - known)
        assert not unknown, f"{page.relative_to(ROOT)} names settings that do not exist: {unknown}"


def test_relative_links_lead_to_files_that_exist():
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to {target}, which does not exist"


def test_the_readme_stays_a_page_a_user_reads_in_minutes():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= 300, f"README.md has {lines} lines; move depth into docs/ and link it"
