"""Train the reference digits classifier and write assets/digits_classifier.pt.

    python scripts/train_reference_classifier.py [--epochs 40] [--seed 0] [--out PATH]

Deterministic: fixed seed, one CPU thread, deterministic algorithms, the stratified split of
`gan_core.classifier.held_out_split`. Prints the accuracy on the held-out 20 %, which is never
trained on (shipped weights: 0.9916 on 359 digits). Besides the digits (shifted by up to a
pixel) the net sees random non-digits with a uniform target, so that the noise of an untrained
generator scores low confidence instead of a confident "8". Only the state_dict is saved, so
loading needs no pickled code (`torch.load(..., weights_only=True)`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gan_core.classifier import WEIGHTS_FILE, DigitsNet, held_out_split, to_model_input
from gan_core.data.images import assets_dir, load_digits_arrays

OUTLIER_WEIGHT = 0.5


def shift_batch(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Move each image by up to one pixel: GAN samples are rarely centred exactly like the data."""
    padded = nn.functional.pad(x, (1, 1, 1, 1), value=-1.0)
    offsets = torch.randint(0, 3, (x.shape[0], 2), generator=generator)
    return torch.stack([padded[i, :, dy : dy + 8, dx : dx + 8] for i, (dy, dx) in enumerate(offsets.tolist())])


def not_digits(n: int, generator: torch.Generator) -> torch.Tensor:
    """Images that are no digit at all: noise, smooth blobs, flat grey, as an untrained G draws."""
    noise = torch.rand(n, 1, 8, 8, generator=generator) * 2 - 1
    blobs = nn.functional.avg_pool2d(noise, 3, 1, 1)
    blobs = blobs / blobs.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)
    flat = torch.rand(n, 1, 1, 1, generator=generator).expand(n, 1, 8, 8) * 2 - 1
    gauss = (torch.randn(n, 1, 8, 8, generator=generator) * 0.7).clamp(-1, 1)
    pool = torch.cat([noise, blobs, flat, gauss])
    return pool[torch.randperm(len(pool), generator=generator)[:n]]


def train(epochs: int = 40, seed: int = 0) -> tuple[DigitsNet, float]:
    """Return the trained network and its accuracy on the held-out split."""
    images, labels = load_digits_arrays()
    x, y = to_model_input(images), torch.as_tensor(labels, dtype=torch.long)
    train_idx, test_idx = (torch.as_tensor(i) for i in held_out_split(labels, seed=seed))
    with torch.random.fork_rng():  # seed the initial weights without touching the caller's RNG
        torch.manual_seed(seed)
        net = DigitsNet()
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        order = train_idx[torch.randperm(len(train_idx), generator=generator)]
        for batch in order.split(64):
            optimizer.zero_grad()
            loss = loss_fn(net(shift_batch(x[batch], generator)), y[batch])
            # Outlier exposure: push non-digits towards the uniform prediction, so an untrained
            # generator's noise scores low confidence and covers no class.
            outlier_logits = net(not_digits(len(batch) // 2, generator))
            loss = loss - OUTLIER_WEIGHT * outlier_logits.log_softmax(dim=1).mean()
            loss.backward()
            optimizer.step()
    net.eval()
    with torch.no_grad():
        accuracy = (net(x[test_idx]).argmax(1) == y[test_idx]).float().mean().item()
    return net, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=assets_dir() / WEIGHTS_FILE)
    args = parser.parse_args()
    # Float sums on several threads can round differently; one thread makes the file reproducible.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    net, accuracy = train(args.epochs, args.seed)
    torch.save(net.state_dict(), args.out)
    n_test = len(held_out_split(load_digits_arrays()[1], seed=args.seed)[1])
    print(f"held-out accuracy: {accuracy:.4f} on {n_test} digits; wrote {args.out}")


if __name__ == "__main__":
    main()
