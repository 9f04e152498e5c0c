"""Soak test of the chat server: many simultaneous gradio_client conversations for a bounded time.

Starts `python app.py` on 127.0.0.1 with a fresh index of the bundled corpus, then runs
CLIENTS conversations at once, each asking the bundled questions (first questions and
follow-ups with their history) in a loop until DURATION seconds have passed. Records every
request's latency and error, and samples the server's resident memory every second.
Writes a table to benchmarks/results/soak.md (and the figures to soak.json).

    python benchmarks/soak.py                        # 50 conversations for 300 s
    python benchmarks/soak.py --clients 20 --duration 60

Only loopback traffic: the server and the clients are on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.conversations import CONVERSATIONS as TEST_CONVERSATIONS  # noqa: E402
from harness.conversations import UNANSWERABLE  # noqa: E402
from harness.processes import start_app, stop  # noqa: E402

# The serving test's conversations, and one that must be refused.
CONVERSATIONS = [*TEST_CONVERSATIONS, UNANSWERABLE]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load (requests in flight then are let finish)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()

    from gradio_client import Client

    work = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(work / "index"), "ASSISTANT_CORPUS_DIR": str(ROOT / "corpus")}
    server, url = start_app(env, work / "app.log")
    try:
        # One answer first, so start-up work (loading models, building BM25) is not in the figures.
        Client(url, verbose=False).predict(CONVERSATIONS[0][0][0], api_name="/answer")

        lock = threading.Lock()
        latencies: list[float] = []
        errors: list[str] = []
        wrong: list[str] = []
        memory: list[tuple[float, float]] = []
        started = time.monotonic()
        stop_at = started + args.duration

        def sample_memory() -> None:
            while time.monotonic() < stop_at + 5 and server.poll() is None:
                memory.append((time.monotonic() - started, rss_mb(server.pid)))
                time.sleep(1.0)

        def conversation(i: int) -> None:
            client = Client(url, verbose=False)
            script = CONVERSATIONS[i % len(CONVERSATIONS)]
            while time.monotonic() < stop_at:
                history: list[str] = []
                for question, expected in script:
                    t0 = time.perf_counter()
                    try:
                        answer = client.predict(question, history=history, api_name="/answer")
                    except Exception as exc:  # recorded, not raised: the soak goes on
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}"[:200])
                        continue
                    elapsed = time.perf_counter() - t0
                    ok = answer["refused"] if expected is None else (not answer["refused"] and expected.lower() in answer["text"].lower())
                    with lock:
                        latencies.append(elapsed)
                        if not ok:
                            wrong.append(question)
                    history.append(question)

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        threads = [threading.Thread(target=conversation, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
        sampler.join(timeout=10)
    finally:
        stop(server)

    rss = [m for _, m in memory]
    # The first quarter is warm-up (caches fill, every worker thread allocates once). Memory is
    # "flat" when the last quarter's median is within 5 % of the second quarter's: medians, as
    # single samples spike while a batch of answers is in flight.
    q = len(rss) // 4
    first_peak = max(rss[q : 2 * q]) if q else float("nan")
    second_peak = max(rss[3 * q :]) if q else float("nan")
    first_median = statistics.median(rss[q : 2 * q]) if q else float("nan")
    last_median = statistics.median(rss[3 * q :]) if q else float("nan")
    half = q
    # The trend after warm-up, in MB a minute: a leak keeps a positive slope however long the run.
    tail = [(t, m) for t, m in memory if t >= memory[-1][0] / 2] if memory else []
    slope = None
    if len(tail) > 2:
        mt = statistics.fmean(t for t, _ in tail)
        mm = statistics.fmean(m for _, m in tail)
        denominator = sum((t - mt) ** 2 for t, _ in tail)
        slope = round(60 * sum((t - mt) * (m - mm) for t, m in tail) / denominator, 2) if denominator else None
    figures = {
        "clients": args.clients,
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "wrong_answers": len(wrong),
        "throughput_per_s": round(len(latencies) / wall, 2),
        "latency_p50_s": round(percentile(latencies, 0.5), 2),
        "latency_p95_s": round(percentile(latencies, 0.95), 2),
        "latency_mean_s": round(statistics.fmean(latencies), 2) if latencies else None,
        "rss_start_mb": round(rss[0], 1) if rss else None,
        "rss_end_mb": round(rss[-1], 1) if rss else None,
        "rss_peak_second_quarter_mb": round(first_peak, 1),
        "rss_peak_last_quarter_mb": round(second_peak, 1),
        "rss_samples_mb": [round(m) for _, m in memory[:: max(1, len(memory) // 20)]],
        "rss_median_second_quarter_mb": round(first_median, 1),
        "rss_median_last_quarter_mb": round(last_median, 1),
        "memory_flat": bool(last_median <= first_median * 1.05) if half else None,
        "rss_slope_second_half_mb_per_min": slope,
        "error_examples": sorted(set(errors))[:5],
        "wrong_examples": sorted(set(wrong))[:5],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(figures, indent=2) + "\n")
    table = "\n".join(
        [
            f"# Soak: {args.clients} simultaneous conversations for {args.duration:.0f} s",
            "",
            "| figure | result |",
            "|---|---|",
            f"| requests answered | {len(latencies)} in {wall:.0f} s ({figures['throughput_per_s']}/s) |",
            f"| errors | {len(errors)} |",
            f"| wrong answers | {len(wrong)} |",
            f"| latency p50 / p95 (queueing included) | {figures['latency_p50_s']} / {figures['latency_p95_s']} s |",
            f"| server memory (RSS) start / end | {figures['rss_start_mb']} / {figures['rss_end_mb']} MB |",
            f"| RSS peak, second quarter / last quarter of the run | {figures['rss_peak_second_quarter_mb']} / {figures['rss_peak_last_quarter_mb']} MB |",
            f"| RSS median, second quarter / last quarter | {figures['rss_median_second_quarter_mb']} / {figures['rss_median_last_quarter_mb']} MB |",
            f"| memory flat (last-quarter median ≤ second-quarter median + 5 %) | {'yes' if figures['memory_flat'] else 'no'} |",
            f"| RSS trend over the second half (least squares) | {figures['rss_slope_second_half_mb_per_min']} MB a minute |",
            f"| RSS every {max(1, len(memory) // 20)} s (MB) | {' '.join(str(x) for x in figures['rss_samples_mb'])} |",
            "",
            f"Server: `python app.py`, ASSISTANT_CHAT_CONCURRENCY default, bundled corpus, {os.cpu_count()} CPU cores.",
        ]
    )
    (args.out / "soak.md").write_text(table + "\n")
    print(table)
    shutil.rmtree(work, ignore_errors=True)
    if errors or wrong:
        sys.exit(1)


if __name__ == "__main__":
    main()
