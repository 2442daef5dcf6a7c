"""Benchmark: 300 per-student one-page PDF sheets vs one 300-page Typst document.

Both sides render exactly the same 300 sheets (a roster of 300, five
questions each, Korean): the baseline is a single Typst compile of one
document holding every sheet; the measured side writes one PDF per student,
as ``euron-grade quiz --roster ... --format pdf`` does. Sheet generation is
timed separately and excluded from both. Prints the ratio measured in this
run (target: within 2x of the single document).

Run:  python benchmarks/bench_quiz_pdf.py [--students 300] [--jobs N]

It reports the per-student side twice: in one process, and with one
spawned worker per core (what ``euron-grade quiz --roster`` does for 60 or
more students).
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--count", type=int, default=5, help="questions per sheet (one page)")
    ap.add_argument("--jobs", type=int, default=None,
                    help="worker processes for the per-student side (default: one per core, as the CLI does)")
    args = ap.parse_args(argv)

    from grader.quiz.bank import load_bank
    from grader.quiz.generate import QuizRequest, generate_roster
    from grader.quiz.render_pdf import PdfRenderer, render_pdf_each

    roster = [(f"2024{i:04d}", f"학생{i}") for i in range(args.students)]
    request = QuizRequest(seed=2024, count=args.count, lang="ko",
                          kinds=("conv_output", "conv_params", "pool_output", "se_params", "maxpool_grid"))
    t0 = time.perf_counter()
    sheets = generate_roster(load_bank(), request, roster)
    t_gen = time.perf_counter() - t0

    # warm-up: load fonts and the template once on both sides, so neither pays it alone
    PdfRenderer("ko").compile(sheets[:1])

    t0 = time.perf_counter()
    whole = PdfRenderer("ko").compile(sheets)
    t_one = time.perf_counter() - t0

    jobs = args.jobs if args.jobs is not None else min(os.cpu_count() or 1, 8)
    timings = {}
    for j in sorted({1, jobs}):
        t0 = time.perf_counter()
        each = render_pdf_each(sheets, jobs=j)
        timings[j] = time.perf_counter() - t0
        assert len(each) == len(sheets) and all(pdf.startswith(b"%PDF") for pdf in each)

    print(f"python: {sys.executable}")
    print(f"generated {len(sheets)} sheets x {args.count} questions in {t_gen:.2f} s (not timed below)")
    print(f"single Typst compile, one {len(sheets)}-page document: {t_one:.2f} s ({len(whole) / 1e6:.1f} MB)")
    for j, t in timings.items():
        ratio = t / t_one
        verdict = "OK" if ratio <= 2 else "OVER"
        print(f"{len(sheets)} per-student PDFs, {j} process(es): {t:.2f} s -> ratio {ratio:.2f}x "
              f"(target <= 2x: {verdict})")
    print("note: one Typst compile runs on one core; the per-student side may use one worker per core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
