"""Interactive figures without a kernel: precomputed states, one generic callback.

A figure is a Bokeh layout whose data sources and text boxes change when the
reader moves a control. Python computes every state the controls can reach
(the chapter's own models and numbers); the page only looks them up. One
generic :class:`bokeh.models.CustomJS` callback, the same for every figure,
builds the lookup key from the controls' values and swaps the data in, so the
figure needs no kernel, no server and no network.

Each source (and each text box) names the controls it depends on, so a table
is only as large as those controls' combinations, not all of them.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["Control", "InteractiveFigure", "MIME_TYPE", "stateful_figure"]

#: The output type the book's renderer (:mod:`cnnbook.interactive.sphinx`) picks up.
MIME_TYPE = "application/vnd.cnnbook.interactive+json"

# The generic callback. `spec` (JSON): {controls: [{kind, values}], sources: {name: {deps, base, table}},
# divs: {name: {deps, table}}}. Keys join the dependent controls' values with "|".
_CALLBACK = """
const spec = window.__cnnbook_specs = window.__cnnbook_specs || {};
if (!(uid in spec)) spec[uid] = JSON.parse(spec_json);
const s = spec[uid];
const value = (i) => {
  const c = controls[i], kind = s.controls[i].kind, values = s.controls[i].values;
  if (kind === "slider") return String(c.value);
  if (kind === "select") return String(c.value);
  if (kind === "radio") return String(values[c.active]);
  if (kind === "checkbox") return [...c.active].sort((a, b) => a - b).map(j => values[j]).join(",");
  throw new Error("unknown control kind " + kind);
};
const key = (deps) => deps.map(value).join("|");
// Image glyphs need n-dimensional arrays: {__nd__: flat values (null = NaN), shape} -> ndarray.
const nd = Bokeh.require("core/util/ndarray");
const decode = (col) => Array.isArray(col) ? col.map(v => (v !== null && typeof v === "object" && "__nd__" in v)
  ? nd.ndarray(v.__nd__.map(x => x === null ? NaN : x), {dtype: "float64", shape: v.shape}) : v) : col;
const columns = (data) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, decode(v)]));
for (const [name, src] of Object.entries(s.sources)) {
  const data = src.table[key(src.deps)];
  if (data === undefined) continue;
  sources[name].data = columns(Object.assign({}, src.base, data));
}
for (const [name, div] of Object.entries(s.divs)) {
  const text = div.table[key(div.deps)];
  if (text !== undefined) divs[name].text = text;
}
"""


@dataclass
class Control:
    """One control: ``kind`` is "slider" (numbers, evenly spaced), "select", "radio" or "checkbox".

    ``values`` are the states it can reach; ``value`` the initial one (for a
    checkbox: the initial tuple of checked values).
    """

    name: str
    label: str
    kind: str
    values: Sequence[Any]
    value: Any = None

    def __post_init__(self):
        if self.kind not in ("slider", "select", "radio", "checkbox"):
            raise ValueError(f"Control {self.name!r}: kind must be slider, select, radio or checkbox, "
                             f"not {self.kind!r}")
        if not self.values:
            raise ValueError(f"Control {self.name!r} has no values")
        if self.value is None:
            self.value = tuple(self.values) if self.kind == "checkbox" else self.values[0]
        if self.kind == "slider":
            steps = np.diff(np.asarray(self.values, dtype=float))
            if len(steps) and not np.allclose(steps, steps[0]):
                raise ValueError(f"Control {self.name!r}: a slider needs evenly spaced values; "
                                 "use kind='select' for uneven ones")

    def states(self) -> list:
        """Every value the control can take (for a checkbox: every subset, as sorted tuples)."""
        if self.kind != "checkbox":
            return list(self.values)
        return [tuple(v for v in self.values if v in subset)
                for r in range(len(self.values) + 1) for subset in itertools.combinations(self.values, r)]

    def key(self, value) -> str:
        if self.kind == "checkbox":
            return ",".join(_fmt(v) for v in value)
        return _fmt(value)

    def widget(self):
        from bokeh.models import CheckboxGroup, RadioButtonGroup, Select, Slider

        if self.kind == "slider":
            step = self.values[1] - self.values[0] if len(self.values) > 1 else 1
            return Slider(title=self.label, start=self.values[0], end=self.values[-1], step=step,
                          value=self.value, width=200, name=self.name)
        if self.kind == "select":
            return Select(title=self.label, options=[_fmt(v) for v in self.values], value=_fmt(self.value),
                          width=220, name=self.name)
        if self.kind == "radio":
            return RadioButtonGroup(labels=[_fmt(v) for v in self.values], active=list(self.values).index(self.value),
                                    name=self.name)
        return CheckboxGroup(labels=[_fmt(v) for v in self.values], name=self.name, inline=True,
                             active=[i for i, v in enumerate(self.values) if v in self.value])


def _fmt(v) -> str:
    """How a control value appears in keys and in the widgets: integers without ".0"."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower()
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    return str(v)


def _jsonable(data: Mapping[str, Any]) -> dict:
    """Columns as plain lists (NumPy arrays and tensors too), rounded to keep the page light."""
    out = {}
    for name, column in data.items():
        if hasattr(column, "detach"):
            column = column.detach().cpu().numpy()
        array = np.asarray(column) if not isinstance(column, (list, tuple)) else None
        if array is not None and array.dtype.kind == "f":
            out[name] = np.round(array, 4).tolist()
        elif array is not None:
            out[name] = array.tolist()
        else:
            out[name] = [_nd(c) if isinstance(c, np.ndarray) and c.ndim == 2 else
                         np.round(c, 4).tolist() if isinstance(c, np.ndarray) else c for c in column]
    return out


def _nd(array: np.ndarray) -> dict:
    """A 2-D array (an image glyph's entry) as JSON: flat values (NaN as null) and the shape."""
    flat = np.round(array.astype(float), 3).ravel()
    return {"__nd__": [None if np.isnan(v) else float(v) for v in flat], "shape": list(array.shape)}


def _to_bokeh(data: dict) -> dict:
    """Columns for a ColumnDataSource in Python: the JSON form of 2-D arrays back to NumPy."""
    def convert(v):
        if isinstance(v, dict) and "__nd__" in v:
            return np.array([np.nan if x is None else x for x in v["__nd__"]], dtype=float).reshape(v["shape"])
        return v
    return {k: [convert(v) for v in col] if isinstance(col, list) else col for k, col in data.items()}


@dataclass
class _Table:
    deps: list[int]
    compute: Callable[..., Any]
    base: dict = field(default_factory=dict)


class InteractiveFigure:
    """A Bokeh layout plus its precomputed states; displays itself in Jupyter, Colab and the book.

    ``states[name][key]`` holds what a source or text box shows for one
    combination of its controls; ``controls`` are the :class:`Control` specs.
    """

    def __init__(self, layout, spec: dict, controls: list[Control], widgets: list, title: str):
        self.layout, self.spec, self.controls, self.widgets, self.title = layout, spec, controls, widgets, title

    @property
    def states(self) -> dict:
        return {**{n: s["table"] for n, s in self.spec["sources"].items()},
                **{n: d["table"] for n, d in self.spec["divs"].items()}}

    def components(self) -> tuple[str, str]:
        """(script, div) for a page that loads BokehJS itself, as the book does."""
        from bokeh.embed import components

        return components(self.layout)

    def _repr_mimebundle_(self, include=None, exclude=None):
        script, div = self.components()
        return {
            MIME_TYPE: {"script": script, "div": div, "title": self.title, "bokeh": _bokeh_version()},
            "text/html": _notebook_html(script, div),
            "text/plain": f"<interactive figure: {self.title}; open the HTML book or run the notebook to use it>",
        }


def _bokeh_version() -> str:
    import bokeh

    return bokeh.__version__


def _notebook_html(script: str, div: str) -> str:
    """Jupyter and Colab: load BokehJS (once per page) from Bokeh's CDN, or inline when
    ``CNNBOOK_BOKEH_INLINE=1`` (offline Jupyter), then embed the figure."""
    from bokeh.resources import CDN, INLINE

    if os.environ.get("CNNBOOK_BOKEH_INLINE") == "1":
        loader = "".join(f"<script>{js}</script>" for js in INLINE.js_raw)
        return loader + div + script
    urls = json.dumps(CDN.js_files)
    body = re.sub(r"</?script[^>]*>", "", script)
    return (div + "<script>(function(){const urls=" + urls + ";"
            "function run(){" + body + "}"
            "if (window.Bokeh && window.Bokeh.Widgets) { run(); return; }"
            "let i = 0; function next(){ if (i === urls.length) { run(); return; }"
            "const s = document.createElement('script'); s.src = urls[i++]; s.onload = next;"
            "document.head.appendChild(s); } next(); })();</script>")


def stateful_figure(plots, controls: Sequence[Control], sources: Mapping[str, Any],
                    tables: Mapping[str, tuple[Sequence[str], Callable[..., Mapping]]],
                    divs: Mapping[str, tuple[Any, Sequence[str], Callable[..., str]]] = {},
                    *, title: str, base: Mapping[str, Mapping] = {}) -> InteractiveFigure:
    """Wire controls to precomputed states.

    ``sources``: ColumnDataSources used by ``plots``, by name. ``tables[name] =
    (control names, fn)``: ``fn(**values)`` returns the columns of source
    ``name`` for those controls' values (columns in ``base[name]`` are shared
    by every state and stored once). ``divs[name] = (Div, control names, fn)``
    does the same for a text box's HTML. Every state is computed here, once.
    """
    from bokeh.layouts import column, row
    from bokeh.models import CustomJS

    index = {c.name: i for i, c in enumerate(controls)}
    initial = {c.name: c.value for c in controls}

    def table(deps, fn, jsonify):
        for dep in deps:
            if dep not in index:
                raise ValueError(f"{title}: unknown control {dep!r}; controls are {list(index)}")
        out = {}
        for combo in itertools.product(*(controls[index[d]].states() for d in deps)):
            key = "|".join(controls[index[d]].key(v) for d, v in zip(deps, combo))
            out[key] = jsonify(fn(**dict(zip(deps, combo))))
        return {"deps": [index[d] for d in deps], "table": out}

    spec = {"controls": [{"kind": c.kind, "values": [_fmt(v) for v in c.values]} for c in controls],
            "sources": {}, "divs": {}}
    for name, (deps, fn) in tables.items():
        spec["sources"][name] = table(deps, fn, _jsonable)
        spec["sources"][name]["base"] = _jsonable(base.get(name, {}))
        first = _jsonable(fn(**{d: initial[d] for d in deps}))
        sources[name].data = _to_bokeh({**spec["sources"][name]["base"], **first})
    for name, (div, deps, fn) in divs.items():
        spec["divs"][name] = table(deps, fn, str)
        div.text = str(fn(**{d: initial[d] for d in deps}))

    widgets = [c.widget() for c in controls]
    callback = CustomJS(args=dict(controls=widgets, sources=dict(sources), divs={n: d[0] for n, d in divs.items()},
                                  spec_json=json.dumps(spec, separators=(",", ":"), ensure_ascii=False), uid=uuid.uuid4().hex),
                        code=_CALLBACK)
    for c, w in zip(controls, widgets):
        w.js_on_change("active" if c.kind in ("radio", "checkbox") else "value", callback)
    rows = [row(*widgets[i:i + 3], css_classes=["cnnbook-controls"]) for i in range(0, len(widgets), 3)]
    layout = column(*rows, plots, css_classes=["cnnbook-interactive"])
    return InteractiveFigure(layout, spec, list(controls), widgets, title)
