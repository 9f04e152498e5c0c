"""Where the tests find the project and its bundled corpus (one definition, imported by
tests, fixtures, helpers and benchmarks alike)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold.jsonl"
