"""Cold start, old code beside new in one run: a new `assistant ask` process, and a new
`python app.py` until it serves the page and until its first answer.

"Old" is any other checkout of this project (a `git worktree` of an earlier commit) run
with the same interpreter on the same index; the index is only read (the new code saves
its BM25 index beside the store on its first run, which this script does before timing).

    git worktree add /tmp/old ef66056
    python benchmarks/cold_start.py --old /tmp/old --index runs/bench/index --runs 3
    python benchmarks/cold_start.py --old /tmp/old --index runs/bench/index --llm local   # with the reading model
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.processes import free_port, stop  # noqa: E402

QUESTION = "Who won the Super Bowl?"
AS_OF = "2023-02-13"


def ask(checkout: Path, index: Path, env: dict, llm: str = "extractive") -> tuple[float, int]:
    """Seconds and peak RSS (KB) of one `assistant ask` process, as `/usr/bin/time` reports them."""
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "assistant.cli", "--index", str(index), "--llm", llm]
    cmd += ["ask", "--as-of", AS_OF, QUESTION]
    done = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, check=True)
    seconds, kb = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kb)


def app(checkout: Path, index: Path, env: dict, llm: str = "extractive") -> tuple[float, float]:
    """Seconds from starting `python app.py` until /api/health answers, and until the first answer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=checkout,
        env={**env, "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_LLM": llm},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - started > 300:
                    raise RuntimeError("app.py did not start") from None
                time.sleep(0.1)
        ready = time.perf_counter() - started
        body = json.dumps({"question": QUESTION, "as_of": AS_OF}).encode()
        request = urllib.request.Request(f"{base}/api/answer", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=300) as response:
            json.load(response)
        return ready, time.perf_counter() - started
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, required=True, help="checkout of the earlier code")
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index")
    parser.add_argument("--new", type=Path, default=ROOT, help="checkout of the new code (default: this one)")
    parser.add_argument("--llm", choices=["extractive", "local"], default="extractive", help="who answers: the quoted answer, or the default reading model")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cold-start.md")
    args = parser.parse_args()
    index = args.index.resolve()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE", "ANONYMIZED_TELEMETRY": "False"}
    sides = {"old": args.old.resolve(), "new": args.new.resolve()}
    ask(sides["new"], index, env)  # the new code saves its BM25 index on its first run: not timed
    figures: dict[str, dict[str, list]] = {name: {"ask": [], "rss": [], "ready": [], "answer": []} for name in sides}
    for _ in range(args.runs):
        for name, checkout in sides.items():  # interleaved, so load on the machine hits both alike
            seconds, kb = ask(checkout, index, env, args.llm)
            figures[name]["ask"].append(seconds)
            figures[name]["rss"].append(kb / 1024)
            ready, first = app(checkout, index, env, args.llm)
            figures[name]["ready"].append(ready)
            figures[name]["answer"].append(first)
            print(name, seconds, kb, round(ready, 2), round(first, 2), file=sys.stderr)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=sides["new"], capture_output=True, text=True).stdout.strip()
    old_commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.old, capture_output=True, text=True).stdout.strip()
    med = {name: {k: statistics.median(v) for k, v in f.items()} for name, f in figures.items()}
    lines = [
        f"Cold start on `{args.index}`, median of {args.runs} runs each, old ({old_commit}) and new ({commit}) interleaved, {'the reading model' if args.llm == 'local' else 'extractive reader'}.",
        "",
        "| | old | new |",
        "|---|---|---|",
        f"| `assistant ask` (new process, whole run) | {med['old']['ask']:.2f} s | {med['new']['ask']:.2f} s |",
        f"| its peak memory | {med['old']['rss']:.0f} MB | {med['new']['rss']:.0f} MB |",
        f"| `python app.py` until it serves | {med['old']['ready']:.2f} s | {med['new']['ready']:.2f} s |",
        f"| `python app.py` until its first answer | {med['old']['answer']:.2f} s | {med['new']['answer']:.2f} s |",
        "",
    ]
    args.out.write_text("\n".join(lines))
    args.out.with_suffix(".json").write_text(json.dumps({"runs": figures, "median": med, "commit": commit, "old": old_commit}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
