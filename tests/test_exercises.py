import pytest
import torch
from torch import nn

from cnnbook.exercises import ModelCheckError, check_model


def small_net(classes=10, flatten=True, in_features=16 * 4 * 4):
    layers = [nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    layers += [nn.Flatten(), nn.Linear(in_features, classes)] if flatten else [nn.Conv2d(16, classes, 1)]
    return nn.Sequential(*layers)


def params_of(model):
    return sum(p.numel() for p in model.parameters())


def test_a_correct_model_passes_and_reports_what_it_measured(capsys):
    model = small_net()
    report = check_model(model, input_shape=(2, 1, 8, 8), output_shape=(2, 10), params=params_of(model))
    assert report.output_shape == (2, 10) and report.params == params_of(model) == 160 + 2570
    printed = capsys.readouterr().out
    assert printed.count("✓") == 4 and "✗" not in printed


def test_none_matches_any_size_on_an_axis():
    check_model(small_net(), input_shape=(3, 1, 8, 8), output_shape=(None, 10))


def test_the_error_is_an_assertion_error_naming_the_check_expected_got_and_a_hint():
    with pytest.raises(AssertionError) as info:
        check_model(small_net(classes=7), input_shape=(2, 1, 8, 8), output_shape=(2, 10))
    error = info.value
    assert isinstance(error, ModelCheckError) and error.check == "output shape"
    assert error.expected == "(2, 10)" and error.got == "(2, 7)"
    assert "nn.Linear(..., 10)" in error.hint and "Hint:" in str(error)


def test_a_missing_flatten_is_named():
    with pytest.raises(ModelCheckError, match="flatten"):
        check_model(small_net(flatten=False), input_shape=(2, 1, 8, 8), output_shape=(2, 10))


def test_a_wrong_parameter_count_says_by_how_much(capsys):
    model = small_net()
    with pytest.raises(ModelCheckError) as info:
        check_model(model, input_shape=(2, 1, 8, 8), output_shape=(2, 10), params=params_of(model) - 10)
    assert info.value.check == "parameter count" and "+10" in capsys.readouterr().out


def test_a_kernel_larger_than_the_map_names_the_layer_and_the_shape():
    model = nn.Sequential(nn.Conv2d(1, 4, 5), nn.MaxPool2d(2), nn.Conv2d(4, 8, 5))
    with pytest.raises(ModelCheckError) as info:
        check_model(model, input_shape=(2, 1, 12, 12), output_shape=(2, 8, 1, 1))
    error = info.value
    assert error.check == "forward pass" and "'2'" in error.layer
    assert "4×4" in error.hint and "5×5" in error.hint and "padding" in error.hint
    assert isinstance(error.__cause__, RuntimeError)


def test_a_linear_with_the_wrong_in_features_gets_the_right_number():
    with pytest.raises(ModelCheckError) as info:
        check_model(small_net(in_features=100), input_shape=(2, 1, 8, 8), output_shape=(2, 10))
    assert "in_features=256" in info.value.hint


def test_mismatched_channels_are_explained():
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.Conv2d(16, 4, 3))
    with pytest.raises(ModelCheckError, match="in_channels"):
        check_model(model, input_shape=(2, 1, 8, 8), output_shape=(2, 4, 4, 4))


def test_a_layer_never_called_gets_no_gradient_and_is_named():
    class Forgot(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(4, 2), nn.Linear(4, 2)

        def forward(self, x):
            return self.used(x)

    with pytest.raises(ModelCheckError, match="unused.weight"):
        check_model(Forgot(), input_shape=(2, 4), output_shape=(2, 2))


def test_the_model_is_left_as_it_was():
    model = small_net().eval()
    model[0].weight.grad = torch.ones_like(model[0].weight)
    check_model(model, input_shape=(2, 1, 8, 8), output_shape=(2, 10))
    assert not model.training
    assert torch.equal(model[0].weight.grad, torch.ones_like(model[0].weight)) and model[4].weight.grad is None
    assert not model[0]._forward_pre_hooks


def test_an_empty_module_fails_on_its_output_shape_first(capsys):
    class Empty(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(ModelCheckError) as info:
        check_model(Empty(), input_shape=(2, 3, 8, 8), output_shape=(2, 10), params=100)
    assert info.value.check == "output shape"
    printed = capsys.readouterr().out
    assert "no trainable parameter" in printed and "expected 100" in printed
