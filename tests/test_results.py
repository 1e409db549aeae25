"""fit keeps no hidden record: a run leaves no file behind unless a checkpoint is asked for."""
import os

import torch.nn as nn

from cnnbook import results
from cnnbook.budgets import Budget
from cnnbook.training import fit


def _files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_fit_writes_nothing_to_disk(blob_data, tmp_path, monkeypatch):
    for var in ("CNNBOOK_RESULTS", "CNNBOOK_DATA", "HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.chdir(tmp_path)
    results.set_chapter("demo")
    try:
        model = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 2))
        fit(model, blob_data, Budget(image_size=16, epochs=1, batch_size=64), progress=False, label="run")
    finally:
        results.set_chapter(None)
    assert _files(tmp_path) == []


def test_the_current_chapter_is_remembered():
    results.set_chapter("lenet")
    try:
        assert results.current_chapter() == "lenet"
    finally:
        results.set_chapter(None)
    assert results.current_chapter() is None
