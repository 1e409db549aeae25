"""Weight initialisations, one name each, so a model file says which one it uses.

* :func:`kaiming_relu_` -- the book's choice for the ReLU nets trained from scratch
  (AlexNet, VGG, NiN): He et al. (2015), with a small last layer.
* :func:`kaiming_bn_` -- torchvision's ResNet / DenseNet initialisation.
* :func:`trunc_normal_` -- torchvision's GoogLeNet initialisation.
* :func:`alexnet_paper_` -- the 2012 paper's N(0, 0.01) weights and unit biases.
* :func:`lecun_uniform_` -- LeNet-5's uniform in ±2.4 / fan-in (1998, Appendix A).
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["kaiming_relu_", "kaiming_bn_", "trunc_normal_", "alexnet_paper_", "lecun_uniform_"]


def kaiming_relu_(model: nn.Module, *, last_std: float = 0.01) -> nn.Module:
    """He et al. (2015) for every layer followed by ReLU; N(0, ``last_std``) for the last Linear.

    Convolutions get Kaiming-normal weights (std sqrt(2 / fan-out)), hidden Linear
    layers Kaiming-normal on their fan-in, all biases zero. This keeps activations
    at a steady scale through the ReLUs, so the network trains from the first epoch
    without the papers' hand-tuned constants; the small last layer makes the first
    predictions close to uniform. (A model without Linear layers, NiN, is all convolutions.)
    """
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            if m is linears[-1]:
                nn.init.normal_(m.weight, 0.0, last_std)
            else:
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def kaiming_bn_(model: nn.Module, *, mode: str = "fan_out", zero_linear_bias: bool = False) -> nn.Module:
    """torchvision's ResNet (``mode="fan_out"``) and DenseNet (``"fan_in"``, zero classifier bias).

    Kaiming-normal convolutions with the ReLU gain, BatchNorm gamma = 1 and beta = 0;
    Linear layers keep PyTorch's default weights. The ResNet paper uses the same He et al. scheme.
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode=mode, nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and zero_linear_bias:
            nn.init.zeros_(m.bias)
    return model


def trunc_normal_(model: nn.Module, *, std: float = 0.01) -> nn.Module:
    """torchvision's GoogLeNet: N(0, std) truncated at ±2 for every convolution and Linear weight."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(m.weight, mean=0.0, std=std, a=-2, b=2)
    return model


def alexnet_paper_(model: nn.Module) -> nn.Module:
    """Krizhevsky et al. (2012), Section 5: weights N(0, 0.01); biases 1 in conv2, conv4, conv5,
    fc6 and fc7 ("accelerates the early stages of learning"), 0 elsewhere."""
    for name in ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"):
        layer = getattr(model, name)
        nn.init.normal_(layer.weight, 0.0, 0.01)
        nn.init.constant_(layer.bias, 1.0 if name in ("conv2", "conv4", "conv5", "fc6", "fc7") else 0.0)
    return model


def lecun_uniform_(tensor: torch.Tensor, fan_in: int) -> torch.Tensor:
    """LeCun et al. (1998), Appendix A: uniform in [-2.4 / F_i, 2.4 / F_i], F_i the unit's fan-in."""
    bound = 2.4 / fan_in
    return nn.init.uniform_(tensor, -bound, bound)
