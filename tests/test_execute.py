"""tools/execute.py: one execution per mode, cached where the book build finds it, caps enforced."""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import execute  # noqa: E402


def test_threads_are_cores_shared_among_workers(monkeypatch):
    monkeypatch.setattr(execute.os, "cpu_count", lambda: 8)
    assert execute.kernel_env("quick", 4, False)["OMP_NUM_THREADS"] == "2"
    assert execute.kernel_env("quick", 8, False)["OMP_NUM_THREADS"] == "1"
    assert execute.kernel_env("quick", 16, False)["OMP_NUM_THREADS"] == "1"
    quick = execute.kernel_env("quick", 1, False)
    assert quick["CNNBOOK_MODE"] == "quick" and not any(k.startswith("CNNBOOK_MAX") for k in quick)


def test_full_mode_refuses_to_run_uncapped_when_the_library_ignores_the_caps(monkeypatch, tmp_path):
    (tmp_path / "training.py").write_text('os.environ.get("CNNBOOK_MAX_STEPS")\n')
    missing = execute.library_reads_caps(tmp_path)
    assert missing == ["CNNBOOK_MAX_EVAL_BATCHES", "CNNBOOK_MAX_EPOCHS", "CNNBOOK_MAX_BATCH"]
    monkeypatch.setattr(execute, "library_reads_caps", lambda: missing)
    with pytest.raises(execute.ExecutionError, match="CNNBOOK_MAX_EVAL_BATCHES.*--uncapped"):
        execute.kernel_env("full", 1, False)
    assert "CNNBOOK_MAX_STEPS" not in execute.kernel_env("full", 1, True)     # asked for explicitly


def test_full_mode_sets_every_cap(monkeypatch):
    monkeypatch.setattr(execute, "library_reads_caps", lambda: [])
    monkeypatch.setenv("CNNBOOK_MAX_STEPS", "5")
    env = execute.kernel_env("full", 1, False)
    assert env["CNNBOOK_MODE"] == "full" and env["CNNBOOK_MAX_STEPS"] == "5"
    assert {k: env[k] for k in execute.CAPS if k != "CNNBOOK_MAX_STEPS"} == {
        k: v for k, v in execute.CAPS.items() if k != "CNNBOOK_MAX_STEPS"}


def _notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_executes_once_into_a_cache_the_book_build_matches(tmp_path, capsys):
    from jupyter_cache import get_cache

    nb_path = _notebook(tmp_path / "probe.ipynb",
                        'import os\nprint(os.environ["CNNBOOK_MODE"], os.environ["OMP_NUM_THREADS"])')
    cache_dir, out_dir = tmp_path / "cache", tmp_path / "out"
    timings = execute.execute([nb_path], "quick", workers=1, cache_dir=cache_dir, out_dir=out_dir)
    assert timings["probe.ipynb"]["seconds"] > 0 and timings["probe.ipynb"]["kernel_cpu_seconds"] > 0
    executed = nbformat.read(out_dir / "probe.ipynb", as_version=4)
    threads = execute.kernel_env("quick", 1, False)["OMP_NUM_THREADS"]
    assert executed.cells[1].outputs[0]["text"].split() == ["quick", threads]
    # myst-nb's cache mode looks the stored notebook up exactly like this
    cache = get_cache(str(cache_dir))
    _, merged = cache.merge_match_into_notebook(nbformat.read(nb_path, as_version=4))
    assert merged.cells[1].outputs[0]["text"].split() == ["quick", threads]
    # a second run finds it and executes nothing
    capsys.readouterr()
    execute.execute([nb_path], "quick", workers=1, cache_dir=cache_dir, out_dir=out_dir)
    assert "cached   probe.ipynb" in capsys.readouterr().out


@pytest.mark.slow
def test_a_failing_notebook_fails_the_run_with_its_error(tmp_path):
    nb_path = _notebook(tmp_path / "broken.ipynb", "raise ValueError('on purpose')")
    with pytest.raises(execute.ExecutionError, match="on purpose"):
        execute.execute([nb_path], "quick", workers=1, cache_dir=tmp_path / "c", out_dir=tmp_path / "o")


def test_a_changed_library_empties_the_cache(tmp_path):
    cache_dir = tmp_path / "cache"
    execute.open_cache(cache_dir, "aaa")
    (cache_dir / "marker").write_text("old")
    execute.open_cache(cache_dir, "aaa")
    assert (cache_dir / "marker").exists()
    execute.open_cache(cache_dir, "bbb")
    assert not (cache_dir / "marker").exists()
    assert (cache_dir / "cnnbook-inputs.txt").read_text().strip() == "bbb"


def test_the_cache_survives_a_change_of_workers_but_not_of_mode_or_caps(monkeypatch):
    monkeypatch.setattr(execute, "library_reads_caps", lambda: [])
    one, two = execute.kernel_env("quick", 1, False, threads=2), execute.kernel_env("quick", 2, False, threads=1)
    assert execute.inputs_digest(one) == execute.inputs_digest(two)
    assert execute.inputs_digest(one) != execute.inputs_digest(execute.kernel_env("full", 1, False))
    monkeypatch.setenv("CNNBOOK_MAX_STEPS", "3")
    capped = execute.inputs_digest(execute.kernel_env("full", 1, False))
    monkeypatch.setenv("CNNBOOK_MAX_STEPS", "4")
    assert execute.inputs_digest(execute.kernel_env("full", 1, False)) != capped
