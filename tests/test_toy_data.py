"""Toy datasets: the mixtures the papers use (with distinct centres), the point clouds, and
user points scaled to the same range so the same networks fit them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.data.toy import MAX_POINTS, TOY_BUILDERS, grid25, moons, points_dataset, ring8, ring_centers, spiral


def _sample(ds, n=4000, seed=0):
    return ds.sample(n, torch.Generator().manual_seed(seed)).numpy()


def test_ring8_is_eight_distinct_centres_on_radius_two():
    c = ring_centers(8, 2.0)
    assert len(np.unique(np.round(c, 6), axis=0)) == 8  # linspace(0, 2π, 8) would give 7
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 2.0, rtol=1e-6)
    ds = ring8()
    assert ds.mixture.std == pytest.approx(0.02)


def test_grid25_centres_and_samples_stay_close_to_them():
    ds = grid25()
    assert sorted({tuple(p) for p in ds.mixture.centers.tolist()}) == [
        (float(x), float(y)) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)
    ]
    x = _sample(ds)
    d = np.linalg.norm(x[:, None, :] - ds.mixture.centers[None], axis=2).min(1)
    assert d.max() < 6 * 0.05  # std 0.05: nothing strays beyond 6 std in 4,000 draws
    counts = np.bincount(np.linalg.norm(x[:, None, :] - ds.mixture.centers[None], axis=2).argmin(1), minlength=25)
    assert counts.min() > 100  # every mode gets its share (160 expected)


def test_sampling_uses_the_callers_generator_only():
    ds = ring8()
    a, b = _sample(ds, seed=3), _sample(ds, seed=3)
    torch.manual_seed(123)  # the global RNG must not matter
    c = _sample(ds, seed=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, _sample(ds, seed=4))


@pytest.mark.parametrize("build", [spiral, moons])
def test_point_clouds_are_finite_and_on_the_toy_scale(build):
    ds = build()
    x = ds.data.numpy()
    assert x.shape == (4000, 2) and np.isfinite(x).all()
    assert 1.5 < np.abs(x).max() < 4.5


def test_moons_are_two_interleaving_halves():
    x = moons(n=2000, seed=1).data.numpy()
    upper, lower = x[:1000], x[1000:]
    assert upper[:, 1].mean() > lower[:, 1].mean() + 0.5  # one arc above the other
    assert upper[:, 0].mean() < lower[:, 0].mean() - 0.5  # and shifted sideways


def test_spiral_winds_outwards():
    x = spiral(n=4000, seed=0).data.numpy()
    r = np.linalg.norm(x, axis=1)
    assert r.min() < 1.0 and r.max() > 3.0


def test_user_points_are_standardised_and_remember_their_scale():
    pts = np.random.default_rng(0).normal([100.0, -50.0], [10.0, 5.0], size=(300, 2))
    ds = points_dataset(pts, name="class")
    x = ds.data.numpy()
    assert abs(x.mean(0)).max() < 1e-4 and np.abs(x).max() == pytest.approx(3.0, rel=1e-5)
    centre, scale = ds.extra["scale"]
    np.testing.assert_allclose(np.asarray(centre) + x * scale, pts, rtol=1e-4)


@pytest.mark.parametrize(
    "points, message",
    [
        (np.zeros((10, 3)), "exactly 2 columns"),
        (np.array([[0.0, np.nan]] * 10), "NaN or infinite"),
        (np.ones((3, 2)), "at least"),
        (np.ones((20, 2)), "identical"),
        (np.zeros((MAX_POINTS + 1, 2)), "too many points"),
    ],
)
def test_bad_user_points_are_refused_with_a_reason(points, message):
    with pytest.raises(ValueError, match=message):
        points_dataset(points)


def test_every_builtin_toy_set_builds_and_samples():
    for name, build in TOY_BUILDERS.items():
        ds = build()
        x = _sample(ds, n=64)
        assert x.shape == (64, *ds.shape) and np.isfinite(x).all(), name


# --- CSV uploads of points: every bad file is refused with a reason (the page shows it) -------
MILLION_ROWS = ("0.5,0.25\n" * 1_000_000).encode()
BAD_CSVS = [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"x,y\n", "no x,y rows"),
    (b"x,y\n1,2\n3,oops\n", "line 3: not numbers"),
    (b"1,2\n3,4,5\n", "line 2: expected 2 columns"),
    (b"1\n2\n", "line 1: expected 2 columns"),
    (b"1,2\nnan,4\n", "line 2: NaN or infinite"),
    (b"1,2\n3,inf\n", "line 2: NaN or infinite"),
    (b"\xff\xfe1,2\n", "not UTF-8"),
    (MILLION_ROWS, "too many points"),
    (b"0" * 10_000_001, "file too large"),
]


@pytest.mark.parametrize("data, message", BAD_CSVS, ids=[m for _, m in BAD_CSVS])
def test_bad_csv_files_are_refused_with_the_reason(data, message):
    from gan_core.data.toy import parse_points_csv

    with pytest.raises(ValueError, match=message):
        parse_points_csv(data)


def test_a_good_csv_with_a_header_blank_lines_and_spaces_parses():
    from gan_core.data.toy import parse_points_csv

    pts = parse_points_csv(b"\xef\xbb\xbfx, y\n1, 2\n\n 3 ,4\n-1e-3,5E2\n")  # with a UTF-8 BOM
    np.testing.assert_allclose(pts, [[1, 2], [3, 4], [-1e-3, 500]])
