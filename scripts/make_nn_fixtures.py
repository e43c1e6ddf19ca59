#!/usr/bin/python3
"""Golden values for the network core, computed by PyTorch (Debian's python3-torch).

Writes tests/data/nn/torch_fixtures.json: inputs, parameters, outputs and the gradients of
sum(w * output) for a fixed weighting w, in float64 then rounded to float32. tests/nn/
fixtures_test.cpp runs huiyan's ops on the same numbers and compares.

    apt-get install python3-torch python3-numpy && /usr/bin/python3 scripts/make_nn_fixtures.py
"""
import json
import os

import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)
fixtures = {}


def tensor(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().flatten().tolist()]}


def weighted_backward(out, inputs):
    """Gradients of sum(w * out) with w fixed by the seed, returned with w."""
    w = torch.rand_like(out) * 2 - 1
    grads = torch.autograd.grad((w * out).sum(), inputs)
    return w, grads


def leaf(*shape, scale=1.0):
    return ((torch.rand(*shape) * 2 - 1) * scale).requires_grad_()


# linear: y = x Wᵀ + b
x, W, b = leaf(3, 5, 7), leaf(4, 7), leaf(4)
y = torch.nn.functional.linear(x, W, b)
w, (dx, dW, db) = weighted_backward(y, (x, W, b))
fixtures["linear"] = {"x": tensor(x), "weight": tensor(W), "bias": tensor(b), "out": tensor(y),
                      "w": tensor(w), "dx": tensor(dx), "dweight": tensor(dW), "dbias": tensor(db)}

# softmax and log-softmax over the last axis, gelu (erf form)
for name, fn in (("softmax", lambda t: torch.softmax(t, -1)),
                 ("log_softmax", lambda t: torch.log_softmax(t, -1)),
                 ("gelu", lambda t: torch.nn.functional.gelu(t))):
    x = leaf(4, 9, scale=3.0)
    y = fn(x)
    w, (dx,) = weighted_backward(y, (x,))
    fixtures[name] = {"x": tensor(x), "out": tensor(y), "w": tensor(w), "dx": tensor(dx)}

# layer norm over the last axis
x, g, b = leaf(6, 10, scale=2.0), leaf(10), leaf(10)
y = torch.nn.functional.layer_norm(x, (10,), g, b, eps=1e-5)
w, (dx, dg, db) = weighted_backward(y, (x, g, b))
fixtures["layer_norm"] = {"x": tensor(x), "gamma": tensor(g), "beta": tensor(b), "out": tensor(y),
                          "w": tensor(w), "dx": tensor(dx), "dgamma": tensor(dg), "dbeta": tensor(db)}

# cross-entropy, mean over rows not ignored, label smoothing 0.1
logits = leaf(7, 11, scale=3.0)
targets = torch.tensor([3, -1, 0, 10, 5, -1, 7])
loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-1, label_smoothing=0.1)
(dlogits,) = torch.autograd.grad(loss, (logits,))
fixtures["cross_entropy"] = {"logits": tensor(logits), "targets": targets.tolist(),
                             "loss": float(loss), "dlogits": tensor(dlogits)}


def gru_to_huiyan(w_ih, w_hh, b_ih, b_hh, hidden):
    """PyTorch's GRU gates are (r, z, n); huiyan's (oneDNN's) are (u = z, r, n)."""
    def reorder(m):
        r, z, n = m.split(hidden, 0)
        return torch.cat([z, r, n], 0)
    bir, biz, bin_ = b_ih.split(hidden)
    bhr, bhz, bhn = b_hh.split(hidden)
    return reorder(w_ih), reorder(w_hh), torch.cat([biz + bhz, bir + bhr, bin_, bhn])


def lstm_to_huiyan(w_ih, w_hh, b_ih, b_hh, hidden):
    return w_ih, w_hh, b_ih + b_hh


# one recurrent layer over full-length sequences, with input gradients
for cell, module, convert in (("gru", torch.nn.GRU, gru_to_huiyan),
                              ("lstm", torch.nn.LSTM, lstm_to_huiyan)):
    rnn = module(input_size=5, hidden_size=6, batch_first=True)
    x = leaf(3, 4, 5)
    y, _ = rnn(x)
    w, (dx,) = weighted_backward(y, (x,))
    wl, wi, bias = convert(rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0, 6)
    fixtures[cell] = {"x": tensor(x), "w_layer": tensor(wl), "w_iter": tensor(wi),
                      "bias": tensor(bias), "out": tensor(y), "w": tensor(w), "dx": tensor(dx)}

# a 2-layer bidirectional GRU over a padded batch (packed sequences), with final states
hidden, lengths = 4, [5, 2, 4]
rnn = torch.nn.GRU(input_size=3, hidden_size=hidden, num_layers=2, bidirectional=True,
                   batch_first=True)
x = leaf(3, 5, 3)
packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=True,
                                                 enforce_sorted=False)
out, h_n = rnn(packed)
out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=5)
params = {}
for layer in range(2):
    for side, suffix in (("forward", ""), ("backward", "_reverse")):
        get = lambda n: getattr(rnn, f"{n}_l{layer}{suffix}")
        wl, wi, bias = gru_to_huiyan(get("weight_ih"), get("weight_hh"), get("bias_ih"),
                                     get("bias_hh"), hidden)
        prefix = f"layers.{layer}.{side}."
        params[prefix + "weight_ih"] = tensor(wl)
        params[prefix + "weight_hh"] = tensor(wi)
        params[prefix + "bias"] = tensor(bias)
fixtures["bigru_padded"] = {"x": tensor(x), "lengths": lengths, "params": params,
                            "out": tensor(out), "h_n": tensor(h_n)}

# --- attention layers, parameters under huiyan's names ([out, in] like torch.nn.Linear) ---
def params_of(named):
    return {name: tensor(t) for name, t in named.items()}


# Bahdanau, the seed's Keras layer: V(tanh(W1(values) + W2(query[:, None]))), softmax over time
W1, W2, V = torch.nn.Linear(4, 5), torch.nn.Linear(3, 5), torch.nn.Linear(5, 1)
query, values = torch.rand(2, 3) * 2 - 1, torch.rand(2, 6, 4) * 2 - 1
keep = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]], dtype=torch.bool)
score = V(torch.tanh(W1(values) + W2(query)[:, None])).squeeze(-1)
weights = torch.softmax(score.masked_fill(~keep, float("-inf")), dim=1)
context = (weights[:, :, None] * values).sum(1)
fixtures["additive_attention"] = {
    "params": params_of({"W1.weight": W1.weight, "W1.bias": W1.bias, "W2.weight": W2.weight,
                         "W2.bias": W2.bias, "V.weight": V.weight, "V.bias": V.bias}),
    "query": tensor(query), "values": tensor(values), "keep": tensor(keep.double()),
    "weights": tensor(weights), "context": tensor(context)}

# multi-head attention: torch.nn.MultiheadAttention with a key padding mask and a causal mask
mha = torch.nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
x = torch.rand(2, 4, 8) * 2 - 1
padding = torch.tensor([[False] * 4, [False, False, True, True]])  # True = ignore
causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
out, w = mha(x, x, x, key_padding_mask=padding, attn_mask=causal, average_attn_weights=False)
wq, wk, wv = mha.in_proj_weight.split(8, 0)
bq, bk, bv = mha.in_proj_bias.split(8)
fixtures["multihead_attention"] = {
    "params": params_of({"q.weight": wq, "q.bias": bq, "k.weight": wk, "k.bias": bk,
                         "v.weight": wv, "v.bias": bv, "out.weight": mha.out_proj.weight,
                         "out.bias": mha.out_proj.bias}),
    "x": tensor(x), "key_keep": tensor((~padding).double()), "output": tensor(out),
    "weights": tensor(w)}

# the seed's SelfAttention pooling: tanh(Dense_relu(x)) W, softmax over time, Aᵀ x
dense, Wp = torch.nn.Linear(3, 5), torch.nn.Linear(5, 1, bias=False)
x = torch.rand(2, 4, 3) * 2 - 1
a = torch.softmax(Wp(torch.tanh(torch.relu(dense(x)))).squeeze(-1), dim=1)
fixtures["self_attention_pooling"] = {
    "params": params_of({"dense.weight": dense.weight, "dense.bias": dense.bias,
                         "W.weight": Wp.weight}),
    "x": tensor(x), "weights": tensor(a), "context": tensor((a[:, :, None] * x).sum(1))}

# Luong global attention, general score, and the attentional state
Wa, Wc = torch.nn.Linear(4, 4, bias=False), torch.nn.Linear(8, 4, bias=False)
h_t, h_s = torch.rand(2, 4) * 2 - 1, torch.rand(2, 5, 4) * 2 - 1
score = torch.einsum("bh,bsh->bs", h_t, Wa(h_s))
a = torch.softmax(score, dim=1)
c = torch.einsum("bs,bsh->bh", a, h_s)
fixtures["luong_general"] = {
    "params": params_of({"W_a.weight": Wa.weight, "W_c.weight": Wc.weight}),
    "state": tensor(h_t), "source": tensor(h_s), "weights": tensor(a), "context": tensor(c),
    "attentional": tensor(torch.tanh(Wc(torch.cat([c, h_t], 1))))}

path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "nn", "torch_fixtures.json")
with open(path, "w") as f:
    json.dump({"made_by": f"scripts/make_nn_fixtures.py with torch {torch.__version__}",
               **fixtures}, f, separators=(",", ":"))
print("wrote", os.path.normpath(path))
