"""The reproductions of issue 33 against a real `assistant serve` (old code, then new), with
the server's resident memory: idle, and the peak while it handles each hostile request.

    python benchmarks/hostile_server.py --old /path/to/old/checkout [--out benchmarks/results/hostile-server.md]

Each server runs on 127.0.0.1 with a login (ASSISTANT_AUTH), the extractive answers (no
reading model) and a scratch copy of the bundled corpus, which it indexes at start. The
peak is the kernel's high-water mark (VmHWM), reset before each request (clear_refs 5).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.processes import free_port, start, stop  # noqa: E402

MIB = 1 << 20
AUTH = ("user", "secret")
TARGET = "001_5618d79fe3bfd785"


def make_files(folder: Path) -> dict[str, Path]:
    files = {}
    for gib, name in ((1, "zeros.jsonl.gz"), (2, "zeros2.jsonl.gz")):
        with gzip.open(folder / name, "wb", 9) as f:
            for _ in range(1024 * gib):
                f.write(b"\0" * MIB)
        files[name] = folder / name
    with gzip.open(folder / "longline.jsonl.gz", "wb", 9) as f:
        f.write(b'{"id": "long", "text": "')
        for _ in range(200):
            f.write(b"word " * (MIB // 5))
        f.write(b'"}\n')
    files["longline.jsonl.gz"] = folder / "longline.jsonl.gz"
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    files["deep.json"] = folder / "deep.json"
    (folder / "hijack.jsonl").write_text(json.dumps({"id": TARGET, "title": "HIJACKED", "text": "HIJACKED: a made-up story about nothing at all. " * 5}) + "\n")
    files["hijack.jsonl"] = folder / "hijack.jsonl"
    return files


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def safe(call) -> str:
    try:
        return call()
    except httpx.HTTPError as exc:
        return f"no answer ({type(exc).__name__}: {exc})"


def measure(pid: int, call) -> tuple[str, float]:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the high-water mark
    return safe(call), status_kb(pid, "VmHWM") / 1024


def short(r: httpx.Response) -> str:
    kind = r.headers.get("content-type", "").split(";")[0]
    try:
        body = r.json()
        text = body["error"]["message"] if "error" in body else json.dumps(body.get("report", body))
    except (ValueError, KeyError, TypeError):
        text = r.text
    return f"{r.status_code} {kind}: {' '.join(text.split())[:150]}"


def run(code: Path, files: dict[str, Path], work: Path) -> list[tuple[str, str, float]]:
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "HF_HUB_OFFLINE": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
        "ASSISTANT_INDEX_DIR": str(work / "index"),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_AUTH": ":".join(AUTH),
        "ASSISTANT_LLM": "extractive",
    }
    proc = start(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
        f"http://127.0.0.1:{port}/api/health",
        work / "server.log",
        env=env,
        cwd=code,
        timeout=600,
    )
    rows = []
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=AUTH, timeout=600)
        safe(lambda: short(client.post("/api/answer", json={"question": "Who ordered the strikes?"})))  # warm: the retriever is loaded
        time.sleep(1)
        rows.append(("idle (after one question)", "", status_kb(proc.pid, "VmRSS") / 1024))
        for name, path in files.items():
            outcome, peak = measure(proc.pid, lambda p=path: short(client.post("/api/ingest", files={"files": (p.name, p.read_bytes())})))
            rows.append((f"upload {name} ({path.stat().st_size / 1e6:.2f} MB)", outcome, peak))
        after = safe(lambda: short(client.get(f"/api/articles/{TARGET}")))
        rows.append((f"GET /api/articles/{TARGET} after the hijack upload", after, status_kb(proc.pid, "VmRSS") / 1024))
        left = sorted(p.name for p in (corpus / "uploads").iterdir()) if (corpus / "uploads").exists() else []
        rows.append(("files left in corpus/uploads/", ", ".join(left) or "none", 0.0))
        bodies = {
            "1 MB history item on /api/answer": {"question": "Who ordered the strikes?", "history": ["x" * 1_000_000]},
            "4 MB history item on /api/answer": {"question": "Who ordered the strikes?", "history": ["x" * 4_000_000]},
        }
        for label, body in bodies.items():
            outcome, peak = measure(proc.pid, lambda b=body: short(client.post("/api/answer", json=b)))
            rows.append((label, outcome, peak))
        raw = b'{"question": "Who \\ud800 ordered the strikes?"}'
        for path in ("/api/answer", "/api/retrieve"):
            outcome, peak = measure(proc.pid, lambda p=path: short(client.post(p, content=raw, headers={"content-type": "application/json"})))
            rows.append((f"lone surrogate on {path}", outcome, peak))
        chat = b'{"messages": [{"role": "user", "content": "Who \\ud800 ordered?"}]}'
        rows.append(
            (
                "lone surrogate on /v1/chat/completions",
                safe(lambda: short(client.post("/v1/chat/completions", content=chat, headers={"content-type": "application/json"}))),
                0.0,
            )
        )
        rows.append(("stats", safe(lambda: short(client.get("/api/stats"))), 0.0))
        anon = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        rows.append(("GET /openapi.json without login", safe(lambda: str(anon.get("/openapi.json").status_code)), 0.0))
        codes = safe(lambda: " ".join(str(anon.get("/api/stats", auth=("user", f"wrong{i}")).status_code) for i in range(30)))
        rows.append(("30 wrong basic passwords", codes, 0.0))
    finally:
        stop(proc)
    return rows


def cpu_model() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "hostile-server.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp))
        results = {}
        for label, code in (("old", args.old), ("new", args.new)):
            work = Path(tmp) / label
            work.mkdir()
            results[label] = run(code, files, work)
            for row in results[label]:
                print(label, *row, flush=True)
    lines = [
        "# Issue 33's reproductions against a real server, old beside new",
        "",
        f"`python benchmarks/hostile_server.py`, {time.strftime('%Y-%m-%d')}, {cpu_model()}, {os.cpu_count()} cores; `assistant serve` with a login,",
        "extractive answers and the bundled corpus. Peak RSS: the server's VmHWM during that request alone (reset before it).",
        "",
        "| request | old: answer | old: peak RSS | new: answer | new: peak RSS |",
        "|---|---|---|---|---|",
    ]
    for (label, old_out, old_mb), (_, new_out, new_mb) in zip(results["old"], results["new"]):
        esc = [s.replace("|", "\\|") for s in (old_out, new_out)]
        lines.append(f"| {label} | {esc[0]} | {f'{old_mb:,.0f} MB' if old_mb else ''} | {esc[1]} | {f'{new_mb:,.0f} MB' if new_mb else ''} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
