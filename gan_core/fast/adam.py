"""Adam, fast: the fused kernel, stepped without `Optimizer.step`'s Python bookkeeping.

Plain path: `torch.optim.Adam(...)` (its default multi-tensor implementation) and `opt.step()`.

Fast path: `Adam(fused=True)`, PyTorch's own fused kernel, and `FusedAdamStep`: `Optimizer.step`
re-walks its param groups, re-collects the state tensors into lists and regroups them by device on
every call; with 6 parameters and a step of ~4 ms that is ~5 % of a ring8 step, twice. Here the
lists are collected once (after the optimizer's own first step has created its state) and each step
makes the same two calls the fused Adam makes: advance the step counters, then `torch._fused_adam_`
on the optimizer's own state tensors, with the param group's current lr and betas (so a live slider
still takes effect and `state_dict()` stays the optimizer's). Anything unusual (no fused kernel,
several groups, amsgrad, a missing gradient, state replaced by `load_state_dict`, an error) falls
back to `opt.step()`. tests/test_fast.py checks it matches `opt.step()` exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from gan_core import fast


def adam(params: Iterable[torch.Tensor], lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    """Adam with the fused kernel when the speed tricks are on and this build has one."""
    params = list(params)
    if fast.enabled():
        try:
            return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
        except (RuntimeError, TypeError, ValueError):  # an older build or an unsupported device
            pass
    return torch.optim.Adam(params, lr=lr, betas=betas)


class FusedAdamStep:
    """`opt.step()` for a fused Adam without ~100 us of Python per call (see the module docstring).
    Any other optimizer, or the speed tricks off, is stepped by `opt.step()`."""

    def __init__(self, opt: torch.optim.Optimizer) -> None:
        self.opt = opt
        self.lists: tuple[list[torch.Tensor], ...] | None = None
        group = opt.param_groups[0] if len(opt.param_groups) == 1 else {}
        self.usable = (
            isinstance(opt, torch.optim.Adam)
            and hasattr(torch, "_fused_adam_")
            and bool(group.get("fused"))
            and not group.get("amsgrad")
            and not group.get("maximize")
            and not group.get("differentiable")
            and not group.get("capturable")
        )

    def _collect(self) -> tuple[list[torch.Tensor], ...] | None:
        params = self.opt.param_groups[0]["params"]
        try:
            states = [self.opt.state[p] for p in params]
            return (
                params,
                [s["exp_avg"] for s in states],
                [s["exp_avg_sq"] for s in states],
                [s["step"] for s in states],
            )
        except KeyError:
            return None

    def __call__(self) -> None:
        if not fast.enabled():
            self.opt.step()
            return
        lists = self.lists
        if not self.usable or lists is None or self.opt.state[lists[0][0]].get("exp_avg") is not lists[1][0]:
            self.opt.step()  # the first step creates the state; a loaded state dict replaces it
            self.lists = self._collect() if self.usable else None
            return
        params, exp_avgs, exp_avg_sqs, steps = lists
        grads = [p.grad for p in params]
        if any(g is None for g in grads):
            self.opt.step()
            return
        group = self.opt.param_groups[0]
        beta1, beta2 = group["betas"]
        with torch.no_grad():  # as Optimizer.step: in-place updates of leaves that require grad
            try:
                torch._foreach_add_(steps, 1)
                torch._fused_adam_(
                    params,
                    grads,
                    exp_avgs,
                    exp_avg_sqs,
                    [],
                    steps,
                    lr=float(group["lr"]),
                    beta1=beta1,
                    beta2=beta2,
                    weight_decay=group["weight_decay"],
                    eps=group["eps"],
                    amsgrad=False,
                    maximize=False,
                )
            except (RuntimeError, TypeError):  # another torch's kernel signature: the public path
                torch._foreach_add_(steps, -1)
                self.usable = False
                self.opt.step()
