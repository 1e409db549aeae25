import pytest
import torch

from cnnbook.budgets import BUDGETS, Budget, budget, get_mode


def test_mode_follows_cuda(monkeypatch):
    monkeypatch.delenv("CNNBOOK_MODE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_mode() == "quick"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_mode() == "full"


def test_mode_env_var_overrides(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("CNNBOOK_MODE", "quick")
    assert get_mode() == "quick"
    monkeypatch.setenv("CNNBOOK_MODE", "fast")
    with pytest.raises(ValueError, match="'quick' or 'full'"):
        get_mode()


def test_every_chapter_has_both_modes_and_full_is_bigger():
    for chapter, modes in BUDGETS.items():
        quick, full = modes["quick"], modes["full"]
        assert quick.mode == "quick" and full.mode == "full", chapter
        assert full.train_size is None, chapter          # full mode: the whole training set
        assert full.epochs >= quick.epochs, chapter
        assert quick.train_size is not None and quick.train_size <= 10_000, chapter


def test_budget_lookup_and_replace(monkeypatch):
    monkeypatch.setenv("CNNBOOK_MODE", "quick")
    b = budget("lenet")
    assert isinstance(b, Budget) and b.mode == "quick"
    changed = b.replace(lr=0.9, optimizer="sgd")
    assert (changed.lr, changed.optimizer, b.optimizer) == (0.9, "sgd", "adam")
    with pytest.raises(KeyError, match="no budget for chapter"):
        budget("transformer")


def test_caps_are_unset_by_default_and_read_from_the_environment(monkeypatch):
    from cnnbook.budgets import CAP_ENV_VARS, caps
    for var in CAP_ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    assert not caps().active and str(caps()) == "no caps"
    monkeypatch.setenv("CNNBOOK_MAX_STEPS", "3")
    monkeypatch.setenv("CNNBOOK_MAX_BATCH", "16")
    c = caps()
    assert (c.steps, c.batch_size, c.epochs, c.eval_batches) == (3, 16, None, None) and c.active
    assert c.limit("steps", 10) == 3 and c.limit("steps", 2) == 2 and c.limit("epochs", 7) == 7
    assert str(c) == "CNNBOOK_MAX_STEPS=3, CNNBOOK_MAX_BATCH=16"


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_an_invalid_cap_names_its_variable(monkeypatch, raw):
    from cnnbook.budgets import caps
    monkeypatch.setenv("CNNBOOK_MAX_EVAL_BATCHES", raw)
    with pytest.raises(ValueError, match="CNNBOOK_MAX_EVAL_BATCHES"):
        caps()


def test_budgets_json_is_read_field_by_field_and_a_bad_entry_is_named():
    import json
    from importlib import resources
    from cnnbook.budgets import budgets_from_table
    table = json.loads(resources.files("cnnbook").joinpath("budgets.json").read_text(encoding="utf-8"))
    lenet = table["chapters"]["lenet"]
    assert budget("lenet", "quick") == Budget(**lenet["quick"])
    full = budget("lenet", "full")
    assert (full.batch_size, full.train_size, full.epochs) == (lenet["full"]["batch_size"], None, table["full"]["epochs"])
    with pytest.raises(ValueError, match=r"chapter 'vgg': TypeError: .*'learning_rate'"):
        budgets_from_table({**table, "chapters": {"vgg": {"quick": {"learning_rate": 1e-3}, "full": {}}}})
    with pytest.raises(ValueError, match=r"chapter 'nin': KeyError: 'full'"):
        budgets_from_table({**table, "chapters": {"nin": {"quick": {}}}})
