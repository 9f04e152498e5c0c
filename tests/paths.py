"""The tests' name for the project's paths; the one definition is harness/paths.py."""

from harness.paths import CORPUS, GOLD, ROOT

__all__ = ["CORPUS", "GOLD", "ROOT"]
