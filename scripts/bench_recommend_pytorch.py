#!/usr/bin/env python3
"""The PyTorch half of scripts/bench-recommend.sh: the same SASRec as huiyan's (items 1,682,
d 50, 2 blocks, 1 head, n 200, pre-norm blocks, causal attention with padding masked, shared item
embedding) with random weights, scoring every item for batches of histories and keeping the 10
best unseen ones, timed like tests/bench/recommend_bench.cpp with the same history lengths.

Written as a competent PyTorch user would: inference mode, left-padded batches as tensors, one
matmul against the item table per batch, seen items masked with scatter, torch.topk. Prints one
line of key=value pairs.
"""
import argparse
import time

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, x, causal, padding):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, key_padding_mask=padding, need_weights=False)[0]
        return x + self.ff(self.norm2(x))


class SasRec(nn.Module):
    def __init__(self, items, dim, blocks, heads, n):
        super().__init__()
        self.n = n
        self.items = nn.Embedding(items + 1, dim, padding_idx=0)
        self.positions = nn.Embedding(n, dim)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(blocks))
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids):  # [B, T], left-padded
        t = ids.shape[1]
        keep = (ids != 0).unsqueeze(-1).float()
        x = (self.items(ids) + self.positions.weight[self.n - t:]) * keep
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        padding = ids == 0
        for block in self.blocks:
            x = block(x, causal, padding) * keep
        return self.norm(x[:, -1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--users", type=int, default=4096)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = SasRec(1682, 50, 2, 1, 200).eval()
    g = torch.Generator().manual_seed(7)
    histories = [torch.randint(1, 1683, (20 + (37 * i) % 181,), generator=g) for i in range(a.users)]
    batches = []
    for begin in range(0, a.users, a.batch):
        part = histories[begin:begin + a.batch]
        t = max(len(h) for h in part)
        ids = torch.zeros(len(part), t, dtype=torch.long)
        for row, h in enumerate(part):
            ids[row, t - len(h):] = h
        batches.append(ids)

    def run():
        with torch.inference_mode():
            for ids in batches:
                scores = model(ids) @ model.items.weight.T
                scores.scatter_(1, ids, float("-inf"))  # seen items and padding (id 0)
                torch.topk(scores, 10, dim=1)

    run()
    start = time.perf_counter()
    for _ in range(a.repeats):
        run()
    seconds = time.perf_counter() - start
    print(f"mode=recommend threads={a.threads} users={a.users} batch={a.batch} "
          f"users_per_s={a.users * a.repeats / seconds:.1f}")


if __name__ == "__main__":
    main()
