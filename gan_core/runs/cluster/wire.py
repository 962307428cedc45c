"""Snapshots on the wire: what a run's actor sends the Streamlit server, and how it is rebuilt.

A page refreshes twice a second; sending the whole `Snapshot` each time would cost ~0.5 MB per
refresh (the loss history alone is 2,048 rows x 13 float64). So the server says what it already
has and the actor sends only what changed:

- nothing at all when the version is the one the server has;
- the loss and metric histories as the rows appended since the server's copy (the server sends
  its row count and a CRC of its rows; a decimation or a reset changes them, then all rows go);
- the data-only views (real points, bounds) once per build of the run (a reset makes a new one);
- timeline frames the server does not hold yet (a frame that is the current sample grid is not
  sent twice);
- 2D points, D's map, arrows, G's manifold and 1D curves as float16 (relative error below
  0.05 %, well under a pixel of any chart here); image grids as 8-bit PNG made in the actor,
  exactly the bytes the page would have drawn (the page draws 8-bit PNGs: `imaging` rounds the
  same way), decoded back to floats on the server so pages see the arrays they always saw.

Histories, metrics, counters and scalars travel exactly. Everything here is plain numpy/PIL:
no Ray, so the round trip is tested without a cluster.
"""

from __future__ import annotations

import io
import pickle
import time
import zlib
from dataclasses import fields, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from PIL import Image

from gan_core.runs.snapshot import Snapshot, read_only

# Float arrays with at least this many values travel as float16; smaller ones (axes, scalars in
# arrays, bounds) are not worth the precision. float16 holds up to 65,504: a diverged G's huge
# points go as float32 instead of becoming inf.
HALF_MIN_SIZE = 256
HALF_MAX_ABS = 6.0e4

# Everything else in a Snapshot is small and travels as it is (a field added later travels too).
BUILT_HERE = ("run_id", "version", "history", "metric_history", "samples", "views", "timeline", "created")
SCALAR_FIELDS = tuple(f.name for f in fields(Snapshot) if f.name not in BUILT_HERE)


# --- arrays -------------------------------------------------------------------------------------
def to_uint8(images: np.ndarray) -> np.ndarray:
    """[0, 1] floats -> uint8 exactly as `imaging` draws them (round half up)."""
    return (np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _png(images: np.ndarray) -> tuple[str, bytes, tuple[int, ...]]:
    """(n, H, W) images in [0, 1] as one lossless 8-bit PNG strip (n*H rows)."""
    shape = tuple(int(s) for s in images.shape)
    strip = to_uint8(images).reshape(-1, shape[-1])
    buffer = io.BytesIO()
    Image.fromarray(strip, mode="L").save(buffer, format="PNG", compress_level=1)
    return ("png", buffer.getvalue(), shape)


def _unpng(blob: bytes, shape: tuple[int, ...]) -> np.ndarray:
    strip = np.asarray(Image.open(io.BytesIO(blob)).convert("L"), dtype=np.float32)
    return (strip / 255.0).reshape(shape)


def encode_array(value: Any, images: bool = False) -> Any:
    """An array as it travels: PNG for image stacks, float16 for big float arrays, else as is."""
    if not isinstance(value, np.ndarray):
        return value
    if images and value.ndim == 3 and np.issubdtype(value.dtype, np.floating):
        return _png(value)
    if (
        np.issubdtype(value.dtype, np.floating)
        and value.size >= HALF_MIN_SIZE
        and np.all(np.abs(value) <= HALF_MAX_ABS)  # also False for NaN/inf: those travel as float32
    ):
        return ("f16", value.astype(np.float16), str(value.dtype))
    return value


def decode_array(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 3 and value[0] in ("png", "f16"):
        if value[0] == "png":
            return _unpng(value[1], value[2])
        return value[1].astype(np.float32 if value[2] == "float16" else value[2])
    return value


def _encode_tree(value: Any, images: bool) -> Any:
    if isinstance(value, (dict, MappingProxyType)):
        return {k: _encode_tree(v, images) for k, v in value.items()}
    return encode_array(value, images)


def _decode_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _decode_tree(v) for k, v in value.items()}
    return decode_array(value)


def _rows(history: dict[str, np.ndarray]) -> tuple[tuple[str, ...], np.ndarray]:
    names = tuple(history)
    if not names:
        return names, np.zeros((0, 0))
    return names, np.stack([np.asarray(history[n], dtype=np.float64) for n in names], 1)


def _crc(rows: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(rows).tobytes())


def _history_delta(history: dict[str, np.ndarray], have: tuple[int, int] | None) -> dict[str, Any]:
    names, rows = _rows(history)
    start = 0
    if have is not None:
        n, crc = have
        if 0 < n <= rows.shape[0] and _crc(rows[:n]) == crc:
            start = n
    return {"names": names, "from": start, "rows": rows[start:]}


# --- actor side ---------------------------------------------------------------------------------
def encode(snap: Snapshot, have: dict[str, Any], build: int, static_keys: frozenset[str], extra: dict) -> bytes | None:
    """The bytes that bring a server holding `have` (SnapshotDecoder.have()) up to `snap`, or
    None when it already has this version. `build` changes whenever the run is rebuilt (its
    data-only views `static_keys` then travel again); `extra` rides along (e.g. the actor's
    memory)."""
    if have.get("version") == snap.version and have.get("build") == build:
        return None
    images = snap.data_kind == "image"
    views = dict(snap.views)
    static = {k: views.pop(k) for k in static_keys if k in views}
    held_steps = set(have.get("timeline", ()))
    frames = {}
    for step, frame in snap.timeline:
        if step not in held_steps:
            frames[step] = None if frame is snap.samples else encode_array(frame, images)
    payload = {
        "version": snap.version,
        "build": build,
        "fields": {name: getattr(snap, name) for name in SCALAR_FIELDS},
        "static": _encode_tree(static, images) if have.get("build") != build else None,
        "history": _history_delta(snap.history, have.get("history")),
        "metric_history": _history_delta(snap.metric_history, have.get("metric_history")),
        "samples": encode_array(snap.samples, images),
        "views": _encode_tree(views, images),
        "timeline": {"steps": [step for step, _ in snap.timeline], "frames": frames},
        "extra": extra,
    }
    return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)


# --- server side --------------------------------------------------------------------------------
class SnapshotDecoder:
    """The server's copy of one actor's run: what it has (for the next request) and the
    Snapshot pages read, rebuilt from each reply."""

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        """Hold nothing (a new actor: its versions start again at 1)."""
        self.version: int | None = None
        self.build: int | None = None
        self.static: dict[str, Any] = {}
        self.history: tuple[tuple[str, ...], np.ndarray] = ((), np.zeros((0, 0)))
        self.metric_history: tuple[tuple[str, ...], np.ndarray] = ((), np.zeros((0, 0)))
        self.frames: dict[int, np.ndarray] = {}
        self.extra: dict[str, Any] = {}

    def have(self) -> dict[str, Any]:
        def rows(h: tuple[tuple[str, ...], np.ndarray]) -> tuple[int, int] | None:
            return (h[1].shape[0], _crc(h[1])) if h[1].shape[0] else None

        return {
            "version": self.version,
            "build": self.build,
            "history": rows(self.history),
            "metric_history": rows(self.metric_history),
            "timeline": tuple(self.frames),
        }

    @staticmethod
    def _merge(held: tuple[tuple[str, ...], np.ndarray], delta: dict[str, Any]) -> tuple[tuple[str, ...], np.ndarray]:
        names, new = tuple(delta["names"]), np.asarray(delta["rows"], dtype=np.float64)
        start = int(delta["from"])
        if start == 0:
            return names, new.copy()
        return names, np.concatenate([held[1][:start], new.reshape(-1, held[1].shape[1])])

    @staticmethod
    def _columns(held: tuple[tuple[str, ...], np.ndarray]) -> dict[str, np.ndarray]:
        names, rows = held
        data = rows.copy()
        return {n: data[:, i] for i, n in enumerate(names)}

    def apply(self, blob: bytes, run_id: int, version: int) -> Snapshot:
        """Rebuild the Snapshot from one reply; `run_id` and `version` are the server's (an
        actor started again counts its versions from 1, pages must never see them go back)."""
        payload = pickle.loads(blob)
        if payload["static"] is not None or payload["build"] != self.build:
            self.static = _decode_tree(payload["static"] or {})
            self.frames = {}
        self.build = payload["build"]
        self.version = payload["version"]
        self.history = self._merge(self.history, payload["history"])
        self.metric_history = self._merge(self.metric_history, payload["metric_history"])
        samples = decode_array(payload["samples"])
        steps = payload["timeline"]["steps"]
        for step, frame in payload["timeline"]["frames"].items():
            self.frames[step] = samples if frame is None else decode_array(frame)
        self.frames = {s: self.frames[s] for s in steps if s in self.frames}
        self.extra = payload.get("extra") or {}
        views = {**self.static, **_decode_tree(payload["views"])}
        return Snapshot(
            run_id=run_id,
            version=version,
            history=read_only(self._columns(self.history)),
            metric_history=read_only(self._columns(self.metric_history)),
            samples=read_only(samples),
            views=MappingProxyType(read_only(views)),
            timeline=tuple((s, read_only(self.frames[s])) for s in steps if s in self.frames),
            created=time.monotonic(),
            **payload["fields"],
        )


def with_notice(snap: Snapshot, version: int, **changes: Any) -> Snapshot:
    """The same picture with another status line (queued, reconnecting, lost...)."""
    return replace(snap, version=version, created=time.monotonic(), **changes)
