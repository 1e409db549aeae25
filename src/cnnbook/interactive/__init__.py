"""Interactive figures for the book: Bokeh layouts with precomputed states (no kernel, no server).

In a chapter::

    from cnnbook.interactive import conv_arithmetic_figure
    conv_arithmetic_figure()          # the cell's output is the figure

The HTML book renders them through :mod:`cnnbook.interactive.sphinx` (BokehJS served
once from ``_static``); Jupyter and Colab through the output's ``text/html``.
"""
from .core import MIME_TYPE, Control, InteractiveFigure, stateful_figure
from .figures import (accuracy_cost_figure, activation_scale_figure, class_maps_figure, conv_arithmetic_figure,
                      dense_block_figure, feature_maps_figure, gradient_norms_figure, lrn_figure,
                      receptive_field_figure)
from .labels import LABELS

__all__ = ["MIME_TYPE", "Control", "InteractiveFigure", "stateful_figure", "LABELS", "accuracy_cost_figure",
           "activation_scale_figure", "class_maps_figure", "conv_arithmetic_figure", "dense_block_figure",
           "feature_maps_figure", "gradient_norms_figure", "lrn_figure", "receptive_field_figure"]
