"""Check a model you wrote yourself: a forward pass, a backward pass, its shape and size.

The "build it yourself" exercises end with one call::

    check_model(MyLeNet(), input_shape=(2, 1, 28, 28), output_shape=(2, 10), params=61_706)

It prints a short checklist (✓ passed, ✗ failed, · not run) and, if something is
wrong, raises :class:`ModelCheckError` -- an ``AssertionError`` that names the
check, what was expected, what the model gave, and a hint towards the fix. When
the forward pass itself fails, the error names the layer that failed and the
shape it was given, which is usually the whole story (a 5×5 kernel on a 4×4 map,
a ``Linear`` whose ``in_features`` do not match the flattened map).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import torch
from torch import nn

__all__ = ["check_model", "ModelCheckError", "ModelCheck"]


class ModelCheckError(AssertionError):
    """A failed :func:`check_model` check: ``check``, ``expected``, ``got``, ``hint`` (and ``layer``)."""

    def __init__(self, check: str, expected, got, hint: str, layer: str | None = None):
        self.check, self.expected, self.got, self.hint, self.layer = check, expected, got, hint, layer
        where = f" in layer {layer}" if layer else ""
        super().__init__(f"{check} failed{where}: expected {expected}, got {got}.\nHint: {hint}")


@dataclass
class ModelCheck:
    """What :func:`check_model` measured (returned when every check passes)."""

    name: str
    output_shape: tuple[int, ...] | None = None
    params: int | None = None
    lines: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _shape_str(shape: Sequence[int] | None) -> str:
    return "None" if shape is None else "(" + ", ".join(str(int(s)) for s in shape) + ")"


def _shapes_match(expected: Sequence, got: Sequence[int]) -> bool:
    """``None`` or ``-1`` in ``expected`` matches any size on that axis."""
    return len(expected) == len(got) and all(e in (None, -1) or int(e) == g for e, g in zip(expected, got))


def _forward_hint(message: str, layer: nn.Module | None, shape: tuple | None) -> str:
    """A hint for the usual ways a hand-written CNN's forward pass breaks."""
    if re.search(r"Kernel size can't be greater|Output size is too small|larger than the input|"
                 r"too small|non-positive|size can't be", message, re.I):
        size = f"a {shape[-2]}×{shape[-1]} map" if shape and len(shape) >= 2 else "the map"
        kernel = getattr(layer, "kernel_size", None)
        kernel = f"a {kernel[0]}×{kernel[-1]} window" if isinstance(kernel, tuple) else (
            f"a {kernel}×{kernel} window" if kernel else "its window")
        return (f"the feature map has shrunk to {size}, smaller than {kernel}. Keep the size with "
                f"padding (padding=k//2 for an odd k), remove a pooling step, or feed a larger image "
                f"(work the sizes out with cnnbook.arithmetic.conv_output_size).")
    match = re.search(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)", message)
    if match:
        flat, want = match.group(2), match.group(3)
        return (f"this Linear layer expects {want} input features but the flattened map has {flat}: "
                f"set in_features={flat}, or change the layers before it so the map is the size you planned "
                f"(nn.LazyLinear or nn.AdaptiveAvgPool2d make the head independent of the image size).")
    match = re.search(r"expected input\[.*\] to have (\d+) channels, but got (\d+) channels", message)
    if match:
        return (f"this layer was built for {match.group(1)} input channels but receives {match.group(2)}: "
                f"its in_channels must equal the out_channels of the layer before it.")
    if "Expected more than 1 value per channel" in message:
        return "batch normalization needs more than one value per channel in training mode: use a batch of 2 or more."
    return "read the message above; print x.shape between layers in forward() to see where the sizes go wrong."


def _describe(layer: nn.Module | None, names: dict) -> str | None:
    if layer is None:
        return None
    return f"{names.get(layer) or type(layer).__name__!r} ({layer!r})"


def check_model(model: nn.Module, *, input_shape: Sequence[int], output_shape: Sequence[int],
                params: int | None = None, name: str | None = None) -> ModelCheck:
    """Run ``model`` forward and backward on a random batch and check what came out.

    ``input_shape``: the batch to feed, e.g. ``(2, 1, 28, 28)``.
    ``output_shape``: the shape the output must have; ``None`` or ``-1`` on an axis matches any size.
    ``params``: if given, the exact number of parameters the model must have.
    ``name``: what to call the model in the checklist (default: its class name).

    Prints the checklist and returns a :class:`ModelCheck`; raises :class:`ModelCheckError`
    (an ``AssertionError``) naming the first failed check, expected vs got, and a hint.
    The model's training mode and its parameters' gradients are left as they were.
    """
    name = name or type(model).__name__
    report = ModelCheck(name=name)
    checks: list[tuple[str, str, bool | None]] = []          # (check, detail, passed / None = not run)
    failure: ModelCheckError | None = None

    def finish() -> None:
        report.lines = [f"check_model({name}):"] + [
            f"  {'·' if ok is None else '✓' if ok else '✗'} {check}: {detail}" for check, detail, ok in checks]
        print(report)
        if failure is not None:
            raise failure

    # Parameter count first: it needs no forward pass, and it helps even when the forward pass fails.
    report.params = sum(p.numel() for p in model.parameters())
    param_check = None
    if params is not None:
        ok = report.params == int(params)
        param_check = ("parameter count", f"{report.params:,}" + ("" if ok else f" (expected {int(params):,}, "
                       f"off by {report.params - int(params):+,})"), ok)
        if not ok:
            children = ", ".join(f"{n or type(m).__name__}={sum(p.numel() for p in m.parameters()):,}"
                                 for n, m in model.named_children()
                                 if any(True for _ in m.parameters()))
            param_failure = ModelCheckError(
                "parameter count", f"{int(params):,}", f"{report.params:,}",
                f"count layer by layer (cnnbook.anatomy(model, ...) lists each layer's parameters) and compare "
                f"with the paper's table; a conv has k·k·C_in·C_out weights plus C_out biases. "
                f"Yours by block: {children or 'no sub-modules'}.")
    # Forward pass, remembering the last layer entered, so a failure can name it.
    names = {m: n for n, m in model.named_modules()}
    current: dict = {}

    def pre_hook(module, inputs):
        current["layer"] = module
        first = inputs[0] if inputs else None
        current["shape"] = tuple(first.shape) if isinstance(first, torch.Tensor) else None

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_pre_hook(pre_hook) for m in leaves]
    was_training = model.training
    saved_grads = [(p, p.grad) for p in model.parameters()]
    try:
        device = next(model.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    x = torch.randn(*[int(s) for s in input_shape], device=device)
    model.train()
    try:
        try:
            for p in model.parameters():
                p.grad = None
            out = model(x)
        except Exception as error:      # noqa: BLE001 -- any failure of the reader's forward() is reported
            layer, shape = current.get("layer"), current.get("shape")
            where = _describe(layer, names)
            checks.append(("forward pass", f"failed in {where} on input {_shape_str(shape)}: "
                           f"{type(error).__name__}: {str(error).splitlines()[0]}", False))
            checks.append(("output shape", "not reached", None))
            checks.append(("backward pass", "not reached", None))
            if param_check:
                checks.append(param_check)
            failure = ModelCheckError("forward pass", f"a batch of shape {_shape_str(input_shape)} to go through",
                                      f"{type(error).__name__}: {str(error).splitlines()[0]}",
                                      _forward_hint(str(error), layer, shape), layer=where)
            failure.__cause__ = error
            finish()
        checks.append(("forward pass", f"input {_shape_str(x.shape)}", True))
        if not isinstance(out, torch.Tensor):
            checks.append(("output shape", f"forward() returned {type(out).__name__}, not a tensor", False))
            failure = ModelCheckError("output shape", f"a tensor of shape {_shape_str(output_shape)}",
                                      type(out).__name__, "return the logits tensor from forward().")
            finish()
        report.output_shape = tuple(out.shape)
        shape_ok = _shapes_match(output_shape, out.shape)
        checks.append(("output shape", _shape_str(out.shape) + ("" if shape_ok else
                       f" (expected {_shape_str(output_shape)})"), shape_ok))
        # Backward pass: every parameter should receive a gradient.
        if not out.requires_grad:
            checks.append(("backward pass", "the output depends on no trainable parameter", False))
            if param_check:
                checks.append(param_check)
            failure = (ModelCheckError("output shape", _shape_str(output_shape), _shape_str(out.shape),
                                       "build the layers in __init__ and call them in forward().")
                       if not shape_ok else
                       ModelCheckError("backward pass", "an output computed from the model's parameters",
                                       "an output with no gradient", "call your layers in forward(); "
                                       "do not wrap them in torch.no_grad() or .detach() the result."))
            finish()
        try:
            out.float().square().mean().backward()
        except Exception as error:      # noqa: BLE001
            checks.append(("backward pass", f"{type(error).__name__}: {str(error).splitlines()[0]}", False))
            if param_check:
                checks.append(param_check)
            failure = ModelCheckError("backward pass", "gradients for every parameter",
                                      f"{type(error).__name__}: {str(error).splitlines()[0]}",
                                      "an in-place operation or a .detach() in forward() can break the graph.")
            finish()
        unused = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
        nonfinite = [n for n, p in model.named_parameters() if p.grad is not None and not torch.isfinite(p.grad).all()]
        backward_ok = not unused and not nonfinite
        checks.append(("backward pass", "every parameter got a finite gradient" if backward_ok else
                       (f"no gradient for {', '.join(unused[:4])}{' …' if len(unused) > 4 else ''}" if unused
                        else f"non-finite gradient in {', '.join(nonfinite[:4])}"), backward_ok))
        if param_check:
            checks.append(param_check)
        if not shape_ok:
            got = tuple(out.shape)
            if len(got) != len(output_shape):
                hint = (f"the output has {len(got)} axes, not {len(output_shape)}: "
                        f"flatten the feature map (torch.flatten(x, 1) or nn.Flatten()) before the classifier.")
            else:
                hint = (f"the last layer gives {got[-1]} outputs per image; make it produce {output_shape[-1]} "
                        f"(e.g. nn.Linear(..., {output_shape[-1]}) or a 1×1 conv with {output_shape[-1]} channels).")
            failure = ModelCheckError("output shape", _shape_str(output_shape), _shape_str(got), hint)
        elif not backward_ok:
            failure = ModelCheckError(
                "backward pass", "a gradient for every parameter",
                f"none for {', '.join(unused)}" if unused else f"non-finite values in {', '.join(nonfinite)}",
                "a layer built in __init__ but never called in forward() gets no gradient: call it or remove it."
                if unused else "check for division by zero or a log of zero in forward().")
        elif param_check and not param_check[2]:
            failure = param_failure
        finish()
        return report
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
        for p, grad in saved_grads:
            p.grad = grad
