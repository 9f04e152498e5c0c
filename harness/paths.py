"""Where the tests and the benchmarks find the project and its bundled corpus (one definition)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold.jsonl"
