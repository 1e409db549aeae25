from cnnbook import results
from cnnbook.budgets import Budget
from cnnbook.training import fit


def test_runs_of_a_chapter_are_recorded_and_loaded(blob_data, tmp_path, monkeypatch):
    import torch.nn as nn
    monkeypatch.setenv("CNNBOOK_RESULTS", str(tmp_path))
    model = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 2))
    budget = Budget(image_size=16, train_size=None, test_size=None, epochs=1, batch_size=64)
    results.set_chapter(None)
    fit(model, blob_data, budget, progress=False, label="nothing recorded")
    assert results.load() == []
    results.set_chapter("demo")
    try:
        fit(model, blob_data, budget, progress=False, label="linear / 1 epoch")
    finally:
        results.set_chapter(None)
    (entry,) = results.load("demo")
    assert entry["label"] == "linear / 1 epoch" and entry["params"] == 16 * 16 * 2 + 2
    assert entry["budget"]["epochs"] == 1 and len(entry["records"]) == 1
    assert results.load("other") == []
    (tmp_path / "broken.json").write_text("{not json")
    assert len(results.load()) == 1


def test_find_matches_only_the_same_run(blob_data, tmp_path, monkeypatch):
    import torch.nn as nn
    monkeypatch.setenv("CNNBOOK_RESULTS", str(tmp_path))
    model = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 2))
    budget = Budget(image_size=16, train_size=None, test_size=None, epochs=1, batch_size=64)
    results.set_chapter("demo")
    try:
        fit(model, blob_data, budget, progress=False, label="run")
    finally:
        results.set_chapter(None)
    assert results.find("demo", "run", budget, 514)["label"] == "run"
    assert results.find("demo", "run", budget.replace(epochs=2), 514) is None
    assert results.find("demo", "run", budget, 999) is None
    assert results.find("demo", "other", budget, 514) is None
