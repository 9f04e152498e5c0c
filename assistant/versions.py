"""Find articles that are versions of one story (updates, re-publications, syndication).

Each article gets a MinHash signature of its word shingles. Two articles are versions of
one story when most of the shorter one's shingles also occur in the longer one
(containment), which catches an updated, longer rewrite as well as a verbatim copy.
Stories are the connected groups of such pairs; the newest, then longest, member is
the preferred version.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np

_PRIME = np.uint64(4294967311)  # smallest prime above 2**32
_WORD = re.compile(r"\w+")
MIN_SHINGLES = 20  # below this a "match" says more about boilerplate than about the story


@dataclass(frozen=True)
class Fingerprint:
    """What version detection needs to know about one article."""

    doc_id: str
    signature: np.ndarray  # (perms,) uint64 MinHash values
    shingles: int  # number of distinct shingles
    published_at: str = ""
    length: int = 0


def _permutations(perms: int) -> tuple[np.ndarray, np.ndarray]:
    # A fixed seed: signatures stored in an index must stay comparable across runs.
    rng = np.random.default_rng(20210226)
    a = rng.integers(1, 2**31, size=perms, dtype=np.uint64)
    b = rng.integers(0, 2**31, size=perms, dtype=np.uint64)
    return a, b


def shingle_hashes(text: str, width: int) -> np.ndarray:
    """Distinct 32-bit hashes of the `width`-word shingles of `text` (case-insensitive)."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint64)
    vocab: dict[str, int] = {}
    ids = np.fromiter((vocab.setdefault(w, zlib.crc32(w.encode())) for w in words), dtype=np.uint64, count=len(words))
    if len(ids) < width:
        return np.unique(ids)
    combined = np.zeros(len(ids) - width + 1, dtype=np.uint64)
    for k in range(width):
        # Rolling polynomial combination of the word hashes, kept within 32 bits.
        combined = (combined * np.uint64(1000003) + ids[k : len(ids) - width + 1 + k]) % np.uint64(2**32)
    return np.unique(combined)


def fingerprint(doc_id: str, text: str, *, width: int, perms: int, published_at: str = "") -> Fingerprint:
    """MinHash signature of one article's text."""
    hashes = shingle_hashes(text, width)
    a, b = _permutations(perms)
    if len(hashes) == 0:
        sig = np.full(perms, np.iinfo(np.uint64).max, dtype=np.uint64)
    else:
        sig = ((hashes[:, None] * a[None, :] + b[None, :]) % _PRIME).min(axis=0)
    return Fingerprint(doc_id, sig, int(len(hashes)), published_at, len(text))


def containment(x: Fingerprint, y: Fingerprint) -> float:
    """Estimated share of the smaller article's shingles that the other contains."""
    if min(x.shingles, y.shingles) == 0:
        return 0.0
    jaccard = float(np.mean(x.signature == y.signature))
    overlap = jaccard * (x.shingles + y.shingles) / (1.0 + jaccard)
    return min(1.0, overlap / min(x.shingles, y.shingles))


def min_jaccard(threshold: float, min_size_ratio: float) -> float:
    """The lowest Jaccard similarity two linkable articles can have: the smaller one (a share
    `min_size_ratio` of the other's size) with `threshold` of its shingles in the other."""
    return threshold * min_size_ratio / (1.0 + min_size_ratio - threshold * min_size_ratio)


def group_stories(prints: list[Fingerprint], threshold: float, min_size_ratio: float = 0.2) -> dict[str, tuple[str, bool]]:
    """doc_id -> (story_id, preferred). A story id is the smallest doc id of its group.

    Pairs whose sizes differ more than `min_size_ratio` are never linked: a short piece
    "contained" in a 50-article roundup shares boilerplate, not a story, and such links
    would chain unrelated articles together.

    Each article is compared only with its candidates from a MinHash LSH index (datasketch)
    tuned to the lowest Jaccard similarity a linkable pair can have, so the work grows with
    the number of articles, not with the number of pairs.
    """
    from datasketch import MinHash, MinHashLSH

    n = len(prints)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    eligible = [i for i, p in enumerate(prints) if p.shingles >= MIN_SHINGLES]
    if len(eligible) > 1:
        perms = len(prints[eligible[0]].signature)
        # Every candidate is checked below, so a missed pair costs more than a spurious one.
        lsh = MinHashLSH(threshold=min_jaccard(threshold, min_size_ratio), num_perm=perms, weights=(0.1, 0.9))
        # Our own signatures (affine hashes of 32-bit shingle hashes); LSH only bands their values.
        hashes = {i: MinHash(num_perm=perms, hashvalues=prints[i].signature, scheme="affine32") for i in eligible}
        with lsh.insertion_session() as session:
            for i in eligible:
                session.insert(i, hashes[i], check_duplication=False)
        sigs = np.stack([p.signature for p in prints])
        sizes = np.array([p.shingles for p in prints], dtype=np.float64)
        for i in eligible:
            others = np.array(sorted(j for j in lsh.query(hashes[i]) if j > i), dtype=np.int64)
            if not len(others):
                continue
            jac = (sigs[others] == sigs[i]).mean(axis=1)
            smaller = np.minimum(sizes[i], sizes[others])
            contained = jac * (sizes[i] + sizes[others]) / (1.0 + jac) / smaller
            linked = others[(contained >= threshold) & (smaller / np.maximum(sizes[i], sizes[others]) >= min_size_ratio)]
            for j in linked:
                a, b = find(i), find(int(j))
                if a != b:
                    parent[a] = b

    return stories_of(prints, find)


def stories_of(prints: list[Fingerprint], find) -> dict[str, tuple[str, bool]]:
    """doc_id -> (story_id, preferred) from the union-find root `find(i)` of each print."""
    groups: dict[int, list[int]] = {}
    for i in range(len(prints)):
        groups.setdefault(find(i), []).append(i)
    result: dict[str, tuple[str, bool]] = {}
    for members in groups.values():
        story_id = min(prints[i].doc_id for i in members)
        best = max(members, key=lambda i: (prints[i].published_at or "", prints[i].length, prints[i].doc_id))
        for i in members:
            result[prints[i].doc_id] = (story_id, i == best)
    return result


def signature_to_text(sig: np.ndarray) -> str:
    """Compact text form for storing a signature in string metadata."""
    return sig.astype("<u8").tobytes().hex()


def signature_from_text(text: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(text), dtype="<u8").astype(np.uint64)
