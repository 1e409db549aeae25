"""The book's model zoo: one readable file per family, plus shared plumbing.

* ``registry``   -- :func:`create_model` / :func:`list_models` by name.
* ``validation`` -- the input guard every model attaches (clear errors).
* ``transfer``   -- copying torchvision weights into the book's models.
* ``lenet``, ``alexnet``, ``vgg``, ``nin``, ``googlenet``, ``resnet``,
  ``densenet`` -- the architectures, each beside its paper.
"""
from .registry import create_model, list_models, register

__all__ = ["create_model", "list_models", "register"]
