#!/usr/bin/env python3
"""The PyTorch half of scripts/bench-vs-pytorch.sh: the same Transformer-small as huiyan's
(d 256, 3+3 layers, 4 heads, ff 1024, post-norm, sinusoidal positions, shared and tied 8k
embeddings, label smoothing 0.1, Adam), timed the same way as tests/bench/translation_bench.cpp.

Written as a competent PyTorch user would for the CPU: one batched output projection over all
target positions in training, incremental decoding with key/value caches, cached cross-attention
keys/values computed once per batch, beam search on tensors (top-k over beam × vocab, index_select
to reorder the caches), no per-sentence Python loops. The eos embedding row is zeroed, as in the
C++ bench, so every sentence takes exactly --max-output decoder steps.

Prints one line of key=value pairs per measurement, like the C++ bench.
"""
import argparse
import contextlib
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))

    def split(self, x):  # [B, T, D] -> [B, H, T, d]
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).transpose(1, 2)

    def attend(self, q, k, v, mask):
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        b, h, t, d = out.shape
        return self.o(out.transpose(1, 2).reshape(b, t, h * d))

    def forward(self, x, memory, mask=None):
        return self.attend(self.split(self.q(x)), self.split(self.k(memory)),
                           self.split(self.v(memory)), mask)


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, ff, dropout):
        super().__init__()
        self.attn = Attention(dim, heads)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.ReLU(), nn.Linear(ff, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = self.norm1(x + self.drop(self.attn(x, x)))
        return self.norm2(x + self.drop(self.ff(x)))


class DecoderLayer(nn.Module):
    def __init__(self, dim, heads, ff, dropout):
        super().__init__()
        self.self_attn, self.cross = Attention(dim, heads), Attention(dim, heads)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.ReLU(), nn.Linear(ff, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, y, memory, causal):
        y = self.norm1(y + self.drop(self.self_attn(y, y, causal)))
        y = self.norm2(y + self.drop(self.cross(y, memory)))
        return self.norm3(y + self.drop(self.ff(y)))

    def step(self, y, cache, memory_kv):
        """One position y [B, 1, D]; cache = [keys, values] of earlier positions, extended."""
        a = self.self_attn
        q, k, v = a.split(a.q(y)), a.split(a.k(y)), a.split(a.v(y))
        cache[0] = k if cache[0] is None else torch.cat([cache[0], k], dim=2)
        cache[1] = v if cache[1] is None else torch.cat([cache[1], v], dim=2)
        y = self.norm1(y + a.attend(q, cache[0], cache[1], None))
        c = self.cross
        y = self.norm2(y + c.attend(c.split(c.q(y)), memory_kv[0], memory_kv[1], None))
        return self.norm3(y + self.ff(y))


def sinusoids(length, dim):
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)
    return table


class Transformer(nn.Module):
    def __init__(self, vocab=8000, dim=256, heads=4, layers=3, ff=1024, dropout=0.1):
        super().__init__()
        self.dim = dim
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        nn.init.normal_(self.embed.weight, 0, dim ** -0.5)
        self.register_buffer("positions", sinusoids(1024, dim))
        self.encoder = nn.ModuleList(EncoderLayer(dim, heads, ff, dropout) for _ in range(layers))
        self.decoder = nn.ModuleList(DecoderLayer(dim, heads, ff, dropout) for _ in range(layers))
        self.drop = nn.Dropout(dropout)

    def embed_at(self, ids, offset=0):
        x = self.embed(ids) * math.sqrt(self.dim)
        return self.drop(x + self.positions[offset:offset + ids.shape[1]])

    def encode(self, src):
        x = self.embed_at(src)
        for layer in self.encoder:
            x = layer(x)
        return x

    def forward(self, src, tgt_in):
        memory = self.encode(src)
        t = tgt_in.shape[1]
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        y = self.embed_at(tgt_in)
        for layer in self.decoder:
            y = layer(y, memory, causal)
        return y @ self.embed.weight.t()  # tied output, all positions at once

    def start(self, memory):
        kv = [(l.cross.split(l.cross.k(memory)), l.cross.split(l.cross.v(memory)))
              for l in self.decoder]
        return kv, [[None, None] for _ in self.decoder]

    def step(self, tokens, position, memory_kv, caches):
        y = self.embed_at(tokens[:, None], position)
        for layer, kv, cache in zip(self.decoder, memory_kv, caches):
            y = layer.step(y, cache, kv)
        return torch.log_softmax(y[:, 0] @ self.embed.weight.t(), dim=-1)


def sgemm_gflops():
    """The BLAS alone, into a preallocated output as huiyan's yardstick does: a fresh 6 MB output
    per product timed the allocator's first page faults too (126 instead of 190 GFLOP/s)."""
    a, b = torch.full((1536, 256), 0.5), torch.full((256, 1024), 0.25)
    c = torch.empty(1536, 1024)
    for _ in range(3):
        torch.matmul(a, b, out=c)
    start = time.perf_counter()
    for _ in range(50):
        torch.matmul(a, b, out=c)
    return 2 * 1536 * 256 * 1024 * 50 / (time.perf_counter() - start) * 1e-9


def precision(args):
    """bf16: PyTorch's own mixed precision on the CPU (autocast), as huiyan's --precision bf16."""
    if args.precision == "bf16":
        return torch.autocast(device_type="cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train(args):
    model = Transformer(args.vocab)
    model.train()
    adam = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-9)

    def step():
        src = torch.randint(4, args.vocab, (args.batch, args.src_len))
        tgt = torch.randint(4, args.vocab, (args.batch, args.tgt_len + 1))
        logits = model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, args.vocab), tgt[:, 1:].reshape(-1),
                               label_smoothing=0.1)
        adam.zero_grad(set_to_none=True)
        loss.backward()
        adam.step()

    with precision(args):
        for _ in range(3):
            step()
        seconds = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            seconds = min(seconds, time.perf_counter() - start)
    print(f"mode=train threads={args.threads} "
          f"target_tokens_per_s={args.batch * args.tgt_len * args.steps / seconds:.1f} "
          f"step_ms={1e3 * seconds / args.steps:.1f}", flush=True)


@torch.no_grad()
def decode(args, beam):
    model = Transformer(args.vocab)
    model.eval()
    model.embed.weight[3].zero_()  # eos: logit 0, never among the best

    def run(sentences):
        tokens = 0
        for start in range(0, sentences, args.batch):
            batch = min(args.batch, sentences - start)
            memory = model.encode(torch.randint(4, args.vocab, (batch, args.src_len)))
            memory = memory.repeat_interleave(beam, dim=0)  # rows sentence-major, beam each
            memory_kv, caches = model.start(memory)
            last = torch.full((batch * beam,), 2, dtype=torch.long)  # bos
            scores = torch.zeros(batch, beam)
            scores[:, 1:] = float("-inf")  # one live hypothesis to start
            for position in range(args.max_output):
                log_probs = model.step(last, position, memory_kv, caches)  # [B·k, V]
                vocab = log_probs.shape[1]
                total = (scores.reshape(-1, 1) + log_probs).view(batch, beam * vocab)
                scores, best = total.topk(beam, dim=1)
                parents = best // vocab + torch.arange(batch)[:, None] * beam
                last = (best % vocab).reshape(-1)
                if beam == 1:
                    continue  # each row is its own parent: no cache to reorder
                parents = parents.reshape(-1)
                for cache in caches:
                    cache[0] = cache[0].index_select(0, parents)
                    cache[1] = cache[1].index_select(0, parents)
            tokens += batch * args.max_output
        return tokens

    with precision(args):
        run(args.batch)
        seconds = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            tokens = run(args.sentences)
            seconds = min(seconds, time.perf_counter() - start)
    print(f"mode={'greedy' if beam == 1 else 'beam'} threads={args.threads} "
          f"output_tokens_per_s={tokens / seconds:.1f} tokens={tokens}", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="train", choices=["train", "greedy", "beam"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--src-len", type=int, default=24)
    p.add_argument("--tgt-len", type=int, default=24)
    p.add_argument("--vocab", type=int, default=8000)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--sentences", type=int, default=256)
    p.add_argument("--max-output", type=int, default=24)
    p.add_argument("--precision", default="f32", choices=["f32", "bf16"])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    print(f"mode=sgemm threads={args.threads} gflops={sgemm_gflops():.1f}", flush=True)
    if args.mode == "train":
        train(args)
    else:
        decode(args, 1 if args.mode == "greedy" else args.beam)


if __name__ == "__main__":
    main()
