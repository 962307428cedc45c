import json

import numpy as np
import pytest

from gan_core.cli import main


def test_presets_lists_every_preset(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "ring8-collapse" in out and "digits" in out


@pytest.mark.parametrize("preset, shape", [("ring8", (10_000, 2)), ("gauss1d", (10_000, 1)), ("digits", (1_000, 8, 8))])
def test_train_writes_all_outputs(tmp_path, capsys, preset, shape):
    out = tmp_path / preset
    assert main(["train", "--preset", preset, "--steps", "30", "--seed", "3", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 30 and summary["config"]["seed"] == 3 and summary["steps_per_sec"] > 0
    samples = np.load(out / "samples.npy")
    assert samples.shape == shape
    if len(shape) == 3:
        assert samples.min() >= 0 and samples.max() <= 1
    rows = (out / "metrics.csv").read_text().strip().splitlines()
    assert rows[0].startswith("step,loss_d,loss_g") and len(rows) == 1 + 3
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "[" in capsys.readouterr().err  # progress bar on stderr


def test_bad_arguments_give_a_clear_error(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--preset", "nope"])
    assert "unknown preset" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--preset", "ring8", "--set", "lr_g=-1"])
    assert "lr_g" in capsys.readouterr().err


def test_plain_trains_without_the_speed_tricks_and_leaves_them_on_afterwards(tmp_path, monkeypatch, capsys):
    from gan_core import fast
    from gan_core.trainer import Trainer

    seen = []
    step = Trainer.step
    monkeypatch.setattr(Trainer, "step", lambda self: (seen.append(fast.enabled()), step(self))[1])
    assert main(["train", "--preset", "ring8", "--steps", "3", "--plain", "--quiet", "--out", str(tmp_path)]) == 0
    assert seen and not any(seen)
    assert fast.enabled()
