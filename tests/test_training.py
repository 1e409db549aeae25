"""fit(): it learns, chooses on validation, stops on divergence keeping the best weights, resumes, repeats."""
from __future__ import annotations

import copy
import os

import pytest
import torch
from torch import nn

from cnnbook.budgets import Budget
from cnnbook.training import History, fit, seed_everything

TINY = Budget(dataset="blobs", image_size=16, train_size=None, test_size=None, epochs=3,
              batch_size=32, optimizer="adam", lr=3e-3)


def small_cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 8 * 8, 2))


def test_learns_a_tiny_task(blob_data):
    seed_everything(0)
    history = fit(small_cnn(), blob_data, TINY, progress=False)
    assert len(history) == 3 and history.stopped is None
    assert history.final["val_acc"] >= 0.95 and history.test_acc >= 0.95
    assert history["loss"][-1] < history["loss"][0]
    for key in ("loss", "train_acc", "val_loss", "val_acc", "img_per_s", "seconds"):
        assert history.final[key] > 0
    assert "test_acc" not in history.final               # the test split is used once, at the end
    assert list(history.to_frame().index) == [1, 2, 3]


def test_schedules_and_optimizers_run(blob_data):
    for changes in ({"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "schedule": "cosine"},
                    {"optimizer": "adamw", "schedule": "onecycle", "weight_decay": 1e-4}):
        history = fit(small_cnn(), blob_data, TINY.replace(epochs=1, **changes), progress=False)
        assert len(history) == 1
    with pytest.raises(ValueError, match="unknown optimizer"):
        fit(small_cnn(), blob_data, TINY.replace(optimizer="rmsprop"), progress=False)


class ExplodeAfter(nn.Module):
    """Wraps a model and makes its output NaN from a given training step on."""

    def __init__(self, inner: nn.Module, step: int):
        super().__init__()
        self.inner, self.step, self.calls = inner, step, 0

    def forward(self, x):
        out = self.inner(x)
        if self.training:
            self.calls += 1
            if self.calls >= self.step:
                return out * float("nan")
        return out


def test_divergence_stops_with_a_message_and_keeps_best_weights(blob_data, capsys):
    seed_everything(0)
    steps_per_epoch = 8                                     # 230 training images / batch 32
    model = ExplodeAfter(small_cnn(), step=2 * steps_per_epoch + 3)
    history = fit(model, blob_data, TINY.replace(epochs=5), progress=False)
    out = capsys.readouterr().out
    assert history.stopped == "diverged" and len(history) == 2
    assert "lower learning rate" in out and "lr=0.0003" in out
    # the weights are those of the best finished epoch, not the ones after the NaN step
    best_epoch = max(history.records, key=lambda r: r["val_acc"])["epoch"]
    assert history.best_epoch == best_epoch and f"epoch {best_epoch}" in history.message
    assert "validation accuracy" in history.message
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_divergence_on_first_batch_restores_initial_weights(blob_data):
    model = ExplodeAfter(small_cnn(), step=1)
    before = copy.deepcopy(model.state_dict())
    history = fit(model, blob_data, TINY, progress=False)
    assert history.stopped == "diverged" and len(history) == 0
    assert "initial weights" in history.message
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])


def test_two_seeded_runs_give_the_same_history(blob_data):
    def run():
        seed_everything(0)
        h = fit(small_cnn(), blob_data, TINY, progress=False, seed=7)
        return [(r["loss"], r["train_acc"], r["val_acc"]) for r in h.records] + [h.test_acc]
    assert run() == run()


class Scripted(nn.Module):
    """Wraps a model; raises KeyboardInterrupt at training call ``interrupt_at``, outputs NaN from ``nan_from``."""

    def __init__(self, inner: nn.Module, interrupt_at: int | None = None, nan_from: int | None = None):
        super().__init__()
        self.inner, self.interrupt_at, self.nan_from, self.calls = inner, interrupt_at, nan_from, 0

    def forward(self, x):
        out = self.inner(x)
        if self.training:
            self.calls += 1
            if self.calls == self.interrupt_at:
                raise KeyboardInterrupt
            if self.nan_from is not None and self.calls >= self.nan_from:
                return out * float("nan")
        return out


STEPS = 8                                                   # 230 training images / batch 32


def test_ctrl_c_saves_prints_how_to_resume_and_stops_the_cell(blob_data, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    budget = TINY.replace(epochs=4)
    seed_everything(0)
    reference = fit(small_cnn(), blob_data, budget, progress=False, seed=1)

    seed_everything(0)
    model = Scripted(small_cnn(), interrupt_at=2 * STEPS + 5)   # during epoch 3
    started = []
    with pytest.raises(KeyboardInterrupt):
        for run in range(3):                                    # a cell looping over fit stops
            started.append(run)
            fit(model, blob_data, budget, progress=False, seed=1, label="blob run")
    assert started == [0]
    out = capsys.readouterr().out
    path = tmp_path / "checkpoints" / "blob-run.pt"
    assert path.exists() and "after epoch 2" in out and "checkpoint='checkpoints/blob-run.pt'" in out

    resumed = fit(model, blob_data, budget, progress=False, seed=1, checkpoint="checkpoints/blob-run.pt")
    assert "resuming" in capsys.readouterr().out
    assert len(resumed) == 4 and resumed.stopped is None
    for a, b in zip(reference.records, resumed.records):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        assert a["val_acc"] == pytest.approx(b["val_acc"])
    assert resumed.test_acc == pytest.approx(reference.test_acc)


def test_checkpoint_records_the_run_and_loads_with_weights_only(blob_data, tmp_path):
    import dataclasses
    path = tmp_path / "run.pt"
    budget = TINY.replace(epochs=2, schedule="cosine")
    model = small_cnn()
    history = fit(model, blob_data, budget, progress=False, checkpoint=path)
    state = torch.load(path, weights_only=True)
    assert state["model_class"] == "Sequential" and state["params"] == sum(p.numel() for p in model.parameters())
    assert state["budget"] == dataclasses.asdict(budget) and state["epoch"] == 2
    assert state["best_epoch"] == history.best_epoch and len(state["records"]) == 2
    assert set(state) >= {"best_model", "model", "optimizer", "schedule", "scaler"}
    assert state["schedule"] is not None


@pytest.mark.parametrize("change, named", [
    (lambda m, b: (m, b.replace(lr=1e-2)), "lr=0.003 and this budget has lr=0.01"),
    (lambda m, b: (nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 2)), b), "parameters"),
    (lambda m, b: (Scripted(m), b), "saved from a Sequential, not a Scripted"),
])
def test_a_mismatched_resume_is_refused_naming_the_difference(blob_data, tmp_path, change, named):
    path = tmp_path / "run.pt"
    fit(small_cnn(), blob_data, TINY.replace(epochs=1), progress=False, checkpoint=path)
    model, budget = change(small_cnn(), TINY.replace(epochs=1))
    with pytest.raises(ValueError, match="Cannot resume") as info:
        fit(model, blob_data, budget, progress=False, checkpoint=path)
    assert named in str(info.value) and str(info.value).count(". ") == 0     # one sentence


def test_a_divergence_after_resume_restores_the_weights_its_message_names(blob_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "run.pt"
    seed_everything(0)
    model = Scripted(small_cnn(), interrupt_at=2 * STEPS + 3)   # interrupted in epoch 3
    with pytest.raises(KeyboardInterrupt):
        fit(model, blob_data, TINY.replace(epochs=5), progress=False, checkpoint=path)
    saved = torch.load(path, weights_only=True)
    model.interrupt_at, model.nan_from = None, model.calls + 3   # the resumed run diverges in epoch 3
    history = fit(model, blob_data, TINY.replace(epochs=5), progress=False, checkpoint=path)
    assert history.stopped == "diverged" and len(history) == 2
    assert f"epoch {saved['best_epoch']}" in history.message
    for key, value in model.state_dict().items():
        assert torch.equal(value, saved["best_model"][key]), key


def test_image_size_below_model_minimum_is_rejected_before_training(blob_data):
    from cnnbook.models import create_model
    with pytest.raises(ValueError, match="needs from 32×32 to 35×35 inputs"):
        fit(create_model("lenet5"), blob_data, TINY, progress=False)


def test_image_size_above_an_exact_size_model_is_rejected_before_training(blob_data):
    """LeNet-5 takes 32-35 px only: a larger budget used to pass the pre-check and fail on batch one."""
    from cnnbook.models import create_model
    model = create_model("lenet5")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match="got 64×64"):
        fit(model, blob_data, TINY.replace(image_size=64), progress=False)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())   # nothing trained


def test_history_accessors():
    h = History("x", [{"epoch": 1, "loss": 1.0, "train_acc": 0.5, "val_acc": 0.7},
                      {"epoch": 2, "loss": 0.5, "train_acc": 0.8, "val_acc": 0.6}], best_epoch=1)
    assert h["val_acc"] == [0.7, 0.6] and h.best_val_acc == 0.7 and h.final["epoch"] == 2
    assert h.best["epoch"] == 1 and History("y").best is None
    with pytest.raises(ValueError, match="no finished epoch"):
        History("empty").final


def test_static_progress_prints_one_line_per_epoch(blob_data, monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_PROGRESS", "lines")
    fit(small_cnn(), blob_data, TINY, label="tiny")
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("tiny epoch")]
    assert len(lines) == 3 and "val acc" in lines[-1] and "\r" not in out
    assert "test accuracy" in out.splitlines()[-1]


def test_a_chapter_configuration_repeats_exactly(tmp_path):
    """Two seeded CPU runs of the LeNet chapter's configuration give the same history."""
    from cnnbook.budgets import budget
    from cnnbook.data import load_data
    from cnnbook.models import create_model

    chapter = budget("lenet", "quick").replace(train_size=600, test_size=200, epochs=2)
    data = load_data(budget=chapter, root=tmp_path, download=False)

    def run():
        seed_everything(0)   # what cnnbook.setup_chapter does at the top of every chapter
        h = fit(create_model("lenet_modern"), data, chapter, progress=False)
        return [(r["loss"], r["train_acc"], r["val_acc"]) for r in h.records]
    assert run() == run()


class Counting(nn.Module):
    """Wraps a model and counts the batches (and their sizes) it sees in train and eval mode."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner, self.train_batches, self.eval_batches = inner, [], []

    def forward(self, x):
        (self.train_batches if self.training else self.eval_batches).append(len(x))
        return self.inner(x)


def test_caps_limit_epochs_steps_eval_batches_and_batch_size(blob_data, monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_MAX_EPOCHS", "2")
    monkeypatch.setenv("CNNBOOK_MAX_STEPS", "3")
    monkeypatch.setenv("CNNBOOK_MAX_EVAL_BATCHES", "1")
    monkeypatch.setenv("CNNBOOK_MAX_BATCH", "16")
    model = Counting(small_cnn())
    history = fit(model, blob_data, TINY.replace(epochs=5, schedule="cosine"), progress=False)
    assert len(history) == 2
    assert model.train_batches == [16] * 6                 # 2 epochs x 3 steps of 16 images
    evaluations = len(model.eval_batches)
    assert 0 < evaluations <= 3 and set(model.eval_batches) == {16}  # one batch per evaluation
    out = capsys.readouterr().out
    assert out.count("capped run") == 1 and "CNNBOOK_MAX_STEPS=3" in out


def test_uncapped_run_says_nothing_about_caps(blob_data, monkeypatch, capsys):
    for var in ("CNNBOOK_MAX_EPOCHS", "CNNBOOK_MAX_STEPS", "CNNBOOK_MAX_EVAL_BATCHES", "CNNBOOK_MAX_BATCH"):
        monkeypatch.delenv(var, raising=False)
    model = Counting(small_cnn())
    fit(model, blob_data, TINY.replace(epochs=1), progress=False)
    assert len(model.train_batches) == 8 and "capped" not in capsys.readouterr().out


def test_best_weights_are_chosen_on_validation_and_tested_once(blob_data, monkeypatch):
    """fit keeps the epoch with the best *validation* accuracy, then evaluates the test split once."""
    import cnnbook.training as training
    calls = []
    real = training.evaluate

    def spy(model, loader, fast=training.FastPath()):
        calls.append(loader.split)
        return real(model, loader, fast)
    monkeypatch.setattr(training, "evaluate", spy)
    history = fit(small_cnn(), blob_data, TINY, progress=False)
    assert [split is blob_data.val for split in calls] == [True] * 3 + [False]
    assert calls[-1] is blob_data.test
    best = max(history.records, key=lambda r: r["val_acc"])
    assert history.best_epoch == best["epoch"] and history.best_val_acc == best["val_acc"]


def test_the_model_ends_with_the_weights_of_the_best_validation_epoch(blob_data):
    seed_everything(0)
    model = small_cnn()
    history = fit(model, blob_data, TINY.replace(epochs=4, lr=0.05), progress=False)
    from cnnbook.data import make_loader
    from cnnbook.training import evaluate
    val = make_loader(blob_data, "val", batch_size=32, image_size=16, device=torch.device("cpu"))
    assert evaluate(model, val)[1] == pytest.approx(history.best_val_acc)


def test_fit_leaves_the_global_random_state_alone(blob_data):
    model = small_cnn()
    torch.manual_seed(5)
    fit(model, blob_data, TINY.replace(epochs=1), progress=False, seed=3)
    after_fit = torch.rand(3)
    torch.manual_seed(5)
    assert torch.equal(after_fit, torch.rand(3))


def test_a_last_training_batch_of_one_image_is_dropped(blob_data):
    """BatchNorm1d cannot normalise a batch of one in training mode."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    # 230 training images: batch 229 leaves a last batch of 1
    history = fit(model, blob_data, TINY.replace(batch_size=229, epochs=1), progress=False)
    assert len(history) == 1 and history.stopped is None


def test_one_host_sync_per_ten_steps(blob_data, monkeypatch):
    """Loss and accuracy are accumulated on the device; the library reads them back once per 10 steps."""
    import sys
    from pathlib import Path

    import cnnbook
    library = str(Path(cnnbook.__file__).parent)    # not "cnnbook" in the path: CI's venv lives in ~/.cache/cnnbook
    syncs = []

    def counting(method):
        def wrapper(t, *args):
            if sys._getframe(1).f_code.co_filename.startswith(library):   # calls made by the library
                syncs.append(method.__name__)
            return method(t, *args)
        return wrapper
    for name in ("item", "tolist", "__bool__", "__float__", "__int__"):
        monkeypatch.setattr(torch.Tensor, name, counting(getattr(torch.Tensor, name)))
    fit(small_cnn(), blob_data, TINY.replace(epochs=1, batch_size=8), progress=False)  # 29 steps
    # 3 log points in training (steps 10, 20, 29), one validation and one test evaluation
    assert len(syncs) == 3 + 1 + 1


class WithAux(nn.Module):
    """Returns (logits, aux logits) in training mode and logits in eval mode, like GoogLeNet with aux heads."""

    def __init__(self):
        super().__init__()
        self.body = small_cnn()
        self.aux = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 2))

    def forward(self, x):
        logits = self.body(x)
        return (logits, self.aux(x)) if self.training else logits


def test_fit_trains_a_model_with_tuple_outputs_through_its_loss_fn(blob_data):
    seen = []

    def loss_fn(output, y):
        seen.append(type(output))
        main, aux = output
        return nn.functional.cross_entropy(main, y) + 0.3 * nn.functional.cross_entropy(aux, y)
    model = WithAux()
    aux_before = model.aux[1].weight.detach().clone()
    history = fit(model, blob_data, TINY, progress=False, loss_fn=loss_fn)
    assert seen and set(seen) == {tuple} and history.test_acc >= 0.95
    assert not torch.equal(model.aux[1].weight, aux_before)         # the auxiliary loss trained the head


def test_googlenet_with_aux_heads_trains_with_the_papers_loss(blob_data):
    from cnnbook.models import create_model
    from cnnbook.models.googlenet import googlenet_loss
    seed_everything(0)
    model = create_model("googlenet_small", width_divisor=16, aux_logits=True)
    history = fit(model, blob_data, TINY.replace(image_size=32, epochs=1), progress=False,
                  loss_fn=googlenet_loss)
    assert history.stopped is None and len(history) == 1 and history.test_acc is not None
    with pytest.raises(TypeError, match="pass a loss_fn"):      # the default cross-entropy cannot
        fit(create_model("googlenet_small", width_divisor=16, aux_logits=True), blob_data,
            TINY.replace(image_size=32, epochs=1), progress=False)


def test_fit_writes_nothing_to_disk(blob_data, tmp_path, monkeypatch):
    """fit keeps no hidden record: a run leaves no file behind unless a checkpoint is asked for."""
    for var in ("CNNBOOK_DATA", "HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.chdir(tmp_path)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 2))
    fit(model, blob_data, Budget(image_size=16, epochs=1, batch_size=64), progress=False, label="run")
    files = sorted(os.path.relpath(os.path.join(d, f), tmp_path) for d, _, fs in os.walk(tmp_path) for f in fs)
    assert files == []
