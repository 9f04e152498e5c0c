"""How much the reader's prompt holds and costs: for each excerpt setting, the share of dev
questions whose gold answer is inside the excerpts the model would read, and the prompt's
size in the model's tokens. No model runs; it decides `reader_excerpts` and
`reader_excerpt_chars` on evidence instead of on accuracy runs.

    python benchmarks/reader_prompt.py --every 3
    python benchmarks/reader_prompt.py --every 3 --passages 6,8,10 --excerpts 5,6 --chars 250
    python benchmarks/reader_prompt.py --every 3 --excerpts 6 --chars 250 --answer-chars 250,400   # 250: no stretch to a neighbour naming the answer
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index")
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--every", type=int, default=3)
    parser.add_argument("--excerpts", default="3,4,5,6,8")
    parser.add_argument("--chars", default="250,320,420")
    parser.add_argument("--titles", default="60", help="reader_title_chars values")
    parser.add_argument("--answer-chars", default="400", help="reader_answer_excerpt_chars values (at most --chars: never stretched)")
    parser.add_argument("--passages", default="6", help="top_k values: passages retrieval hands to the ranker")
    args = parser.parse_args()

    from llama_cpp import Llama

    from assistant import Assistant
    from assistant.answer import Extractor
    from assistant.entities import tagger_for
    from assistant.generative.llm import local_model_path
    from assistant.generative.reader import Reader, select_excerpts
    from assistant.text import contains_answer

    bot = Assistant(index_dir=args.index, llm="extractive")
    tokenizer = Llama(model_path=str(local_model_path(bot.settings)), vocab_only=True, verbose=False)
    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()][:: args.every]
    tagger = tagger_for(bot.settings.ner_model, bot.settings.entity_cache_size)
    print(
        "| passages | excerpts | chars | answer chars | title chars | answer in the passages | answer in excerpts | prompt tokens p50 / p95 (question part, the system prompt is cached) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for k in map(int, args.passages.split(",")):
        ranked_of = []
        for row in rows:
            req = bot.answerer.request(row["question"], None, row.get("as_of"), None, None, None)
            passages = bot.retriever.retrieve(req.standalone, req.scope, k, req.prefer)
            extractor = Extractor(bot.settings, bot.templates, bot.embedder.embed, bot.retriever.idf, tagger.entities)
            ranked_of.append((row, req, passages, extractor.rank(req.standalone, passages).sentences))
        in_passages = sum(contains_answer(" ".join(p.text for p in ps), row["answers"]) for row, _, ps, _ in ranked_of) / len(rows)
        for n, chars, stretch, title in itertools.product(*(map(int, a.split(",")) for a in (args.excerpts, args.chars, args.answer_chars, args.titles))):
            settings = bot.settings.with_overrides(
                reader_excerpts=n, reader_excerpt_chars=chars, reader_answer_excerpt_chars=max(stretch, chars), reader_title_chars=title
            )
            reader = Reader(settings, bot.templates, None, "local")
            hits, sizes = 0, []
            for row, req, _, ranked in ranked_of:
                excerpts = select_excerpts(ranked, settings, req.standalone)
                hits += contains_answer(" ".join(e.text for e in excerpts), row["answers"])
                user = reader.messages(req.standalone, excerpts, req.as_of)[1].content
                sizes.append(len(tokenizer.tokenize(user.encode(), add_bos=False)))
            sizes.sort()
            print(
                f"| {k} | {n} | {chars} | {max(stretch, chars)} | {title} | {in_passages:.3f} | {hits / len(rows):.3f} | {statistics.median(sizes):.0f} / {sizes[int(0.95 * (len(sizes) - 1))]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
