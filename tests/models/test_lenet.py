import pytest
import torch

from cnnbook.models import create_model, list_models
from cnnbook.models.lenet import C3_CONNECTIONS, DIGIT_BITMAPS, LeNet5
from cnnbook.models.validation import find_min_input_size

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


@pytest.mark.parametrize("name, size", [("lenet", 28), ("lenet5", 32), ("lenet_modern", 28)])
def test_forward_backward_and_min_size(name, size):
    model = create_model(name)
    out = model(torch.randn(4, 1, size, size))
    assert out.shape == (4, 10)
    out.sum().backward()
    assert model.min_input_size == size == find_min_input_size(model)


def test_bad_inputs_name_the_fix():
    model = create_model("lenet")
    with pytest.raises(ValueError, match="in_channels=3"):
        model(torch.randn(2, 3, 28, 28))
    with pytest.raises(ValueError, match="at least 28×28"):
        model(torch.randn(2, 1, 20, 20))
    with pytest.raises(ValueError, match="sized for 28x28"):
        model(torch.randn(2, 1, 32, 32))
    with pytest.raises(TypeError, match=r"x.float\(\) / 255"):
        model(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match="unsqueeze"):
        model(torch.randn(1, 28, 28))
    with pytest.raises(ValueError, match="F.pad"):
        create_model("lenet5")(torch.randn(2, 1, 40, 40))


def test_registry():
    assert {"lenet", "lenet5", "lenet_modern"} <= set(list_models())
    assert list_models("lenet*") == sorted(n for n in list_models() if n.startswith("lenet"))
    with pytest.raises(KeyError, match="list_models"):
        create_model("lenet7")
    assert create_model("lenet", num_classes=3, in_channels=3)(torch.randn(1, 3, 28, 28)).shape == (1, 3)
