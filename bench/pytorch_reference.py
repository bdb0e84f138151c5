#!/usr/bin/env python3
"""The PyTorch twin of lesson 11's reference network, for comparing speed.

Optional: PyTorch and numpy are never needed by the course, its tests or CI.
It trains the network `cargo run --release --bin lesson_11_train_cnn -- --bench`
trains, on the same data, split and batches, and prints the time of each
round and the held-out accuracy:

    python3 bench/pytorch_reference.py --threads 2
    python3 bench/pytorch_reference.py --threads 1

The same as lesson 11's reference run:
- data: data/digits.csv.gz (1,797 images of 8x8, pixels 0..16 unscaled,
  label last), 40% held out as ML-From-Scratch's train_test_split does it:
  np.random.RandomState(1).permutation(n), the last n // (1 / 0.4) images
  of that order held out (1,079 train, 718 test);
- network: Conv2d 16 of 3x3 'same', ReLU, Dropout 0.25, BatchNorm2d;
  Conv2d 32 of 3x3 'same', ReLU, Dropout 0.25, BatchNorm2d; Flatten;
  Linear 2048 -> 256, ReLU, Dropout 0.4, BatchNorm1d; Linear 256 -> 10;
  softmax with cross entropy. Batch norm per channel with the source's eps
  0.01 and running averages kept at 0.99 (PyTorch's momentum 0.01);
- Adam, learning rate 0.001 (b1 0.9, b2 0.999, eps 1e-8);
- 50 epochs of batches of 256 in a new random order each epoch, float32,
  and the held-out loss and accuracy evaluated at each epoch's end (inside
  the timed loop, as lesson 11 does).
The weights start from PyTorch's own initialisation and its own random
numbers, so accuracies agree to within a few images, not exactly.
"""

import argparse
import gzip
import os
import statistics
import time

import numpy as np
import torch
from torch import nn


def load_split(path, test_size=0.4, seed=1):
    """The digits, split as lesson 11 (and ML-From-Scratch) split them."""
    with gzip.open(path, "rt") as f:
        rows = np.loadtxt(f, delimiter=",")
    x = rows[:, :-1].reshape(-1, 1, 8, 8).astype(np.float32)
    y = rows[:, -1].astype(np.int64)
    n = len(y)
    order = np.random.RandomState(seed).permutation(n)
    split = n - int(n // (1 / test_size))
    train, test = order[:split], order[split:]
    return (torch.from_numpy(x[train]), torch.from_numpy(y[train])), (
        torch.from_numpy(x[test]),
        torch.from_numpy(y[test]),
    )


def reference_network(size=8):
    bn = dict(eps=0.01, momentum=0.01)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Dropout(0.25),
        nn.BatchNorm2d(16, **bn),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.Dropout(0.25),
        nn.BatchNorm2d(32, **bn),
        nn.Flatten(),
        nn.Linear(32 * size * size, 256),
        nn.ReLU(),
        nn.Dropout(0.4),
        nn.BatchNorm1d(256, **bn),
        nn.Linear(256, 10),
    )


def train(train_set, test_set, epochs, batch_size, seed):
    torch.manual_seed(seed)
    net = reference_network()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    (x, y), (xt, yt) = train_set, test_set
    n = len(y)
    accuracy = float("nan")
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        for batch in torch.randperm(n).split(batch_size):
            optimizer.zero_grad()
            loss = loss_fn(net(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        net.eval()
        with torch.no_grad():
            logits = net(xt)
            loss_fn(logits, yt).item()
            accuracy = (logits.argmax(1) == yt).float().mean().item()
    return time.perf_counter() - start, accuracy


def mnist_epoch():
    """One epoch at MNIST's size, random pixels: only the time matters."""
    generator = torch.Generator().manual_seed(1)
    x = 16 * torch.rand(60_000, 1, 28, 28, generator=generator)
    y = torch.arange(60_000) % 10
    xt = 16 * torch.rand(10_000, 1, 28, 28, generator=generator)
    yt = torch.arange(10_000) % 10
    torch.manual_seed(1)
    net = reference_network(28)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    net.train()
    for batch in torch.randperm(60_000).split(256):
        optimizer.zero_grad()
        loss_fn(net(x[batch]), y[batch]).backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        for part in range(0, 10_000, 256):
            net(xt[part : part + 256])
    threads = torch.get_num_threads()
    print(f"one epoch at MNIST's size: {time.perf_counter() - start:.1f} s ({threads} thread{'s' if threads != 1 else ''})")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="training runs to time (default 3)")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--data", default=os.path.join(here, "..", "data", "digits.csv.gz"))
    parser.add_argument(
        "--mnist-size",
        action="store_true",
        help="one epoch of 60,000 random 28x28 images and 10,000 held out (the twin of "
        "cargo run --release -p cnn-walkthrough-benches --bin mnist_epoch)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if args.mnist_size:
        mnist_epoch()
        return
    train_set, test_set = load_split(args.data)
    times = []
    for k in range(1, args.rounds + 1):
        seconds, accuracy = train(train_set, test_set, args.epochs, args.batch_size, seed=k)
        times.append(seconds)
        print(f"round {k}: {seconds:.2f} s for {args.epochs} epochs, held-out accuracy {accuracy:.4f}")
    print(
        f"median {statistics.median(times):.2f} s (PyTorch {torch.__version__}, "
        f"{args.threads} thread{'s' if args.threads != 1 else ''}, float32)"
    )


if __name__ == "__main__":
    main()
