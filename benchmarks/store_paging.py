"""Store paging benchmark (not a test): does reading every chunk back page by page get
slower the further in a page starts?

`ChunkStore.rows` pages with Chroma's `limit`/`offset`. If each page stepped over
every earlier row, a full read of N chunks would cost O(N²). This script builds a scratch
collection of N chunks whose documents and metadata are the dev index's real ones (repeated
with new ids beyond its 33,779 chunks) and times:

- single `get(limit=page, offset=o)` pages at offsets spread from 0 to N;
- the same pages selected by a metadata range (`seq` in [o, o + page)), the alternative;
- a full read of every chunk's metadata both ways.

The vectors are 2-dimensional random numbers: `get` never reads the vector index, and small
vectors keep the build to minutes. Documents and metadata, the rows `get` does read, are real.

    python benchmarks/store_paging.py --size 1000000 --out benchmarks/results/store-paging.md

Writes the markdown table to --out and the figures beside it as .json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLLECTION = "paging"


def real_rows(index: Path, scratch: Path) -> tuple[list[str], list[dict]]:
    """Documents and metadata of the built dev index, read from a copy (never the original)."""
    import chromadb

    from assistant.store import chroma_settings

    copy = scratch / "source"
    shutil.copytree(index / "chroma", copy)
    client = chromadb.PersistentClient(path=str(copy), settings=chroma_settings())
    col = client.list_collections()[0]
    col = client.get_collection(col.name if hasattr(col, "name") else col)
    docs, metas = [], []
    offset = 0
    while True:
        got = col.get(include=["documents", "metadatas"], limit=5000, offset=offset)
        docs += got["documents"]
        metas += got["metadatas"]
        if len(got["ids"]) < 5000:
            return docs, metas
        offset += 5000


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=5000, help="rows per page (store.py's _PAGE)")
    parser.add_argument("--probes", type=int, default=6, help="page positions timed, spread from 0 to size")
    parser.add_argument("--repeat", type=int, default=3, help="timings per position (median kept)")
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/store-paging"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "store-paging.md")
    args = parser.parse_args()

    import chromadb

    from assistant.store import chroma_settings

    if args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir.mkdir(parents=True)
    try:
        docs, metas = real_rows(args.index, args.workdir)
        client = chromadb.PersistentClient(path=str(args.workdir / "chroma"), settings=chroma_settings())
        col = client.create_collection(COLLECTION, embedding_function=None)
        rng = np.random.default_rng(0)
        batch = client.get_max_batch_size()
        build, real = time.perf_counter(), len(docs)
        for begin in range(0, args.size, batch):
            idx = range(begin, min(args.size, begin + batch))
            col.add(
                ids=[f"c{i:08d}" for i in idx],
                documents=[docs[i % real] for i in idx],
                metadatas=[metas[i % real] | {"seq": i} for i in idx],
                embeddings=rng.random((len(idx), 2), dtype=np.float32),
            )
        build = time.perf_counter() - build
        print(f"built {args.size} rows in {build:.0f} s", file=sys.stderr)

        positions = sorted({int(p) for p in np.linspace(0, args.size - args.page, args.probes)})
        rows = []
        for at in positions:
            by_offset = [timed(lambda at=at: col.get(include=["metadatas"], limit=args.page, offset=at)) for _ in range(args.repeat)]
            where = {"$and": [{"seq": {"$gte": at}}, {"seq": {"$lt": at + args.page}}]}
            by_range = [timed(lambda where=where: col.get(include=["metadatas"], where=where)) for _ in range(args.repeat)]
            assert len(by_offset[0][1]["ids"]) == len(by_range[0][1]["ids"]) == args.page
            rows.append({"offset": at, "offset_s": statistics.median(t for t, _ in by_offset), "range_s": statistics.median(t for t, _ in by_range)})
            print(rows[-1], file=sys.stderr)

        def read_all(by_range: bool) -> int:
            seen = 0
            for at in range(0, args.size, args.page):
                if by_range:
                    got = col.get(include=["metadatas"], where={"$and": [{"seq": {"$gte": at}}, {"seq": {"$lt": at + args.page}}]})
                else:
                    got = col.get(include=["metadatas"], limit=args.page, offset=at)
                seen += len(got["ids"])
            return seen

        full_offset, n1 = timed(lambda: read_all(False))
        full_range, n2 = timed(lambda: read_all(True))
        assert n1 == n2 == args.size
        disk = sum(f.stat().st_size for f in (args.workdir / "chroma").rglob("*") if f.is_file())
    finally:
        shutil.rmtree(args.workdir, ignore_errors=True)

    figures = {
        "size": args.size,
        "page": args.page,
        "chromadb": chromadb.__version__,
        "build_seconds": round(build, 1),
        "disk_bytes": disk,
        "pages": rows,
        "full_read_offset_s": round(full_offset, 1),
        "full_read_range_s": round(full_range, 1),
    }
    lines = [
        "# Store paging: `get` by offset against `get` by a metadata range",
        "",
        f"Command: `python benchmarks/store_paging.py --size {args.size} --page {args.page}`; {time.strftime('%Y-%m-%d')}, "
        f"chromadb {chromadb.__version__}, 2 cores; {args.size:,} rows with the dev index's real documents and metadata "
        f"({disk / 1e9:.2f} GB on disk), built in {build:.0f} s. Median of {args.repeat} timings per position.",
        "",
        "| page starts at row | `offset` page (s) | `seq` range page (s) |",
        "|---|---|---|",
        *[f"| {r['offset']:,} | {r['offset_s']:.3f} | {r['range_s']:.3f} |" for r in rows],
        "",
        f"Reading all {args.size:,} rows' metadata: {full_offset:.1f} s by offset, {full_range:.1f} s by range.",
        "",
    ]
    args.out.write_text("\n".join(lines))
    args.out.with_suffix(".json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
