"""A figure dict as the JSON text a live chart sends to the browser, fast.

Plain path: `plotly.io.to_json(fig, validate=False)`, what `st.plotly_chart` sends too. Without orjson
(not a dependency) it runs plotly's pure-Python encoder three times over the figure (encode, decode
to turn NaN into null, encode again) and writes every number of every array as decimal text. Fast
path: numpy arrays become plotly.js typed arrays (`{"dtype": "f4", "bdata": <base64>}`, the form
plotly.py's own figures take since plotly 6), the rest goes through the json module's C encoder
once, and NaN/inf outside arrays become null as in the plain path. Profiled on the 2-core host
(issue 26), the plain encoder held the interpreter lock for ~80 % of the page's script-run time; the
2D playground's field chart alone took 8.4 ms and 149 KiB a refresh.

The browser gets the same figure: plotly.js decodes a typed array into the same numbers
(tests/test_figure_json.py decodes both texts and compares). An array holding NaN or inf is sent
as a list with null there, as the plain path does, so a line breaks at a gap exactly as before.
`GAN_EXPLAINER_PLAIN=1` sends the plain path's text.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

from gan_core import fast

# numpy dtype -> plotly.js typed-array name (plotly.js has no 64-bit integers: those are narrowed
# where their values fit, as plotly.py does).
TYPED = {
    "float64": "f8",
    "float32": "f4",
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
}
# Attributes plotly.js reads as plain lists, never as typed arrays (plotly.py skips the same ones).
LIST_ONLY = frozenset({"geojson", "layer", "layers", "range"})


def _array(value: np.ndarray, as_list: bool) -> Any:
    if value.dtype.kind in "iu" and value.dtype.itemsize == 8 and value.size:
        lo, hi = int(value.min()), int(value.max())
        if np.iinfo(np.int32).min <= lo and hi <= np.iinfo(np.int32).max:
            value = value.astype(np.int32)
    name = TYPED.get(str(value.dtype))
    if name is None or as_list or value.size == 0 or (value.dtype.kind == "f" and not np.isfinite(value).all()):
        return _plain(value.tolist())
    spec = {"dtype": name, "bdata": base64.b64encode(np.ascontiguousarray(value)).decode("ascii")}
    if value.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in value.shape)
    return spec


def _plain(value: Any) -> Any:
    """Lists and scalars as JSON takes them: NaN and inf as null (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _convert(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _convert(v, k) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_convert(v, key) for v in node]
    if isinstance(node, np.ndarray):
        return _array(node, as_list=key in LIST_ONLY)
    if isinstance(node, np.generic):
        return _plain(node.item())
    return _plain(node)


def figure_json(fig: dict) -> str:
    """The JSON text of a figure dict from figures/ (see the module docstring); `fig` is not changed."""
    if not fast.enabled():
        import plotly.io as pio

        return pio.to_json(fig, validate=False)
    return json.dumps(_convert(fig), separators=(",", ":"))
