"""Start real servers (the chat app, `chroma run`, llama.cpp's server) on 127.0.0.1 and wait
until they answer. Used by the tests and by the benchmarks, which run the same processes."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from harness.paths import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # A benchmark killed mid-run must not leave servers holding ports and memory.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(
    command: list[str], probe: str, log_path: Path, *, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 240.0
) -> subprocess.Popen:
    """Run `command` with its output in `log_path`; return once `probe` answers over HTTP.

    A login page (401) counts as answering. If the process exits or `timeout` passes first,
    it is killed and the end of its log is raised.
    """
    log = log_path.open("w")
    proc = subprocess.Popen(command, cwd=cwd, env=dict(env) if env is not None else None, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    log.close()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(probe, timeout=5):
                return proc
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"{' '.join(command[:3])} did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_app(env: Mapping[str, str], log_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free port (the first start builds the index); returns it and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = start([sys.executable, "app.py", "--port", str(port), *args], url, log_path, env=env, cwd=ROOT)
    return proc, url


def start_chroma(data: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """A real `chroma run` server keeping its data in `data`; returns it and its URL."""
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start([exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)], f"{url}/api/v2/heartbeat", log_path, timeout=300)
    return proc, url


def run_cli(*args: str, index: Path, env_extra: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """`assistant ARGS` on `index` as a user runs it: its own process, output captured."""
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env, timeout=300)


def wait_for(condition: Callable[[], object], what: str, timeout: float):
    """The first truthy value of `condition()`, polled every half second while a server works
    in the background; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")
