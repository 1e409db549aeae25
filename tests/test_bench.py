"""The benchmark's pieces run and report real measurements (no speed is asserted)."""
import torch
from torch import nn

from cnnbook.bench import ARCHITECTURES, _d2l_time_to_accuracy, book_execution_times, measure_throughput
from cnnbook.budgets import BUDGETS
from cnnbook.models import list_models


def test_every_architecture_is_benchmarked_with_registered_models():
    assert {a.chapter for a in ARCHITECTURES} == set(BUDGETS) - {"comparison"}
    names = set(list_models())
    for arch in ARCHITECTURES:
        assert arch.quick_model in names and arch.full_model in names


def test_measure_throughput_returns_positive_rates():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 14 * 14, 10))
    train, evaluation = measure_throughput(model, 16, batch_size=8, device=torch.device("cpu"), seconds=0.05)
    assert train > 0 and evaluation > 0


def test_d2l_recipe_runs_and_records_a_curve(blob_data):
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 14 * 14, 2))
    reached, curve = _d2l_time_to_accuracy(model, blob_data, image_size=28, batch_size=32, lr=0.1,
                                           epochs=2, target=0.0, device=torch.device("cpu"))
    assert len(curve) == 2 and reached == curve[0][0]
    assert all(0 <= acc <= 1 for _, acc in curve)
    assert blob_data.stats != (0.0, 1.0)            # the data's own statistics are put back


def test_book_times_without_a_build(tmp_path):
    assert book_execution_times(tmp_path) == []
