"""Peak memory of the readers on hostile files (decompression bombs, a huge line, deep
nesting), each read in a fresh child process: old code beside new in one run.

    python benchmarks/hostile_rss.py --old /path/to/old/checkout [--out benchmarks/results/hostile-rss.md]

Each case is read the way ingest reads it (`load_articles` with the limits the settings
give) in its own process; the figure is the child's peak resident memory (VmHWM: unlike
getrusage's ru_maxrss it does not carry over the parent's peak across exec) minus its
resident memory after the imports.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1 << 20

CHILD = r"""
import json, sys, time
from pathlib import Path
from assistant.settings import Settings
import assistant.ingest as ingest

def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

settings = Settings()
base = rss_kb()
started = time.perf_counter()
if hasattr(ingest, "Limits"):
    articles, skips = ingest.load_articles([sys.argv[1]], limits=ingest.Limits.of(settings))
else:
    articles, skips = ingest.load_articles([sys.argv[1]], None, int(settings.max_article_mb * 1_000_000))
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"base_mb": base / 1024, "peak_mb": peak / 1024, "seconds": time.perf_counter() - started,
                  "articles": len(articles), "skips": [s.reason[:160] for s in skips][:2]}))
"""


def make_cases(folder: Path) -> dict[str, Path]:
    cases = {}

    def zeros(name: str, gib: int) -> None:
        path = folder / name
        with gzip.open(path, "wb", 9) as f:
            block = b"\0" * MIB
            for _ in range(1024 * gib):
                f.write(block)
        cases[f"{name}: {gib} GiB of zeros ({path.stat().st_size / 1e6:.1f} MB compressed)"] = path

    zeros("zeros.jsonl.gz", 1)
    zeros("zeros2.jsonl.gz", 2)
    zeros("zeros.json.gz", 1)
    line = folder / "longline.jsonl.gz"
    with gzip.open(line, "wb", 9) as f:
        f.write(b'{"id": "x", "text": "')
        block = b"word " * (MIB // 5)
        for _ in range(200):
            f.write(block)
        f.write(b'"}\n')
    cases[f"longline.jsonl.gz: one 200 MiB line ({line.stat().st_size / 1e6:.2f} MB compressed)"] = line
    obj = folder / "longtext.json.gz"
    with gzip.open(obj, "wb", 9) as f:
        f.write(b'[{"id": "x", "text": "')
        for _ in range(200):
            f.write(block)
        f.write(b'"}]')
    cases[f"longtext.json.gz: a list holding one 200 MiB text ({obj.stat().st_size / 1e6:.2f} MB compressed)"] = obj
    nested = folder / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    cases["nested.json: 100,000 nested arrays"] = nested
    nested_l = folder / "nested.jsonl"
    nested_l.write_text(json.dumps({"id": "ok", "text": "A sentence of an article that is fine. " * 5}) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    cases["nested.jsonl: a good line, then 100,000 nested arrays"] = nested_l
    return cases


def run(code_dir: Path, path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code_dir), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env, cwd=code_dir, timeout=1800)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:160]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def cell(r: dict) -> str:
    if "error" in r:
        return f"crash: {r['error']}"
    return f"+{max(0.0, r['peak_mb'] - r['base_mb']):,.0f} MB, {r['seconds']:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="a checkout of the old code (e.g. a worktree at e150b17)")
    parser.add_argument("--new", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "hostile-rss.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = make_cases(Path(tmp))
        for label, path in cases.items():
            old, new = run(args.old, path), run(args.new, path)
            rows.append((label, old, new))
            print(label, "| old", cell(old), "| new", cell(new), "|", new.get("skips"), flush=True)
    lines = [
        "# Peak memory of the readers on hostile files",
        "",
        f"`python benchmarks/hostile_rss.py`, {time.strftime('%Y-%m-%d')}, {cpu_model()}, {os.cpu_count()} cores. Each file read by `load_articles`",
        "with the default limits in a fresh process; the figure is peak RSS above the RSS after the imports, then the time taken.",
        "",
        "| file | old | new | new: what the reader says |",
        "|---|---|---|---|",
    ]
    for label, old, new in rows:
        lines.append(f"| {label} | {cell(old)} | {cell(new)} | {'; '.join(new.get('skips') or []) or '-'} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
