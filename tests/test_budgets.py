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
