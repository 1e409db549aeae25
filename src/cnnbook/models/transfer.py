"""Weight transfer from torchvision models into the book's models, by name.

Where the book names its modules as torchvision does (AlexNet, VGG, GoogLeNet)
the state dicts match key for key and :func:`load_by_name` is a plain
``load_state_dict``. ResNet and DenseNet use the papers' names (``conv2_x``,
``shortcut``, ...); their families keep a small dict from torchvision's names to
the book's, which :func:`rename_key` applies. BatchNorm's ``num_batches_tracked``
counters are ordinary entries, so they travel with the rest.
:func:`load_pretrained` fetches ImageNet weights when the reader is online and
says clearly when they are not.
"""
from __future__ import annotations

from typing import Mapping

from torch import nn

__all__ = ["rename_key", "load_by_name", "load_pretrained", "OfflineError"]


class OfflineError(RuntimeError):
    """Raised when pretrained weights are asked for but cannot be downloaded."""


def rename_key(key: str, names: Mapping[str, str]) -> str:
    """torchvision's state-dict key in the book's names.

    ``names`` maps torchvision's names to the book's. An entry renames the start
    of a key (``"layer1" -> "stages.conv2_x"``); one that begins with a dot renames
    that part wherever it occurs (``".downsample" -> ".shortcut"``). Start entries
    are tried in order and the first that fits wins.
    """
    for theirs, ours in names.items():
        if not theirs.startswith(".") and (key == theirs or key.startswith(theirs + ".")):
            key = ours + key[len(theirs):]
            break
    for theirs, ours in names.items():
        if theirs.startswith("."):
            key = key.replace(theirs + ".", ours + ".")
    return key


def load_by_name(target: nn.Module, source: nn.Module, names: Mapping[str, str] | None = None, *,
                 ignore: tuple[str, ...] = ()) -> nn.Module:
    """Load ``source``'s state dict into ``target``, renaming keys with ``names``.

    Keys that start with a prefix in ``ignore`` (e.g. auxiliary heads only one
    side has) are left out on both sides; any other key that has no partner, or
    a shape that does not fit, is an error. Returns ``target``.
    """
    names = names or {}
    state = {rename_key(k, names): v for k, v in source.state_dict().items() if not k.startswith(ignore)}
    advice = "Build the target with the torchvision-compatible configuration."
    try:
        result = target.load_state_dict(state, strict=False)
    except RuntimeError as exc:           # a shape that does not fit
        mismatch = next((line.strip() for line in str(exc).splitlines() if "size mismatch" in line), exc)
        raise ValueError(f"cannot transfer {type(source).__name__} into {type(target).__name__}: "
                         f"{mismatch} {advice}") from None
    missing = [k for k in result.missing_keys if not k.startswith(ignore)]
    if missing or result.unexpected_keys:
        raise ValueError(f"cannot transfer {type(source).__name__} into {type(target).__name__}: "
                         f"no weights for {missing[:5]}, no home for {result.unexpected_keys[:5]}. {advice}")
    return target


def load_pretrained(torchvision_name: str, **kwargs) -> nn.Module:
    """Build torchvision's ``torchvision_name`` with its default ImageNet weights.

    Needs the network the first time (torchvision caches the file in
    ``~/.cache/torch``). Offline, raises :class:`OfflineError` with one clear
    sentence instead of a long urllib traceback.
    """
    import torchvision

    try:
        return torchvision.models.get_model(torchvision_name, weights="DEFAULT", **kwargs)
    except (OSError, RuntimeError) as exc:  # URLError is an OSError
        raise OfflineError(f"pretrained {torchvision_name} weights could not be downloaded "
                           f"({type(exc).__name__}); this view needs the network once, after "
                           "which torchvision caches the file in ~/.cache/torch.") from exc
