"""Near-duplicate pairs of the prompts in a file (one per line) with datasketch's MinHashLSH, using the
same text rules and parameters as Distillery's splits: normalized text, 3-word shingles, 128
permutations, 32 bands x 4 rows, candidates verified with the exact Jaccard >= threshold.

Usage: python datasketch_dedup.py PROMPTS PAIRS_OUT [THRESHOLD]
Prints one JSON line: {"seconds": ..., "maxRssMiB": ..., "pairs": ...}; writes "i j" per pair to PAIRS_OUT.
"""
import json
import resource
import sys
import time
import unicodedata

from datasketch import MinHash, MinHashLSH


def normalized_words(text):
    folded = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text.lower())
    return folded.split()


def shingles(words):
    if len(words) <= 3:
        return {" ".join(words)}
    return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}


def main():
    prompts_path, pairs_path = sys.argv[1], sys.argv[2]
    threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.8
    with open(prompts_path, encoding="utf-8") as handle:
        prompts = handle.read().split("\n")[:-1]
    started = time.perf_counter()
    sets = [shingles(normalized_words(p)) for p in prompts]
    lsh = MinHashLSH(num_perm=128, params=(32, 4))
    hashes = []
    for index, shingle_set in enumerate(sets):
        minhash = MinHash(num_perm=128)
        minhash.update_batch([s.encode("utf-8") for s in shingle_set])
        hashes.append(minhash)
        lsh.insert(index, minhash)
    pairs = set()
    for index, minhash in enumerate(hashes):
        for other in lsh.query(minhash):
            if other <= index or (index, other) in pairs:
                continue
            a, b = sets[index], sets[other]
            if len(a & b) / len(a | b) >= threshold:
                pairs.add((index, other))
    seconds = time.perf_counter() - started
    with open(pairs_path, "w") as out:
        for a, b in sorted(pairs):
            out.write(f"{a} {b}\n")
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "maxRssMiB": max_rss, "pairs": len(pairs)}))


if __name__ == "__main__":
    main()
