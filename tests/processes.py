"""The tests' name for the server helpers; the one definition is harness/processes.py, which
the benchmarks use too."""

from harness.processes import free_port, run_cli, start, start_app, start_chroma, stop, wait_for

__all__ = ["free_port", "run_cli", "start", "start_app", "start_chroma", "stop", "wait_for"]
