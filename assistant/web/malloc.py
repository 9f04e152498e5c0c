"""glibc malloc tuning for the long-running chat server (a no-op off glibc).

Measured under load (`benchmarks/soak.py`, docs/reliability.md): the memory the server
really uses stays near 310 MB of heap, but glibc gives each of Gradio's worker threads an
arena that keeps its high-water mark, and keeps what answers free (fragmented, so it cannot
shrink the heap by itself): the resident size grew by ~0.7 MB an answer. Few arenas and a
periodic `malloc_trim(0)` keep it flat (1,450 -> 916 MB after one trim).
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # mallopt's parameter number for the arena cap, from glibc's malloc.h


def limit_malloc_arenas(arenas: int) -> None:
    """Cap glibc's malloc arenas (`malloc_arenas`; 0: glibc's default of 8 per core)."""
    if arenas <= 0:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        log.debug("mallopt unavailable; malloc arenas left as they are")


def trim_malloc_every(seconds: float) -> None:
    """Hand freed heap memory back to the system every `seconds` (`malloc_trim_seconds`; 0:
    never), from a daemon thread."""
    if seconds <= 0:
        return
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        log.debug("malloc_trim unavailable; freed memory stays with the process")
        return

    def loop() -> None:
        while True:
            time.sleep(seconds)
            trim(0)

    threading.Thread(target=loop, name="malloc-trim", daemon=True).start()
