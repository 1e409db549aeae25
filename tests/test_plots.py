import matplotlib.pyplot as plt
import torch

from cnnbook.data import make_loaders
from cnnbook.plots import plot_history, show_filters, show_images, show_predictions
from cnnbook.training import History


def test_show_images_draws_one_panel_per_image_with_labels():
    fig = show_images(torch.randint(0, 255, (10, 1, 28, 28), dtype=torch.uint8), list(range(10)),
                      [str(i) for i in range(10)], cols=5)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(fig.axes) == 10 and [ax.get_title() for ax in titled] == [str(i) for i in range(10)]
    plt.close(fig)


def test_plot_history_one_line_per_run():
    h = History("a", [{"epoch": e, "loss": 1 / e, "train_acc": 0.5, "val_acc": 0.4} for e in (1, 2)])
    fig = plot_history({"a": h, "b": h})
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 2 and len(acc_ax.lines) == 4
    plt.close(fig)


def test_show_predictions_marks_mistakes(blob_data):
    class AlwaysLeft(torch.nn.Module):
        def forward(self, x):
            return torch.tensor([[1.0, 0.0]]).repeat(len(x), 1)
    _, test = make_loaders(blob_data, batch_size=16, image_size=28, device=torch.device("cpu"))
    fig = show_predictions(AlwaysLeft(), test, blob_data.classes, n=8)
    wrong = int((blob_data.test.labels != 0).sum())
    assert f"{wrong} of {len(blob_data.test)}" in fig._suptitle.get_text()
    red = [ax for ax in fig.axes if "true:" in ax.get_title()]
    assert len(red) == min(8, wrong)
    plt.close(fig)


def test_show_filters_grid():
    fig = show_filters(torch.randn(12, 3, 5, 5), cols=6)
    assert len(fig.axes) == 12
    plt.close(fig)


def test_timeline_has_one_point_per_paper():
    from cnnbook.papers import PAPERS
    from cnnbook.plots import plot_timeline
    fig = plot_timeline()
    ax = fig.axes[0]
    assert len(ax.collections[-1].get_offsets()) == len(PAPERS)
    assert len(ax.texts) == len(PAPERS)
    plt.close(fig)


class _Oracle(torch.nn.Module):
    """Predicts the blob task perfectly from where the bright blob is."""

    def forward(self, x):
        half = x.shape[-1] // 2
        left, right = x[..., :half].sum((1, 2, 3)), x[..., half:].sum((1, 2, 3))
        return torch.stack([left, right], 1)


def test_show_predictions_aligns_labels_with_a_shuffled_loader(blob_data):
    train, _ = make_loaders(blob_data, batch_size=32, image_size=28, device=torch.device("cpu"))
    train.set_epoch(3)
    fig = show_predictions(_Oracle(), train, blob_data.classes, n=8)
    assert fig._suptitle.get_text().startswith(f"0 of {len(blob_data.train)}")
    plt.close(fig)


def test_show_predictions_with_capped_evaluation_uses_the_labels_seen(blob_data, monkeypatch):
    monkeypatch.setenv("CNNBOOK_MAX_EVAL_BATCHES", "1")
    _, test = make_loaders(blob_data, batch_size=16, image_size=28, device=torch.device("cpu"))
    fig = show_predictions(_Oracle(), test, blob_data.classes, n=8)
    assert fig._suptitle.get_text().startswith("0 of 16 test images")
    plt.close(fig)
