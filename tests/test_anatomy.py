import pytest
import torch
from torch import nn

from cnnbook.anatomy import anatomy, receptive_field
from cnnbook.models import create_model


def test_lenet_shapes_and_parameters():
    a = anatomy(create_model("lenet"), 28)
    convs = a.rows("Conv2d")
    assert list(convs["output shape"]) == ["6×28×28", "16×10×10"]
    assert list(convs["params"]) == [6 * (25 + 1), 16 * (6 * 25 + 1)]
    assert list(a.rows("Linear")["params"]) == [400 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10]
    assert a.total_params == sum(p.numel() for p in create_model("lenet").parameters())
    # MACs of a convolution: C_out * H * W * C_in * k * k
    assert list(convs["MACs"]) == [6 * 28 * 28 * 1 * 25, 16 * 10 * 10 * 6 * 25]
    assert a.total_macs == 6 * 28 * 28 * 25 + 16 * 100 * 150 + 400 * 120 + 120 * 84 + 84 * 10


@pytest.mark.parametrize("n_convs, expected", [(1, 3), (2, 5), (3, 7)])
def test_receptive_field_of_stacked_3x3(n_convs, expected):
    stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(n_convs)])
    assert receptive_field(stack, (1, 1, 32, 32)) == expected
    assert list(anatomy(stack, (1, 1, 32, 32)).table["RF"]) == list(range(3, expected + 1, 2))


def test_receptive_field_with_strides_and_pooling():
    # conv 3x3 s1 -> pool 2 s2 -> conv 3x3 s1: 1 + 2 + 1 + 2*2 = 8
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3))
    assert list(anatomy(net, (1, 1, 20, 20)).table["RF"]) == [3, 4, 8]
    dilated = nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2))
    assert receptive_field(dilated, (1, 1, 20, 20)) == 5


class TwoBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.small = nn.Conv2d(1, 2, 1)
        self.large = nn.Conv2d(1, 2, 5, padding=2)

    def forward(self, x):
        return torch.cat([self.small(x), self.large(x)], dim=1) + x


def test_receptive_field_of_a_join_is_the_largest_branch():
    assert receptive_field(TwoBranch(), (1, 1, 16, 16)) == 5


def test_resnet18_receptive_field_matches_known_value():
    from torchvision.models import resnet18
    a = anatomy(resnet18(), 224, depth=1)
    assert a.table.set_index("layer").loc["layer4", "RF"] == 435   # the known theoretical RF
    assert a.total_params == 11_689_512


def test_shared_module_counts_parameters_once():
    conv = nn.Conv2d(4, 4, 3, padding=1)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), conv, conv)
    a = anatomy(net, (1, 1, 8, 8))
    assert list(a.table["params"]) == [40, 148, 0]
    assert a.total_params == 40 + 148
    assert list(a.table["MACs"])[1:] == [4 * 64 * 36] * 2


def test_depth_aggregates_blocks():
    net = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    a = anatomy(net, (1, 1, 8, 8), depth=1)
    assert list(a.table["layer"]) == ["0", "1", "2"]
    assert a.table["params"].tolist() == [20, 0, 72 * 3 + 3]


def test_model_mode_is_restored_and_html_renders():
    net = create_model("lenet_modern")
    net.train()
    a = anatomy(net, 28)
    assert net.training
    html = a._repr_html_()
    assert "Total:" in html and "receptive field" in html


def test_depth_counts_weight_layers_on_the_longest_path():
    assert anatomy(create_model("lenet"), 28).depth == 5            # 2 conv + 3 dense
    assert anatomy(TwoBranch(), (1, 1, 16, 16)).depth == 1            # parallel branches do not add up
    from torchvision.models import resnet18
    assert anatomy(resnet18(), 64).depth == 18                        # the name counts weight layers


def test_receptive_field_of_asymmetric_kernels():
    one_by_three = nn.Sequential(nn.Conv2d(1, 1, (1, 3), padding=(0, 1)))
    assert receptive_field(one_by_three, (1, 1, 9, 9)) == "1×3"
    factorised = nn.Sequential(nn.Conv2d(1, 1, (1, 7), padding=(0, 3)), nn.Conv2d(1, 1, (7, 1), padding=(3, 0)))
    assert receptive_field(factorised, (1, 1, 17, 17)) == 7     # 1x7 then 7x1 sees what 7x7 sees


def test_a_bare_layer_is_one_row():
    a = anatomy(nn.Conv2d(3, 8, 3), (1, 3, 10, 10))
    assert len(a.table) == 1 and a.total_params == 8 * 27 + 8 and a.total_macs == 8 * 64 * 27


class SlicingModel(nn.Module):
    """Calls its layers through slices of an nn.Sequential (unregistered containers)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3))

    def forward(self, x):
        return self.features[2:](self.features[0:2](x))


def test_macs_are_counted_for_layers_called_through_slices():
    a = anatomy(SlicingModel(), (1, 1, 10, 10))
    assert list(a.rows("Conv2d")["MACs"]) == [4 * 64 * 9, 4 * 36 * 36]
