import dataclasses
import math

import numpy as np
import pytest

from gan_core.config import LIVE_FIELDS, TrainConfig, format_rate


@pytest.mark.parametrize(
    "changes, field, phrase",
    [
        ({"lr_g": 0}, "lr_g", "(0, 1]"),
        ({"lr_d": -1e-3}, "lr_d", "(0, 1]"),
        ({"lr_g": math.nan}, "lr_g", "finite"),
        ({"lr_g": math.inf}, "lr_g", "finite"),
        ({"lr_g": 5.0}, "lr_g", "(0, 1]"),
        ({"lr_g": "fast"}, "lr_g", "must be a number"),
        ({"batch_size": 0}, "batch_size", "between 1 and 4096"),
        ({"batch_size": 10**7}, "batch_size", "between 1 and 4096"),
        ({"batch_size": 2.5}, "batch_size", "whole number"),
        ({"batch_size": "many"}, "batch_size", "whole number"),
        ({"d_steps": 0}, "d_steps", "between 1 and 20"),
        ({"noise_dim": 0}, "noise_dim", "between 1 and 256"),
        ({"r1_every": 0}, "r1_every", "between 1 and 64"),
        ({"r1_every": 65}, "r1_every", "between 1 and 64"),
        ({"r1_every": 1.5}, "r1_every", "whole number"),
        ({"loss": "magic"}, "loss", "one of"),
        ({"dataset": "cats"}, "dataset", "one of"),
        ({"activation": "sigmoidish"}, "activation", "one of"),
        ({"model": "dcgan"}, "model", "image dataset"),
        ({"beta1": 1.5}, "beta1", "[0, 0.999]"),
        ({"minibatch_std": "maybe"}, "minibatch_std", "true or false"),
        ({"nonsense": 1}, "nonsense", "unknown setting"),
    ],
)
def test_invalid_values_raise_one_clear_error_naming_the_field(changes, field, phrase):
    cfg = TrainConfig()
    with pytest.raises(ValueError) as err:
        cfg.replace(**changes)
    assert field in str(err.value) and phrase in str(err.value)
    assert cfg == TrainConfig()  # nothing changed


def test_text_values_from_urls_are_coerced_and_validated():
    cfg = TrainConfig().replace(lr_g="0.0002", batch_size="64", minibatch_std="true")
    assert cfg.lr_g == 2e-4 and cfg.batch_size == 64 and cfg.minibatch_std is True
    assert TrainConfig().replace(batch_size=np.int64(32)).batch_size == 32


def test_config_is_frozen_and_round_trips():
    cfg = TrainConfig(dataset="digits", model="dcgan", noise_dim=16)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr_g = 1.0  # type: ignore[misc]
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_restart_fields_distinguish_live_changes_from_architecture_changes():
    a = TrainConfig()
    assert a.restart_fields(a.replace(lr_g=1e-4, batch_size=32)) == []
    assert set(a.restart_fields(a.replace(g_width=64, noise_dim=8))) == {"g_width", "noise_dim"}
    assert {"lr_g", "lr_d", "batch_size", "d_steps", "loss", "r1_weight", "r1_every"} <= LIVE_FIELDS


def test_learning_rates_are_written_with_the_digits_they_have():
    """A decayed rate of 2.5e-4 (grid25 after two halvings) is shown as such, not rounded to 3e-4;
    so is the lab's slow G (2.5e-5)."""
    assert [format_rate(x) for x in (1e-3, 2.5e-4, 2.5e-5, 2e-4, 5e-4)] == ["1e-3", "2.5e-4", "2.5e-5", "2e-4", "5e-4"]
