"""Every word the interactive figures show, in one place (a translation edits only this dict)."""

LABELS = {
    # convolution arithmetic
    "conv.title": "A kernel sliding over a padded input",
    "conv.n": "input size n", "conv.k": "kernel size k", "conv.p": "padding p (per side)",
    "conv.s": "stride s", "conv.d": "dilation d",
    "conv.input": "input", "conv.padding": "padding", "conv.anchor": "window start (one per output)",
    "conv.first": "taps of the first window", "conv.last": "taps of the last window",
    "conv.formula": "n_out = ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊({n} + 2·{p} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = <b>{out}</b>",
    "conv.nofit": "The kernel spans d(k − 1) + 1 = {span} pixels but the padded input has only n + 2p = {padded}: "
                  "PyTorch raises an error.",
    # LeNet
    "maps.title": "Feature maps of the trained network",
    "maps.image": "test image", "maps.layer": "layer",
    "maps.probs": "predicted probability", "maps.class": "class",
    "maps.caption": "true class: <b>{true}</b> · predicted: <b>{pred}</b> ({prob:.0%}) · {layer}: {c} maps of {h}×{w}",
    # AlexNet LRN
    "lrn.title": "Local response normalisation: b_i = a_i / (k + α Σ a_j²)^β",
    "lrn.k": "k", "lrn.n": "n (channels summed)", "lrn.alpha": "α", "lrn.beta": "β",
    "lrn.channel": "channel", "lrn.input": "input a", "lrn.divisor": "divisor", "lrn.output": "output b",
    "lrn.caption": "k = {k:g}, n = {n}, α = {alpha:g}, β = {beta:g}: the peak channel is divided by <b>{peak:.3f}</b>, "
                   "the last channel by <b>{edge:.3f}</b>",
    # VGG
    "rf.title": "Receptive field of one output unit",
    "rf.depth": "3×3 layers stacked", "rf.paths": "paths to the output unit",
    "rf.params": "weights (units of C²)", "rf.stacked": "stacked 3×3", "rf.single": "one {r}×{r} kernel",
    "rf.caption": "{depth} stacked 3×3 layers see {r}×{r} pixels with {stacked:,} weights at C = {C}; "
                  "one {r}×{r} layer would need {single:,} ({ratio:.2f}×)",
    # NiN
    "nin.title": "The class maps that global average pooling averages",
    "nin.image": "test image", "nin.class": "class map", "nin.score": "score (mean of the map)",
    "nin.caption": "true: <b>{true}</b> · map for <b>{cls}</b>: mean of its {cells} values = <b>{score:.2f}</b> = "
                   "the class score · predicted: <b>{pred}</b>",
    # GoogLeNet / BN
    "bn.title": "Activation scale layer by layer, at initialisation",
    "bn.show": "show", "bn.layer": "layer", "bn.std": "std of the activations (log scale)",
    "bn.caption": "last layer: std {last}",
    # ResNet
    "grad.title": "Gradient norm at each block's output, at initialisation",
    "grad.depth": "depth", "grad.show": "networks", "grad.block": "block (input side → output side)",
    "grad.norm": "‖∂loss/∂x_l‖ (log scale)",
    "grad.caption": "largest / smallest block gradient: {spread}",
    # DenseNet
    "dense.title": "Channels through a dense block",
    "dense.k": "growth rate k", "dense.layer": "layer of the block", "dense.channels": "channels",
    "dense.input": "block input c₀", "dense.grown": "added by earlier layers (i·k)", "dense.new": "this layer's new maps (k)",
    "dense.caption": "k = {k}: layer i reads c₀ + i·k channels; the block returns {c0} + {L}·{k} = <b>{out}</b> "
                     "channels with {params:,} parameters",
    # comparison
    "cmp.title": "Accuracy against compute (bubble area ∝ parameters)",
    "cmp.filter": "architectures", "cmp.macs": "multiply-accumulates per image (log scale)", "cmp.acc": "test accuracy",
    "cmp.caption": "{shown} of {total} networks shown",
}
