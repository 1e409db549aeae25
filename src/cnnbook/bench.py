"""Benchmark: what the book costs on this machine, measured, printed as tables.

``python -m cnnbook.bench`` (or ``make bench``) runs three sections:

1. ``throughput`` -- for every architecture, training and evaluation images per
   second at its quick-mode size (the teaching model the chapter trains) and at
   its full-mode size (the d2l-scale model and resolution).
2. ``race`` -- time to a stated test accuracy, d2l's recipe against the book's,
   on the same model, data and device. d2l's recipe is ``d2l.train_ch6`` (Xavier
   init, plain SGD, unnormalised inputs) with the learning rate d2l uses for that
   network, allowed up to ``--d2l-epochs`` epochs (d2l itself trains 10); the
   book's is the chapter's budget with :func:`cnnbook.training.fit`.
3. ``book`` -- execution seconds per chapter, read from the Jupyter Book build's
   own cache (``_build/.jupyter_cache``); ``--build`` rebuilds from scratch first.

Nothing here is asserted: it reports what it measured. ``--sections`` picks
sections, ``--seconds`` bounds each throughput measurement.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .budgets import budget as budget_for
from .data import ImageData, make_loaders
from .device import autocast, get_device
from .models import create_model
from .training import fast_path_for, fit, seed_everything

__all__ = ["ARCHITECTURES", "measure_throughput", "race", "book_execution_times", "main"]


@dataclass(frozen=True)
class Arch:
    chapter: str
    quick_model: str          # what the chapter trains in quick mode
    full_model: str           # the d2l-scale network trained in full mode
    full_kwargs: tuple = ()


#: The network each chapter trains (quick) and its d2l-scale counterpart (full).
ARCHITECTURES = (
    Arch("lenet", "lenet_modern", "lenet"),
    Arch("alexnet", "alexnet_small", "alexnet_d2l"),
    Arch("vgg", "vgg11_small", "vgg11", (("width_divisor", 4),)),
    Arch("nin", "nin_small", "nin"),
    Arch("googlenet", "googlenet_small", "googlenet"),
    Arch("resnet", "resnet_small", "resnet18"),
    Arch("densenet", "densenet_small", "densenet121"),
)


def measure_throughput(model: nn.Module, image_size: int, *, batch_size: int, device: torch.device,
                       seconds: float = 3.0, channels: int = 1) -> tuple[float, float]:
    """(train, eval) images per second on random data, after one warm-up step each."""
    fast = fast_path_for(device)
    model.to(device)
    x = torch.randn(batch_size, channels, image_size, image_size, device=device)
    y = torch.randint(0, 10, (batch_size,), device=device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def timed(step) -> float:
        step()                                   # warm-up
        sync()
        start, n = time.perf_counter(), 0
        while True:
            step()
            n += batch_size
            sync()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds or (n >= 4 * batch_size and elapsed >= seconds / 3):
                return n / elapsed

    def train_step():
        model.train()
        with autocast(device, fast):
            loss = nn.functional.cross_entropy(model(x).float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def eval_step():
        model.eval()
        with torch.no_grad(), autocast(device, fast):
            model(x)

    return timed(train_step), timed(eval_step)


def throughput_table(device: torch.device, seconds: float) -> list[dict]:
    rows = []
    for arch in ARCHITECTURES:
        for mode, name, kwargs in (("quick", arch.quick_model, {}), ("full", arch.full_model, dict(arch.full_kwargs))):
            size = budget_for(arch.chapter, mode).image_size
            torch.manual_seed(0)
            model = create_model(name, num_classes=10, in_channels=1, **kwargs)
            batch = 64 if size <= 96 or device.type == "cuda" else 16
            train, evaluation = measure_throughput(model, size, batch_size=batch, device=device, seconds=seconds)
            rows.append({"chapter": arch.chapter, "mode": mode, "model": name, "size": size,
                         "params": sum(p.numel() for p in model.parameters()),
                         "train img/s": train, "eval img/s": evaluation})
            print(f"  {arch.chapter:9s} {mode:5s} {name:16s} {size:3d}px  train {train:9.1f} img/s  "
                  f"eval {evaluation:9.1f} img/s", flush=True)
    return rows


class _SilentAnimator:
    """Stands in for d2l.Animator: the race times the recipe, not matplotlib redraws."""

    def __init__(self, *args, **kwargs):
        pass

    def add(self, *args, **kwargs):
        pass


def _d2l_time_to_accuracy(model: nn.Module, data: ImageData, *, image_size: int, batch_size: int,
                          lr: float, epochs: int, target: float, device: torch.device) -> tuple[float | None, list]:
    """Run d2l.train_ch6 as d2l does (xavier init, SGD, [0, 1] inputs); seconds to ``target``."""
    try:
        from d2l import torch as d2l
    except ImportError:
        raise ImportError("the race needs d2l: `pip install --no-deps d2l==1.0.3` (its pins no longer "
                          "build), or run `make bench` in this repository's .venv") from None

    # d2l feeds unnormalised [0, 1] images: mean 0, std 1 keeps them as they are
    stats = data.stats
    data.stats = (0.0, 1.0)
    train_iter, test_iter = make_loaders(data, batch_size=batch_size, image_size=image_size,
                                         device=device, channels=getattr(model, "in_channels", 1))
    data.stats = stats
    curve: list[tuple[float, float]] = []
    original_eval, original_animator = d2l.evaluate_accuracy_gpu, d2l.Animator
    start = time.perf_counter()

    def recording_eval(net, data_iter, device=None):
        paused = time.perf_counter()
        acc = original_eval(net, data_iter, device)
        curve.append((paused - start, acc))
        return acc

    d2l.evaluate_accuracy_gpu, d2l.Animator = recording_eval, _SilentAnimator
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            d2l.train_ch6(model, train_iter, test_iter, epochs, lr, device)
    finally:
        d2l.evaluate_accuracy_gpu, d2l.Animator = original_eval, original_animator
    reached = next((t for t, acc in curve if acc >= target), None)
    return reached, curve


def race(device: torch.device, data_for, d2l_max_epochs: int = 30) -> list[dict]:
    """Time-to-accuracy of d2l's recipe and the book's on LeNet and a resized network.

    d2l's recipe keeps its learning rate but may run up to ``d2l_max_epochs``
    (more than d2l's own 10), so that a slow start is timed rather than cut off.
    """
    contests = [
        # chapter, model, d2l's lr and epochs for it, target accuracy. The recipes are d2l release 0.17's
        # (zh.d2l.ai §6.6 LeNet: train_ch6, batch 256, lr 0.9; §7.1 AlexNet: batch 128, lr 0.01), the
        # edition the study notes follow; the 2023 edition (chapters 7.6 / 8.1) uses lr 0.1, batch 128.
        ("lenet", "lenet", 0.9, 10, 0.85),
        ("alexnet", "alexnet_small", 0.01, 10, 0.85),
    ]
    rows = []
    for chapter, model_name, d2l_lr, d2l_epochs, target in contests:
        b = budget_for(chapter, "quick")
        data = data_for(b)
        seed_everything(0)
        d2l_seconds, d2l_curve = _d2l_time_to_accuracy(
            create_model(model_name), data, image_size=b.image_size, batch_size=b.batch_size,
            lr=d2l_lr, epochs=max(d2l_epochs, d2l_max_epochs), target=target, device=device)
        seed_everything(0)
        history = fit(create_model(model_name), data, b, device=device, progress=False)
        elapsed, book_seconds = 0.0, None
        for r in history.records:
            elapsed += r["seconds"]
            if book_seconds is None and r["val_acc"] >= target:
                book_seconds = elapsed
        rows.append({"model": model_name, "size": b.image_size, "target": target,
                     "d2l recipe": f"SGD lr {d2l_lr}, up to {max(d2l_epochs, d2l_max_epochs)} epochs "
                                   f"(d2l uses {d2l_epochs})",
                     "d2l s": d2l_seconds, "d2l best": max(a for _, a in d2l_curve),
                     "d2l total s": d2l_curve[-1][0],
                     "book recipe": f"{b.optimizer} lr {b.lr:g}, {b.epochs} epochs",
                     "book s": book_seconds, "book best": history.test_acc,
                     "book total s": elapsed})
        r = rows[-1]
        ratio = (f"{r['d2l s'] / r['book s']:.1f}x faster" if d2l_seconds and book_seconds else
                 f"> {r['d2l total s'] / book_seconds:.1f}x faster (d2l never reached it)" if book_seconds
                 else "book recipe did not reach the target")
        print(f"  {model_name} @ {b.image_size}px to {target:.0%} test accuracy: "
              f"d2l {_fmt_s(d2l_seconds, r['d2l total s'])} (best {r['d2l best']:.3f}), "
              f"book {_fmt_s(book_seconds, elapsed)} (best {r['book best']:.3f}) -> {ratio}", flush=True)
    return rows


def _fmt_s(seconds: float | None, total: float) -> str:
    return f"{seconds:.1f} s" if seconds is not None else f"not reached in {total:.1f} s"


def book_execution_times(root: Path) -> list[dict]:
    """Execution seconds per notebook, from the last Jupyter Book build's cache."""
    try:
        from jupyter_cache import get_cache
    except ImportError:
        raise ImportError("reading the build's times needs jupyter-cache: pip install 'cnnbook[bench]'") from None

    cache_dir = root / "_build" / ".jupyter_cache"
    if not cache_dir.exists():
        return []
    cache = get_cache(str(cache_dir))
    return [{"notebook": Path(r.uri).name, "seconds": r.data.get("execution_seconds"), "built": r.created}
            for r in cache.list_cache_records()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the book's speed on this machine.")
    parser.add_argument("--sections", default="throughput,race,book",
                        help="comma-separated: throughput, race, book")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per throughput measurement")
    parser.add_argument("--build", action="store_true",
                        help="rebuild the book from scratch (clears the execution cache) before reading times")
    parser.add_argument("--d2l-epochs", type=int, default=30,
                        help="most epochs d2l's recipe may run in the race (d2l itself uses 10)")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    device = get_device()
    print(f"cnnbook bench: {torch.__version__}, {torch.get_num_threads()} threads, device {device}, "
          f"mode budgets: quick and full\n")

    if "throughput" in sections:
        print("1. Throughput (random data, batch 64; 16 at >96 px on CPU)")
        throughput_table(device, args.seconds)
        print()

    if "race" in sections:
        from .data import load_data
        print(f"2. Time to accuracy: d2l.train_ch6 (d2l's lr, xavier init, plain SGD, up to "
              f"{args.d2l_epochs} epochs) vs the book's budget (same model, data, device)")
        cache: dict = {}

        def data_for(b):
            key = (b.dataset, b.train_size, b.test_size)
            if key not in cache:
                cache[key] = load_data(budget=b)
            return cache[key]
        race(device, data_for, args.d2l_epochs)
        print()

    if "book" in sections:
        if args.build:
            import shutil
            shutil.rmtree(args.root / "_build" / ".jupyter_cache", ignore_errors=True)
            jb = Path(sys.executable).with_name("jupyter-book")
            env = dict(os.environ, CNNBOOK_PROGRESS="lines")
            start = time.perf_counter()
            subprocess.run([str(jb), "build", str(args.root)], env=env, check=False,
                           stdout=subprocess.DEVNULL)
            print(f"3. Book build from scratch took {time.perf_counter() - start:.0f} s")
        rows = book_execution_times(args.root)
        if not rows:
            print("3. Book execution: no build cache found; run `make book` (or --build) first.")
        else:
            print("3. Book execution time per chapter (from the build's cache)")
            for r in rows:
                print(f"  {r['notebook']:28s} {r['seconds']:7.1f} s   (executed {r['built']:%Y-%m-%d %H:%M})")
            print(f"  {'total':28s} {sum(r['seconds'] for r in rows):7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
