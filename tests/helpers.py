"""Helpers shared by the tests (one home; pytest puts this folder on sys.path via conftest.py)."""
from __future__ import annotations

import torch
from torch import nn

from cnnbook.anatomy import count_params  # noqa: F401  (the one parameter counter, re-exported for tests)


def randomise_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BN non-default statistics and affine parameters, so a transfer that
    pairs tensors wrongly cannot hide behind gamma = 1, beta = 0, mean = 0, var = 1."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.running_mean.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (), generator=gen)))
    return model


def on_meta(build):
    """Build a model on the meta device: shapes and parameter counts without memory or init cost."""
    with torch.device("meta"):
        return build()


def assert_transfer_matches(torchvision_model: nn.Module, from_torchvision) -> nn.Module:
    """Transfer ``torchvision_model`` into the book's model and check both give the same logits
    and hold the same BatchNorm step counters."""
    ours = from_torchvision(torchvision_model)
    assert not ours.training
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, got = torchvision_model(x), ours(x)
    assert got.shape == (2, 1000)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    counters = lambda m: sorted(int(b.num_batches_tracked) for b in m.modules()  # noqa: E731
                                if isinstance(b, nn.BatchNorm2d))
    assert counters(ours) == counters(torchvision_model)
    return ours
