"""One test over every registered model: it builds, runs forward and backward at its declared
size, its declared size range is the true one, and its guard refuses what does not fit."""
from __future__ import annotations

import pytest
import torch

from cnnbook.models import create_model, list_models
from cnnbook.models.validation import check_input_size, find_max_input_size, find_min_input_size

# The teaching-size and CIFAR models run in a blink; the ImageNet ones at 224 px take seconds each.
FAST = ("small", "cifar", "_12")
MODELS = [name if name.startswith("lenet") or any(k in name for k in FAST)
          else pytest.param(name, marks=pytest.mark.slow) for name in list_models()]


@pytest.mark.parametrize("name", MODELS)
def test_every_model(name):
    torch.manual_seed(0)
    model = create_model(name)
    spec = model.input_spec
    classes = model(torch.zeros(2, model.in_channels, spec.size, spec.size))
    logits = classes[0] if isinstance(classes, tuple) else classes
    assert logits.ndim == 2 and logits.shape[0] == 2 and torch.isfinite(logits).all()
    logits.logsumexp(1).sum().backward()
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in trainable), name

    # the declared range is the true one, at both ends
    model.eval()
    assert find_min_input_size(model, start=max(1, spec.min_size - 1), stop=spec.min_size) == spec.min_size
    if spec.max_size is not None:
        assert find_max_input_size(model, start=spec.max_size, stop=spec.max_size + 1) == spec.max_size

    # the guard refuses, in one sentence that names the fix
    if spec.min_size > 1:
        small = spec.min_size - 1
        message = rf"needs .*{spec.min_size}×{spec.min_size}.*; got {small}×{small} — "
        with pytest.raises(ValueError, match=message):
            model(torch.zeros(2, model.in_channels, small, small))
        with pytest.raises(ValueError, match="got"):
            check_input_size(model, small)                     # up front, before any data
    wrong = 3 if model.in_channels == 1 else 1
    with pytest.raises(ValueError, match=f"in_channels={wrong}"):
        model(torch.zeros(2, wrong, spec.size, spec.size))


@pytest.mark.parametrize("name, size, fix", [
    ("lenet5", 28, r"needs from 32×32 to 35×35 inputs; got 28×28 — pad .*transforms.Pad\(2\)"),
    ("lenet", 32, r"needs from 28×28 to 31×31 inputs; got 32×32 — resize"),
    ("alexnet_paper", 224, r"needs from 227×227 to 258×258 inputs; got 224×224"),
    ("googlenet_paper", 255, r"got 255×255 — resize or crop to 224"),
    ("alexnet_d2l", 227, r"from 193×193 to 224×224 inputs; got 227×227"),
])
def test_exact_size_models_are_refused_up_front(name, size, fix):
    with torch.device("meta"):
        model = create_model(name)
    with pytest.raises(ValueError, match=fix):
        check_input_size(model, size)


def test_bad_tensors_name_the_fix():
    model = create_model("lenet")
    with pytest.raises(TypeError, match=r"x.float\(\) / 255"):
        model(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"unsqueeze\(0\)"):
        model(torch.randn(1, 28, 28))
    with pytest.raises(TypeError, match="torch.as_tensor"):
        model([[0.0]])
    with pytest.raises(ValueError, match=r"expand\(-1, 3, -1, -1\)"):
        create_model("resnet18")(torch.randn(1, 1, 32, 32))


def test_create_model_keeps_each_factorys_defaults():
    with torch.device("meta"):
        assert create_model("resnet18").fc.out_features == 1000           # a paper's ImageNet net
        assert create_model("resnet18").in_channels == 3
        assert create_model("resnet_small").in_channels == 1              # a teaching-size net
        assert create_model("resnet_cifar20").in_channels == 3            # CIFAR is RGB
        net = create_model("resnet18", num_classes=7, in_channels=1)
    assert (net.fc.out_features, net.in_channels) == (7, 1)


def test_registry():
    names = list_models()
    assert len(names) == len(set(names)) >= 50
    assert list_models("lenet*") == ["lenet", "lenet5", "lenet_modern"]
    with pytest.raises(KeyError, match="list_models"):
        create_model("lenet7")
    with pytest.raises(TypeError):
        create_model("lenet", no_such_argument=1)
