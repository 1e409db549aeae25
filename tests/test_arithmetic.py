import itertools

import pytest
import torch
from torch import nn

from cnnbook.arithmetic import (conv_macs, conv_output_size, conv_params, linear_params,
                                padding_for_same, pool_output_size, stacked_receptive_field)


@pytest.mark.parametrize("n, k, p, s, d", [c for c in itertools.product((7, 28, 32, 224, 227), (1, 3, 5, 11),
                                                                      (0, 1, 2), (1, 2, 4), (1, 2))
                                            if c[0] + 2 * c[2] >= c[4] * (c[1] - 1) + 1])
def test_conv_output_size_matches_pytorch(n, k, p, s, d):
    conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    assert conv_output_size(n, k, p, s, d) == conv(torch.zeros(1, 1, n, n)).shape[-1]


@pytest.mark.parametrize("n, k, s, p", [c for c in itertools.product(range(5, 30), (2, 3), (1, 2, 3), (0, 1))
                                        if c[3] <= c[1] // 2])
def test_pool_output_size_matches_pytorch_in_both_rounding_modes(n, k, s, p):
    for ceil in (False, True):
        pool = nn.MaxPool2d(k, s, p, ceil_mode=ceil)
        assert conv_output_size(n, k, p, s, ceil_mode=ceil) == pool(torch.zeros(1, 1, n, n)).shape[-1]
    assert pool_output_size(n, k, s, p) == nn.MaxPool2d(k, s, p)(torch.zeros(1, 1, n, n)).shape[-1]


def test_alexnet_input_size_question():
    assert conv_output_size(227, 11, padding=0, stride=4) == 55
    assert conv_output_size(224, 11, padding=2, stride=4) == 55
    assert conv_output_size(224, 11, padding=1, stride=4) == 54


def test_padding_is_per_side():
    assert conv_output_size(28, 5, padding=2) == 28      # 28 + 2 + 2 - 5 + 1
    assert padding_for_same(5) == 2 and padding_for_same(3, dilation=2) == 2
    with pytest.raises(ValueError, match="odd kernel"):
        padding_for_same(4)
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(3, 5)


def test_parameter_and_mac_counts_match_pytorch():
    for c_in, c_out, k, groups in [(3, 96, 11, 1), (48, 128, 5, 1), (96, 256, 5, 2), (16, 16, 3, 16)]:
        conv = nn.Conv2d(c_in, c_out, k, groups=groups)
        assert conv_params(c_in, c_out, k, groups=groups) == sum(p.numel() for p in conv.parameters())
    assert linear_params(400, 120) == sum(p.numel() for p in nn.Linear(400, 120).parameters())
    assert conv_macs(192, 32, 5, 28) == 32 * 28 * 28 * 192 * 25


def test_two_3x3_see_what_one_5x5_sees():
    assert stacked_receptive_field([(3, 1), (3, 1)]) == 5
    assert stacked_receptive_field([(3, 1)] * 3) == 7
    assert stacked_receptive_field([(11, 4), (3, 2), (5, 1)]) == 11 + 2 * 4 + 4 * 8
