"""cnnbook: the shared code of the interactive book on classic CNNs.

Modules, one concern each:

* ``device``     -- CUDA, then MPS, then CPU (``CNNBOOK_DEVICE`` overrides)
* ``budgets``    -- quick/full run modes and every chapter's training budget
* ``data``       -- Fashion-MNIST / MNIST as tensors, offline fallback, device loader
* ``training``   -- :func:`fit`, the one training loop, and its :class:`History`
* ``checkpoint`` -- what ``fit`` saves to resume a run, and the check before resuming
* ``anatomy``    -- per-layer shapes, parameters, MACs and receptive fields
* ``arithmetic`` -- output-size, parameter and receptive-field calculators
* ``plots``      -- image grids, training curves, predictions, filters
* ``papers``     -- who / where / when of every paper, for chapters and timeline
* ``models``     -- the model zoo (``create_model``, ``list_models``)
* ``notebook``   -- helpers for chapters (``show_source``, ``setup_chapter``)
"""
from .anatomy import anatomy, receptive_field
from .budgets import Budget, budget, get_mode
from .data import load_data, make_loaders
from .device import get_device
from .models import create_model, list_models
from .notebook import setup_chapter, show_source
from .training import History, evaluate, fit, seed_everything

__version__ = "0.1.0"
__all__ = ["anatomy", "receptive_field", "Budget", "budget", "get_mode", "load_data", "make_loaders",
           "get_device", "create_model", "list_models", "setup_chapter", "show_source", "History",
           "evaluate", "fit", "seed_everything"]
