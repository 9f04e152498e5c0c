from assistant.settings import Settings
from tests.paths import ROOT


def test_readme_documents_every_setting():
    # The README's settings table, or the docs/ page of a feature (docs/following.md for follow_*).
    readme = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    missing = [name for name in Settings.model_fields if f"`ASSISTANT_{name.upper()}`" not in readme]
    assert not missing, f"README settings table lacks {missing}"
