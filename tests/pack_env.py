"""A student pack installed into a fresh virtual environment (tests/test_pack.py, benchmarks/bench_pack.py).

The environment gets the pack's wheel (``pip install --no-index --no-deps``)
and, through a ``.pth`` file, this interpreter's site-packages for numpy,
pyyaml, click (and nbclient/ipykernel for the notebook tests). A path line in a
``.pth`` file is only appended to ``sys.path``: the editable install's finder
of the outer environment is not activated, so ``solutions`` stays out of reach
(the tests prove it). Entries of PYTHONPATH that hold ``solutions`` or
``grader`` are never passed on.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path


def build(out: Path, exercises: list[str] | None = None) -> Path:
    """``euron-grade release --out out`` run by this interpreter; returns out."""
    cmd = [sys.executable, "-m", "grader", "release", "--out", str(out)]
    if exercises:
        cmd += ["--exercises", ",".join(exercises)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"release failed: {done.stderr[-2000:]}")
    return out


def _outer_paths() -> list[str]:
    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and Path(entry).is_dir() and not (Path(entry, "solutions").exists() or Path(entry, "grader").exists()):
            paths.append(entry)
    return list(dict.fromkeys(str(Path(p).resolve()) for p in paths))


def install(pack: Path, env: Path) -> Path:
    """A fresh venv at ``env`` with the pack installed; returns its python."""
    venv.EnvBuilder(with_pip=False, symlinks=True, clear=True).create(env)
    python = env / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "outer_dependencies.pth").write_text("\n".join(_outer_paths()) + "\n", encoding="utf-8")
    wheel = next((pack / "dist").glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index",
                    "--no-deps", str(wheel)], check=True, capture_output=True, timeout=300)
    return python


def clean_env(lang: str = "en") -> dict:
    """The environment for processes of the pack's venv: no PYTHONPATH into the project;
    ``lang`` the default language of its commands (the tests read English unless they pass
    --lang ko; ``lang="ko"``: a Korean locale, as a student's)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["LC_ALL"] = "en_US.UTF-8" if lang == "en" else "ko_KR.UTF-8"
    return env
