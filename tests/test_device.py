import pytest
import torch

from cnnbook import device as device_module
from cnnbook.device import get_device


def test_env_var_overrides_choice(monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_DEVICE", "cpu")
    monkeypatch.setattr(device_module, "_announced", set())
    assert get_device() == torch.device("cpu")
    assert "set by CNNBOOK_DEVICE" in capsys.readouterr().out


def test_device_is_announced_once(monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_DEVICE", "cpu")
    monkeypatch.setattr(device_module, "_announced", set())
    get_device()
    get_device()
    assert capsys.readouterr().out.count("computing on cpu") == 1


def test_automatic_order_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.delenv("CNNBOOK_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Fake GPU")
    assert get_device(verbose=False).type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_module, "_mps_available", lambda: True)
    assert get_device(verbose=False).type == "mps"
    monkeypatch.setattr(device_module, "_mps_available", lambda: False)
    assert get_device(verbose=False).type == "cpu"


def test_unavailable_cuda_request_names_the_fix(monkeypatch):
    monkeypatch.setenv("CNNBOOK_DEVICE", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="unset CNNBOOK_DEVICE"):
        get_device()


# The precision table (compute capability -> autocast dtype, gradient scaler), as the book chooses it.
PRECISION_TABLE = [
    # device, CUDA capability, autocast dtype, GradScaler
    ("cuda", (7, 5), torch.float16, True),    # T4 (Colab): no bf16 convolutions in cuDNN
    ("cuda", (8, 0), torch.bfloat16, False),  # A100
    ("cuda", (9, 0), torch.bfloat16, False),  # H100 / H200
    ("mps", None, None, False),               # Apple GPU: no mixed precision
    ("cpu", None, None, False),
]


@pytest.mark.parametrize("kind, capability, dtype, scaler", PRECISION_TABLE)
def test_precision_by_hardware(monkeypatch, kind, capability, dtype, scaler):
    """capability >= (8, 0) -> bf16, no scaler; below -> fp16 + GradScaler; MPS and CPU -> no AMP."""
    from cnnbook.device import fast_path_for, precision_for
    asked = []

    def fake_capability(device=None):
        asked.append(device)
        return capability
    monkeypatch.setattr(torch.cuda, "get_device_capability", fake_capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # as a T4 claims
    device = torch.device(kind)
    assert precision_for(device) == (dtype, scaler)
    fast = fast_path_for(device)
    assert (fast.amp_dtype, fast.grad_scaler, fast.channels_last) == (dtype, scaler, kind == "cuda")
    assert bool(asked) == (kind == "cuda")


def test_no_autocast_context_without_mixed_precision():
    """Off means no autocast at all (torch.autocast("mps", enabled=False) raises on torch < 2.5)."""
    from contextlib import nullcontext

    from cnnbook.device import FastPath, autocast
    assert isinstance(autocast(torch.device("mps"), FastPath()), nullcontext)
    assert isinstance(autocast(torch.device("cpu"), FastPath()), nullcontext)
    assert isinstance(autocast(torch.device("cpu"), FastPath(amp_dtype=torch.bfloat16)), torch.autocast)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("pretend", [None, (7, 5)], ids=["this GPU", "as sm 7.5 (fp16 + scaler)"])
def test_training_with_mixed_precision_on_cuda(blob_data, monkeypatch, pretend):
    """End to end on the real GPU: the chosen precision trains the blob task."""
    from torch import nn

    from cnnbook.budgets import Budget
    from cnnbook.device import fast_path_for
    from cnnbook.training import fit
    if pretend is not None:
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: pretend)
    device = torch.device("cuda")
    fast = fast_path_for(device)
    assert fast.amp_dtype is not None and fast.grad_scaler == (fast.amp_dtype is torch.float16)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8 * 8 * 8, 2))
    budget = Budget(image_size=16, train_size=None, test_size=None, epochs=3, batch_size=32, lr=3e-3)
    history = fit(model, blob_data, budget, device=device, progress=False)
    assert history.stopped is None and history.final["train_acc"] > 0.9
    # the fp16 path ran with a scaler, the bf16 path without: both kept finite weights
    assert all(torch.isfinite(p).all() for p in model.parameters())
