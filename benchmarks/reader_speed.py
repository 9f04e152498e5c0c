"""How fast the reading model writes its short answer, decoding setups side by side on the same prompts.

The prompts are the ones the assistant builds (retrieval, ranking and excerpts as in
`Assistant.answer`); only the model call is timed, each setup on its own llama.cpp
instance so that each keeps its own prompt cache, the setups interleaved question by
question (these machines are noisy). With temperature 0 every setup should write the
same replies; the table says how many differ from the first setup's.

    python benchmarks/reader_speed.py --index runs/bench/index --every 8      # dev benchmark questions
    python benchmarks/reader_speed.py --index index --questions corpus/gold.jsonl

Setups: `plain` (how the assistant ran before), `lookup<N>` (prompt-lookup speculative
decoding drafting N tokens copied from the prompt: a short answer mostly copies names from
its excerpts), `newline` (stop at the end of the first line), combinations with `+`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1" / "questions.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=DATA, help="JSONL rows with `question` and optionally `as_of`")
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--setups", default="plain,lookup2,lookup4", help="comma-separated setups, the first is the reference")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "reader-speed")
    args = parser.parse_args()

    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from assistant import Assistant
    from assistant.generative import reader as reader_module
    from assistant.generative.llm import _chatml, local_model_path, stop_words

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()][args.offset :: args.every]
    bot = Assistant(index_dir=args.index, llm="local")
    settings = bot.settings

    prompts: list[str] = []

    def record(self, question, standalone, ranked, as_of, extractive):
        prompts.append(_chatml(self.messages(standalone, reader_module.select_excerpts(ranked, self.settings), as_of)))
        return extractive

    reader_module.Reader.read = record  # collect what the model would be shown, without running it
    for row in rows:
        bot.answer(row["question"], as_of=row.get("as_of"))
    print(f"{len(prompts)} prompts from {len(rows)} questions (the rest were refused before reading)", file=sys.stderr)

    path = str(local_model_path(settings))
    names = args.setups.split(",")
    models = {}
    for name in names:
        parts = set(name.split("+"))
        lookup = next((int(p[6:]) for p in parts if p.startswith("lookup")), 0)
        models[name] = Llama(
            model_path=path,
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
            n_threads_batch=settings.llm_threads,
            verbose=False,
            draft_model=LlamaPromptLookupDecoding(num_pred_tokens=lookup) if lookup else None,
            # llama-cpp-python checks drafted tokens against every position's logits.
            logits_all=bool(lookup),
        )
    stops = {name: stop_words() + (["\n"] if "newline" in name.split("+") else []) for name in names}
    timings = {name: [] for name in names}
    for i, prompt in enumerate(prompts):
        for name in names if i % 2 == 0 else names[::-1]:
            llm = models[name]
            started = time.perf_counter()
            first = None
            text = ""
            tokens = 0
            for chunk in llm.create_completion(prompt, max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature, stop=stops[name], stream=True):
                first = first or time.perf_counter()
                text += chunk["choices"][0]["text"]
                tokens += 1
            end = time.perf_counter()
            timings[name].append({"seconds": end - started, "prompt_seconds": (first or end) - started, "tokens": tokens, "text": text})
        print(f"{i + 1}/{len(prompts)}", file=sys.stderr, end="\r")

    prompt_tokens = [len(models[names[0]].tokenize(p.encode())) for p in prompts]
    ref = [t["text"].strip() for t in timings[names[0]]]
    table = [
        f"Reading-model speed on {len(prompts)} prompts ({args.questions.name}, every {args.every} from {args.offset}); "
        f"prompt tokens p50 {statistics.median(prompt_tokens):.0f}; model {Path(path).name}, {settings.llm_threads} threads.",
        "",
        "| setup | p50 s | p95 s | prompt p50 s | generation p50 tokens/s | reply tokens p50 | replies differing from the first setup |",
        "|---|---|---|---|---|---|---|",
    ]
    figures = {}
    for name in names:
        t = timings[name]
        secs = sorted(x["seconds"] for x in t)
        rate = [x["tokens"] / max(1e-6, x["seconds"] - x["prompt_seconds"]) for x in t if x["tokens"] > 1]
        differ = sum(1 for a, b in zip(ref, t) if a.split("\n")[0] != b["text"].strip().split("\n")[0])
        figures[name] = {
            "p50": round(statistics.median(secs), 2),
            "p95": round(secs[min(len(secs) - 1, int(0.95 * len(secs)))], 2),
            "prompt_p50": round(statistics.median(x["prompt_seconds"] for x in t), 2),
            "tokens_per_s_p50": round(statistics.median(rate), 1) if rate else None,
            "reply_tokens_p50": statistics.median(x["tokens"] for x in t),
            "first_line_differs": differ,
        }
        f = figures[name]
        table.append(f"| {name} | {f['p50']} | {f['p95']} | {f['prompt_p50']} | {f['tokens_per_s_p50']} | {f['reply_tokens_p50']} | {differ} of {len(t)} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".md").write_text("\n".join(table) + "\n")
    args.out.with_suffix(".json").write_text(
        json.dumps({"figures": figures, "prompt_tokens": prompt_tokens, "replies": {n: [t["text"] for t in timings[n]] for n in names}}, indent=1)
    )
    print("\n".join(table))


if __name__ == "__main__":
    main()
