"""Near-identical submissions: token winnowing, as MOSS does.

Each student's exercise files are tokenised with Python's own tokenizer and
normalised: comments, docstrings and blank lines dropped; every identifier
that is not a keyword, a builtin or an attribute of a module (``np.zeros``
keeps ``zeros``) becomes ``V``; every string becomes ``S``. The normalised
stream is cut into k-grams, hashed, and winnowed (the smallest hash of every
window of w consecutive k-grams is kept: Schleimer, Wilkerson and Aiken,
2003), so renamed variables, changed comments and reordered functions keep
most fingerprints. Fingerprints of the starter files (``exercises/``) and
those held by more than a quarter of the class (idioms everyone writes) are
ignored. A pair's similarity is the share of the smaller fingerprint set that
the other holds.

Why not ``copydetect`` (PyPI): it does the same winnowing, but on files on
disk, with Pygments for tokens and an HTML report of its own; here the
submissions are in memory and the report is ours, so forty lines of
standard library do the job without a dependency.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import itertools
import keyword
import tokenize
from collections import Counter

K = 12          # tokens per k-gram
W = 6           # k-grams per winnowing window
THRESHOLD = 0.8  # flagged at or above this similarity
MIN_FINGERPRINTS = 8

_KEEP = set(keyword.kwlist) | set(dir(builtins))


def normalise(source: str) -> list[str]:
    """The token stream of ``source`` with names, strings and comments normalised."""
    out: list[str] = []
    prev = ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source.split()
    for i, tok in enumerate(tokens):
        kind, text = tok.type, tok.string
        if kind in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                    tokenize.ENCODING, tokenize.ENDMARKER):
            if kind in (tokenize.INDENT, tokenize.DEDENT):
                out.append(tokenize.tok_name[kind])
            continue
        if kind == tokenize.STRING:
            # a statement that is only a string is a docstring: dropped
            if prev in ("", "NEWLINE", ":") and i + 1 < len(tokens) and tokens[i + 1].type in (
                    tokenize.NEWLINE, tokenize.NL):
                continue
            out.append("S")
        elif kind == tokenize.NAME:
            out.append(text if text in _KEEP or prev == "." else "V")
        else:
            out.append(text)
        prev = out[-1] if out else ""
    return out


def fingerprints(source: str, k: int = K, w: int = W) -> set[int]:
    """The winnowed k-gram hashes of ``source``."""
    tokens = normalise(source)
    grams = [int.from_bytes(hashlib.blake2b(" ".join(tokens[i:i + k]).encode(), digest_size=8).digest(), "big")
             for i in range(max(0, len(tokens) - k + 1))]
    if len(grams) <= w:
        return set(grams)
    return {min(grams[i:i + w]) for i in range(len(grams) - w + 1)}


def _starter_prints() -> set[int]:
    try:
        from importlib import resources
        folder = resources.files("exercises")
        return set().union(*(fingerprints(p.read_text(encoding="utf-8")) for p in folder.iterdir()
                             if p.name.startswith("exercise") and p.name.endswith(".py")))
    except (ImportError, OSError, TypeError, ModuleNotFoundError):
        return set()


def similar_pairs(sources: dict[str, dict[str, bytes]], threshold: float = THRESHOLD,
                  ignore: set[int] | None = None) -> list[tuple[str, str, float]]:
    """(student, student, similarity) for every pair at or above ``threshold``,
    most similar first. ``sources``: student -> {file name: bytes}."""
    ignore = _starter_prints() if ignore is None else ignore
    prints: dict[str, set[int]] = {}
    for student, files in sources.items():
        text = "\n".join(files[name].decode("utf-8", "replace") for name in sorted(files) if name.endswith(".py"))
        found = fingerprints(text) - ignore
        if len(found) >= MIN_FINGERPRINTS:
            prints[student] = found
    held = Counter(itertools.chain.from_iterable(prints.values()))
    if len(prints) >= 8:   # idioms the whole class writes say nothing about copying
        common = {h for h, n in held.items() if n > len(prints) / 4}
        prints = {s: p - common for s, p in prints.items()}
        prints = {s: p for s, p in prints.items() if len(p) >= MIN_FINGERPRINTS}
    index: dict[int, list[str]] = {}
    for student in sorted(prints):
        for h in prints[student]:
            index.setdefault(h, []).append(student)
    shared: Counter = Counter()
    for holders in index.values():
        if len(holders) > 1:
            for a, b in itertools.combinations(holders, 2):
                shared[(a, b)] += 1
    pairs = []
    for (a, b), n in shared.items():
        score = n / min(len(prints[a]), len(prints[b]))
        if score >= threshold:
            pairs.append((a, b, round(score, 3)))
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))


def pair_scores(sources: dict[str, dict[str, bytes]]) -> dict[tuple[str, str], float]:
    """Every pair's similarity (for tests and tuning)."""
    return {(a, b): s for a, b, s in similar_pairs(sources, threshold=0.0)}
