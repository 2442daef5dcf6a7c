"""Time the reference conv_forward against torch.nn.functional.conv2d.

    python benchmarks/bench_conv.py [--repeats 15] [--blas-threads N]

Workload: N=8, C=64, 32x32 input, 64 filters of 3x3, padding 1, stride 1.
Every number is the median of --repeats timed calls after one warm-up call,
and every ratio is reference time / torch time measured in this same run.

NumPy's BLAS threads are left as the environment sets them unless
--blas-threads is given (the grader sets OPENBLAS_NUM_THREADS=1 when it is
imported; this script does not import the grader). The script prints which
setting it used. Torch is timed with its default thread count and with 1.
"""

import argparse
import os
import statistics
import sys
import time

SHAPE_X = (8, 64, 32, 32)
SHAPE_W = (64, 64, 3, 3)
PADDING = 1
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def median_seconds(fn, repeats):
    fn()  # warm-up: first-call allocations, thread pool start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def blas_threads_description():
    env = ", ".join(f"{name}={os.environ.get(name, 'unset')}" for name in BLAS_ENV)
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return env
    pools = [f"{p['internal_api']}:{p['num_threads']}" for p in threadpool_info() if p.get("user_api") == "blas"]
    return f"{env}; BLAS pools in use: {', '.join(pools) or 'none found'}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per measurement (median reported)")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="set OPENBLAS_NUM_THREADS (as the grader does) before NumPy loads; default: leave as is")
    args = parser.parse_args(argv)
    if args.blas_threads is not None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)

    import numpy as np  # after the thread settings, which BLAS reads when it loads

    from solutions.exercise2 import conv_forward

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(SHAPE_X), rng.standard_normal(SHAPE_W), rng.standard_normal(SHAPE_W[0])
    cpus = os.cpu_count()
    print(f"conv forward: x {SHAPE_X}, w {SHAPE_W}, padding {PADDING}, stride 1; "
          f"median of {args.repeats} repeats; {cpus} CPUs")
    print(f"NumPy {np.__version__}, BLAS threads: "
          f"{'as set by the environment' if args.blas_threads is None else f'OPENBLAS_NUM_THREADS forced to {args.blas_threads}'} "
          f"({blas_threads_description()})")

    reference = median_seconds(lambda: conv_forward(x, w, b, padding=PADDING), args.repeats)
    print(f"  reference conv_forward (float64)           {reference * 1e3:8.2f} ms")

    try:
        import torch
    except ImportError:
        print("torch is not installed (pip install -e '.[test]'): no baseline, no ratio.")
        return 0

    conv2d = torch.nn.functional.conv2d
    default_threads = torch.get_num_threads()
    expected = conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=PADDING).numpy()
    max_diff = float(np.abs(conv_forward(x, w, b, padding=PADDING) - expected).max())
    print(f"torch {torch.__version__}; max |reference - torch float64| = {max_diff:.2e}")

    rows = []
    for threads in dict.fromkeys([default_threads, 1]):
        torch.set_num_threads(threads)
        for dtype in (torch.float64, torch.float32):
            tx, tw, tb = (torch.from_numpy(a).to(dtype) for a in (x, w, b))
            with torch.no_grad():
                seconds = median_seconds(lambda: conv2d(tx, tw, tb, padding=PADDING), args.repeats)
            rows.append((threads, str(dtype).removeprefix("torch."), seconds))
    torch.set_num_threads(default_threads)

    for threads, dtype, seconds in rows:
        label = f"torch conv2d {dtype}, {threads} thread{'s' if threads > 1 else ''}"
        default = " (default)" if threads == default_threads else ""
        print(f"  {label + default:42s} {seconds * 1e3:8.2f} ms   reference / torch = {reference / seconds:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
