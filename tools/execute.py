"""Execute notebooks once per mode, in parallel, into a jupyter-cache.

``python tools/execute.py --mode quick`` runs every chapter in quick mode and
stores the executed notebooks in ``_build/.jupyter_cache``, the cache the book
build reads (``execute.execute_notebooks: cache`` in ``_config.yml``), so
``jupyter-book build`` renders these results instead of running the chapters
again. ``--mode full`` runs the full-size models, budgets and image sizes with
the library's caps on steps, evaluation batches, epochs and batch size
(``CNNBOOK_MAX_*``), into ``_build/.jupyter_cache_full``; by default on the
reader notebooks (``tools/reader.py``), so one pass checks both that they run
top to bottom and the code path a GPU reader takes.

Each notebook runs in its own kernel with ``OMP_NUM_THREADS`` = cores / workers:
on this project's 2-core CI machine two kernels at 2 threads each train 3.4x
slower each than one alone, at 1 thread each near full speed. A notebook whose
code cells, the library (``src/cnnbook``) and the settings are unchanged since
its cached run is not run again. Executed copies are also written to
``_build/executed/<mode>/`` for the tests, with a ``timings.json`` (seconds and
kernel CPU seconds per notebook).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CACHES = {"quick": ROOT / "_build" / ".jupyter_cache", "full": ROOT / "_build" / ".jupyter_cache_full"}
EXECUTED = ROOT / "_build" / "executed"

#: The caps the library reads in full mode, and the CI values (override them in the environment).
CAPS = {"CNNBOOK_MAX_STEPS": "2", "CNNBOOK_MAX_EVAL_BATCHES": "2", "CNNBOOK_MAX_EPOCHS": "2",
        "CNNBOOK_MAX_BATCH": "16"}


class ExecutionError(RuntimeError):
    pass


def library_reads_caps(src: Path = ROOT / "src" / "cnnbook") -> list[str]:
    """The cap variables no module of the library mentions (so it would not honour them)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in src.rglob("*.py"))
    return [name for name in CAPS if name not in text]


def kernel_env(mode: str, workers: int, uncapped: bool, threads: int | None = None) -> dict[str, str]:
    """The environment every kernel inherits: mode, offline data, threads (cores / workers), caps."""
    threads = str(threads or max(1, (os.cpu_count() or 1) // workers))
    env = {"CNNBOOK_MODE": mode, "CNNBOOK_OFFLINE": os.environ.get("CNNBOOK_OFFLINE", "1"),
           "CNNBOOK_PROGRESS": "lines", "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}   # no MPLBACKEND: the kernel's inline backend draws the figures
    if mode == "full" and not uncapped:
        missing = library_reads_caps()
        if missing:
            raise ExecutionError(
                f"full mode would run uncapped: src/cnnbook never reads {', '.join(missing)}. Merge the "
                "library's caps first, or pass --uncapped to run the real budgets (hours on a CPU).")
        env.update({name: os.environ.get(name, value) for name, value in CAPS.items()})
    return env


def inputs_digest(env: dict[str, str]) -> str:
    """A hash of what a chapter's outputs depend on besides its own code: the library and settings."""
    settings = {k: v for k, v in env.items() if k.startswith("CNNBOOK_") and k != "CNNBOOK_PROGRESS"}
    h = hashlib.sha256(json.dumps(sorted(settings.items())).encode())   # threads and workers excluded
    for path in sorted((ROOT / "src" / "cnnbook").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return h.hexdigest()[:16]


def open_cache(cache_dir: Path, digest: str):
    """The jupyter-cache at ``cache_dir``, emptied first if the library or settings changed."""
    from jupyter_cache import get_cache

    stamp = cache_dir / "cnnbook-inputs.txt"
    cache = get_cache(str(cache_dir))
    if cache_dir.exists() and (not stamp.exists() or stamp.read_text().strip() != digest):
        cache.clear_cache()
        cache = get_cache(str(cache_dir))
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return cache


def _run(path: str, env: dict[str, str], timeout: int) -> tuple[str, str | None, float, float, str | None]:
    """Worker: execute one notebook in a fresh kernel (in its own folder); return it as JSON."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    os.environ.update(env)
    nb = nbformat.read(path, as_version=4)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    error = None
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False, record_timing=True,
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    except CellExecutionError as exc:
        error = str(exc)[-3000:]
    except Exception as exc:                       # timeouts, dead kernels
        error = f"{type(exc).__name__}: {exc}"[-3000:]
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return path, (None if error else nbformat.writes(nb)), seconds, cpu, error


def with_outputs(source: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``source`` as stored, with ``executed``'s outputs: the cache's hash (code and metadata) must be
    the one myst-nb computes from the file, whatever execution added to the metadata."""
    ran = [c for c in executed.cells if c.cell_type == "code"]
    mine = [c for c in source.cells if c.cell_type == "code"]
    assert [c.source for c in ran] == [c.source for c in mine]
    for cell, done in zip(mine, ran):
        cell.outputs, cell.execution_count = done.get("outputs", []), done.get("execution_count")
    source.metadata.setdefault("language_info", executed.metadata.get("language_info", {}))
    return source


def execute(paths: list[Path], mode: str, *, workers: int = 1, timeout: int = 900, force: bool = False,
            uncapped: bool = False, threads: int | None = None, cache_dir: Path | None = None, out_dir: Path | None = None) -> dict:
    """Execute ``paths`` in ``mode``; cache and save them; return {name: timing}. Raises on failure."""
    from jupyter_cache.base import CacheBundleIn

    env = kernel_env(mode, workers, uncapped, threads)
    cache = open_cache(cache_dir or CACHES[mode], inputs_digest(env))
    out_dir = out_dir or EXECUTED / mode
    out_dir.mkdir(parents=True, exist_ok=True)
    timings_file = out_dir / "timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    todo = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            cached = None if force else cache.match_cache_notebook(nb)
        except KeyError:
            cached = None
        if cached is not None and (out_dir / path.name).exists():
            print(f"  cached   {path.name}", flush=True)
        else:
            todo.append(path)
    shown = {k: v for k, v in env.items() if k.startswith(("CNNBOOK_MAX", "CNNBOOK_MODE", "OMP"))}
    print(f"execute: {len(todo)} of {len(paths)} notebooks in {mode} mode, {workers} at a time, "
          f"{' '.join(f'{k}={v}' for k, v in shown.items())}", flush=True)
    failures = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = [pool.submit(_run, str(p), env, timeout) for p in todo]
        for job in concurrent.futures.as_completed(jobs):
            path, text, seconds, cpu, error = job.result()
            name = Path(path).name
            if error:
                failures.append(f"{name}:\n{error}")
                print(f"  FAILED   {name} after {seconds:.0f} s", flush=True)
                continue
            nb = with_outputs(nbformat.read(path, as_version=4), nbformat.reads(text, as_version=4))
            cache.cache_notebook_bundle(CacheBundleIn(nb, path, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            nbformat.write(nb, out_dir / name)
            timings[name] = {"seconds": round(seconds, 1), "kernel_cpu_seconds": round(cpu, 1),
                             "threads": env["OMP_NUM_THREADS"], "workers": workers}
            print(f"  executed {name} in {seconds:.0f} s (kernel CPU {cpu:.0f} s)", flush=True)
    timings_file.write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")
    if failures:
        raise ExecutionError(f"{len(failures)} notebook(s) failed in {mode} mode:\n\n" + "\n\n".join(failures))
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: chapters/*.ipynb (quick) or the reader notebooks (full)")
    parser.add_argument("--mode", choices=("quick", "full"), default="quick")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="notebooks at a time; each kernel gets cores / workers threads")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads per kernel (default: cores / workers)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--force", action="store_true", help="run even what the cache holds")
    parser.add_argument("--uncapped", action="store_true", help="full mode without the CNNBOOK_MAX_* caps")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(
        (ROOT / "chapters" if args.mode == "quick" else ROOT / "_build" / "reader" / "chapters").glob("*.ipynb"))
    if not paths:
        print("no notebooks to execute (full mode runs the reader notebooks: `make notebooks-reader`)",
              file=sys.stderr)
        return 1
    start = time.perf_counter()
    try:
        execute([p.resolve() for p in paths], args.mode, workers=min(args.workers, len(paths)),
                timeout=args.timeout, force=args.force, uncapped=args.uncapped, threads=args.threads)
    except ExecutionError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"execute: {args.mode} mode done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
