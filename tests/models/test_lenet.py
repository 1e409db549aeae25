import torch
from torch import nn

from cnnbook.models import create_model
from cnnbook.models.lenet import C3_CONNECTIONS, DIGIT_BITMAPS, LeNet, LeNet5
from helpers import count_params

# Section II.B of LeCun et al. (1998): trainable parameters per layer.
PAPER_PARAMS = {"c1": 156, "s2": 12, "c3": 1516, "s4": 32, "c5": 48120, "f6": 10164}


def test_lenet5_parameters_match_the_paper_layer_by_layer():
    model = LeNet5()
    for name, expected in PAPER_PARAMS.items():
        layer = getattr(model, name)
        assert sum(p.numel() for p in layer.parameters() if p.requires_grad) == expected, name
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 60_000
    assert not any(p.requires_grad for p in model.output.parameters())  # RBF prototypes are fixed


def test_c3_table_follows_the_papers_description():
    sizes = [len(c) for c in C3_CONNECTIONS]
    assert sizes == [3] * 6 + [4] * 9 + [6]
    for j in range(6):   # contiguous triples, cyclically
        assert set(C3_CONNECTIONS[j]) == {j % 6, (j + 1) % 6, (j + 2) % 6}
    for j in range(6):   # contiguous quadruples
        assert set(C3_CONNECTIONS[6 + j]) == {(j + i) % 6 for i in range(4)}
    # the three discontinuous quadruples are not contiguous
    for inputs in C3_CONNECTIONS[12:15]:
        assert not any(set(inputs) == {(s + i) % 6 for i in range(4)} for s in range(6))


def test_c3_zero_kernels_outside_the_table():
    dense = LeNet5().c3.dense_weight()
    for j, inputs in enumerate(C3_CONNECTIONS):
        for i in range(6):
            assert bool(dense[j, i].abs().sum() > 0) == (i in inputs)


def test_rbf_prototypes_are_distinct_7x12_bitmaps():
    assert all(len(rows) == 12 and all(len(r) == 7 for r in rows) for rows in DIGIT_BITMAPS.values())
    protos = LeNet5().output.prototypes
    assert protos.shape == (10, 84) and len({tuple(p.tolist()) for p in protos}) == 10


def test_modern_lenet_is_a_configuration_of_lenet():
    """lenet_modern = LeNet + ReLU + max pooling + BatchNorm after every layer but the last."""
    plain, modern = create_model("lenet"), create_model("lenet_modern")
    assert type(modern) is LeNet
    bn = [m for m in modern if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    assert [m.num_features for m in bn] == [6, 16, 120, 84]
    assert count_params(modern) == count_params(plain) + 2 * (6 + 16 + 120 + 84)
    assert any(isinstance(m, nn.MaxPool2d) for m in modern) and any(isinstance(m, nn.ReLU) for m in modern)
