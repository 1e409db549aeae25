"""Anatomy of a network: per-layer output shape, parameters, MACs and receptive field.

:func:`anatomy` runs one forward pass on a dummy batch and returns an
:class:`Anatomy` whose ``table`` has one row per layer call, plus totals.

* Output shapes and parameters are read with forward hooks.
* Multiply-accumulates come from PyTorch's own ``torch.utils.flop_counter``
  (FLOPs / 2; convolutions and matrix products, the ops that dominate). A
  module whose dense computation is not its true cost (LeNet-5's partially
  connected C3) may define ``count_macs(output_shape) -> int``.
* Receptive fields are the one thing no library computes for arbitrary graphs,
  so this module tracks them itself: every tensor carries its receptive-field
  size ``r`` and jump ``j`` (distance in input pixels between neighbouring
  outputs). A k x k convolution or pooling with stride s and dilation d gives
  ``r' = r + (d(k-1)) j`` and ``j' = j s``; a join (``torch.cat``, ``+``) takes
  the largest ``r`` of its inputs; flattening or global pooling sees the whole
  map. This is the *theoretical* receptive field, which may exceed the image.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["anatomy", "Anatomy", "receptive_field", "count_params"]


# --- receptive-field tracking -------------------------------------------------------

def _pair(value: Any) -> tuple[int, int]:
    """An int-or-tuple layer argument as (height, width)."""
    if isinstance(value, (tuple, list)):
        if not value:
            return (0, 0)
        return (int(value[0]), int(value[-1]))
    return (int(value), int(value))


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _grow(r: tuple, j: tuple, k: tuple, s: tuple, d: tuple = (1, 1)) -> tuple[tuple, tuple]:
    """One layer along each axis: r' = r + d(k-1) j, j' = j s."""
    return (tuple(ri + di * (ki - 1) * ji for ri, ji, ki, di in zip(r, j, k, d)),
            tuple(ji * si for ji, si in zip(j, s)))


class _ReceptiveFieldMode(TorchFunctionMode):
    """Propagates (r, j) per axis -- and the weight-layer depth -- through every torch function.

    ``r`` and ``j`` are (height, width) pairs, so 1xn and nx1 kernels are exact.
    The depth of a tensor is the number of convolutions and matrix products on the
    longest path from the input to it (a join takes the deepest of its inputs).
    """

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[int, tuple[tuple, tuple, torch.Tensor]] = {}
        self.depths: dict[int, int] = {}

    def seed(self, tensor: torch.Tensor) -> None:
        self.fields[id(tensor)] = ((1, 1), (1, 1), tensor)
        self.depths[id(tensor)] = 0

    def lookup(self, tensor: Any) -> tuple[tuple, tuple] | None:
        if not isinstance(tensor, torch.Tensor):
            return None
        entry = self.fields.get(id(tensor))
        return (entry[0], entry[1]) if entry is not None and entry[2] is tensor else None

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        flat_in, _ = tree_flatten((args, kwargs))
        tracked = [(t, f) for t in flat_in if (f := self.lookup(t)) is not None]
        if not tracked:
            return out
        first = tracked[0][0]
        r = tuple(max(f[0][a] for _, f in tracked) for a in (0, 1))
        j = tuple(max(f[1][a] for _, f in tracked) for a in (0, 1))
        name = getattr(func, "__name__", "")
        depth = max(self.depths.get(id(t), 0) for t, _ in tracked)
        if "conv" in name or name in ("linear", "addmm", "matmul", "mm", "bmm", "cdist"):
            depth += 1
        spatial = tuple(first.shape[-2:]) if first.dim() >= 3 else None
        if "conv" in name and "transpose" not in name and len(args) > 1 and torch.is_tensor(args[1]):
            k = tuple(args[1].shape[-2:])
            r, j = _grow(r, j, k, _pair(_arg(args, kwargs, 3, "stride", 1)),
                         _pair(_arg(args, kwargs, 5, "dilation", 1)))
        elif "adaptive" in name and spatial is not None:
            out_size = _pair(_arg(args, kwargs, 1, "output_size"))
            if all(o for o in out_size):           # each output covers ceil(H/out) pixels
                k = tuple(-(-n // o) if o < n else 1 for n, o in zip(spatial, out_size))
                st = tuple(n // o if o < n else 1 for n, o in zip(spatial, out_size))
                r, j = _grow(r, j, k, st)
        elif "pool" in name and spatial is not None:
            k = _pair(_arg(args, kwargs, 1, "kernel_size"))
            stride = _arg(args, kwargs, 2, "stride", None)
            stride = _pair(stride) if stride not in (None, (), []) else k
            dilation = _pair(_arg(args, kwargs, 4, "dilation", 1)) if "max" in name else (1, 1)
            r, j = _grow(r, j, k, stride, dilation)
        flat_out, _ = tree_flatten(out)
        for t in flat_out:
            if isinstance(t, torch.Tensor):
                rr = r
                # Leaving the spatial grid (flatten, a dense layer) means seeing the whole map.
                if spatial is not None and t.dim() < 3:
                    rr = tuple(ri + (n - 1) * ji for ri, n, ji in zip(r, spatial, j))
                self.fields[id(t)] = (rr, j, t)
                self.depths[id(t)] = depth
        return out


def _field_value(r: tuple | None) -> int | str | None:
    """A receptive field for display: one number if square, else 'height×width'."""
    if r is None:
        return None
    return r[0] if r[0] == r[1] else f"{r[0]}×{r[1]}"


# --- the table ----------------------------------------------------------------------

@dataclass
class Anatomy:
    """Result of :func:`anatomy`: ``table`` (a pandas DataFrame) and totals."""

    table: Any
    input_shape: tuple[int, ...]
    total_params: int
    total_macs: int
    receptive_field: int | str   # pixels; "h×w" when height and width differ
    depth: int = 0            # weight layers (conv, dense) on the longest input-output path

    def __repr__(self) -> str:
        return (f"{self.table.to_string(index=False)}\n"
                f"total: {self.total_params:,} parameters, {self.total_macs:,} MACs, "
                f"receptive field {self.receptive_field} px, {self.depth} weight layers deep, "
                f"input {self.input_shape}")

    def _repr_html_(self) -> str:
        fmt = {c: "{:,}" for c in ("params", "MACs")}
        html = self.table.style.format(fmt, na_rep="").hide(axis="index").to_html()
        return (html + f"<p><b>Total:</b> {self.total_params:,} parameters · "
                f"{self.total_macs:,} multiply-accumulates · receptive field "
                f"{self.receptive_field} px · {self.depth} weight layers deep · "
                f"input {tuple(self.input_shape)}</p>")

    def rows(self, layer_type: str) -> Any:
        """The rows of one layer type, e.g. ``a.rows("Conv2d")``."""
        return self.table[self.table["type"] == layer_type]


def count_params(module: nn.Module, *, trainable: bool = False) -> int:
    """Number of parameters of ``module`` (only those with ``requires_grad`` if ``trainable``)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable)


def _is_leaf(module: nn.Module) -> bool:
    return next(module.children(), None) is None


def _shape(output: Any) -> tuple[int, ...] | None:
    flat, _ = tree_flatten(output)
    for t in flat:
        if isinstance(t, torch.Tensor):
            return tuple(t.shape)
    return None


def anatomy(model: nn.Module, input_size: Iterable[int] | int = 224, *, in_channels: int | None = None,
            depth: int | None = None, device: torch.device | str = "cpu") -> Anatomy:
    """Per-layer anatomy of ``model`` for one input.

    ``input_size``: an int (square image; channels from ``model.in_channels``
    or ``in_channels``) or a full shape such as ``(1, 3, 227, 227)``.
    ``depth``: ``None`` lists every leaf layer; ``1`` lists the model's direct
    children (blocks, stages), and so on, each row aggregating what it contains.
    The model is run in eval mode on a batch of one and put back as it was.
    """
    import pandas as pd

    if isinstance(input_size, int):
        channels = in_channels or getattr(model, "in_channels", None) or 3
        shape = (1, channels, input_size, input_size)
    else:
        shape = tuple(input_size)
    names = {m: n for n, m in model.named_modules()}
    calls: list[dict] = []
    rf_mode = _ReceptiveFieldMode()

    # Each leaf call gets its own FLOP counter, entered just before it runs. (Counting
    # once for the whole model and looking modules up by name would miss layers a
    # model calls through an unregistered container, e.g. a slice of nn.Sequential.)
    counters: list[FlopCounterMode] = []

    def pre_hook(module: nn.Module, _inputs: tuple) -> None:
        counter = FlopCounterMode(display=False)
        counter.__enter__()
        counters.append(counter)

    def hook(module: nn.Module, _inputs: tuple, output: Any) -> None:
        counter = counters.pop()
        counter.__exit__(None, None, None)
        field = None
        flat, _ = tree_flatten(output)
        for t in flat:
            if (field := rf_mode.lookup(t)) is not None:
                break
        calls.append({"module": module, "shape": _shape(output), "rf": _field_value(field[0]) if field else None,
                      "flops": counter.get_total_flops()})

    # a bare layer (no children) is its own single row
    hooked = [m for m in model.modules() if m is not model] or [model]
    handles = [m.register_forward_hook(hook) for m in hooked]
    handles += [m.register_forward_pre_hook(pre_hook) for m in hooked]
    was_training = model.training
    model.eval()
    x = torch.zeros(shape, device=device)
    try:
        with torch.no_grad(), rf_mode:
            rf_mode.seed(x)
            out = model(x)
            out_tensor = next((t for t in tree_flatten(out)[0] if rf_mode.lookup(t)), None)
            out_field = rf_mode.lookup(out_tensor)
            out_depth = rf_mode.depths.get(id(out_tensor), 0)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    def macs_of(call: dict) -> int:
        module = call["module"]
        if hasattr(module, "count_macs"):
            return int(module.count_macs(call["shape"]))
        if _is_leaf(module):
            return int(call["flops"] // 2)
        inside = set(module.modules()) - {module}
        return sum(macs_of(c) for c in calls if c["module"] in inside and is_unit(c["module"]))

    # Modules that count their own MACs are units: their children are not listed.
    self_counting = [names[m] for m in model.modules() if m is not model and hasattr(m, "count_macs")]

    def is_unit(module: nn.Module) -> bool:
        name = names[module]
        if any(name.startswith(prefix + ".") for prefix in self_counting):
            return False
        return _is_leaf(module) or hasattr(module, "count_macs")

    seen: set[nn.Module] = set()
    rows = []
    for c in calls:
        module, name = c["module"], names[c["module"]]
        level = name.count(".") + 1
        if depth is None and not is_unit(module):
            continue
        if depth is not None and not (level == depth or (level < depth and is_unit(module))):
            continue
        if isinstance(module, nn.Identity):     # a switched-off option (no LRN, no pooling): no row
            continue
        first_call = module not in seen
        seen.add(module)
        rows.append({
            "layer": name or type(module).__name__,
            "type": type(module).__name__,
            "output shape": "×".join(str(d) for d in (c["shape"] or ())[1:]),
            # a module called twice (weight sharing) holds its parameters once
            "params": count_params(module) if first_call else 0,
            "MACs": macs_of(c),
            "RF": c["rf"],
        })
    table = pd.DataFrame(rows, columns=["layer", "type", "output shape", "params", "MACs", "RF"])
    if all(isinstance(v, int) or v is None for v in table["RF"]):
        table["RF"] = table["RF"].astype("Int64")
    total_macs = sum(macs_of(c) for c in calls if is_unit(c["module"]))
    total_params = count_params(model)
    return Anatomy(table=table, input_shape=shape, total_params=total_params, total_macs=total_macs,
                   receptive_field=_field_value(out_field[0]) if out_field else 0, depth=out_depth)


def receptive_field(model: nn.Module, input_size: Iterable[int] | int = 224, **kwargs) -> int:
    """The theoretical receptive field (pixels) of ``model``'s output."""
    return anatomy(model, input_size, **kwargs).receptive_field
