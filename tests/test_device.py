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
