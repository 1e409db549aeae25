"""The book's model zoo: one readable file per family, plus shared plumbing.

* ``registry``    -- :func:`create_model` / :func:`list_models` by name.
* ``validation``  -- :class:`InputSpec` (what images a model takes) and its guard.
* ``init``        -- the weight initialisations, each under its own name.
* ``transfer``    -- torchvision weights into the book's models, by name.
* ``lenet``, ``alexnet``, ``vgg``, ``nin``, ``googlenet``, ``inception_v3``,
  ``resnet``, ``densenet`` -- the architectures, each beside its paper.
"""
from .registry import create_model, list_models, register_model
# importing the families registers their models
from . import lenet, alexnet, vgg, nin, googlenet, inception_v3, resnet, densenet  # noqa: F401,E402

__all__ = ["create_model", "list_models", "register_model"]
