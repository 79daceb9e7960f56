"""check_module on mutated initializations: every module kind fails, on
exactly the mutated tensor, with a diagnosis that names the bug -- wrong
fan mode, a missing gain, std x10, a zeroed bias, a padding row drawn over,
norm statistics off, MultiheadAttention's out_proj.bias left at Linear's
default, an LSTM forget-gate bias of 1.

Detection: each mutation is gross for its tensor's size (values outside a
uniform's support or exact zeros: p = 0; variance ratios 0.25-100 at
n >= 4096: z > 30), so it is detected with probability 1 - 1e-100 or more
at the family-wise alpha 1e-6 of the whole model; seeds are fixed."""
import math

import pytest
from conftest import import_torch

torch = import_torch()  # skipped with TORCH_MISSING where torch is absent
from torch import nn  # noqa: E402

import initcheck.torch as it
from conftest import variance_ratio
from torch_zoo import ZOO, build


def failing(report):
    return {r.name for r in report.failures}


def random_tensors(m):
    """(name, tensor) of m's tensors that follow a random scheme."""
    e = it.expected_schemes(m)
    t = it._named_tensors(m)
    return [(n, t[n]) for n, s in e.items()
            if s.split("(")[0] not in ("zeros", "ones", "constant") and t[n].numel() > 0]


RANDOM = [z for z in ZOO if random_tensors(build(z[1], 0))]


@pytest.mark.parametrize("kind,make", RANDOM, ids=[z[0] for z in RANDOM])
def test_std_x10_fails_on_that_tensor(kind, make, seed):
    m = build(make, seed)
    tensors = random_tensors(m)
    name, t = max(tensors, key=lambda nt: nt[1].numel())
    with torch.no_grad():
        t.mul_(10)
    report = it.check_module(m)
    assert not report
    assert failing(report) == {name}, report.summary()
    r = report[name]  # an embedding's padding row stays zero: the other rows fail
    assert ("below and" in r.diagnosis and "above" in r.diagnosis) or \
        80 < variance_ratio(r.diagnosis) < 120, r.diagnosis


@pytest.mark.parametrize("kind,make", [z for z in ZOO if any(
    n.endswith("bias") for n, _ in random_tensors(build(z[1], 0)))], ids=lambda z: z
    if isinstance(z, str) else "")
def test_zeroed_bias_fails(kind, make, seed):
    m = build(make, seed)
    name, t = next((n, t) for n, t in random_tensors(m) if n.endswith("bias"))
    with torch.no_grad():
        t.zero_()
    report = it.check_module(m)
    assert failing(report) == {name}, report.summary()
    assert f"all {t.numel()} values equal 0" in report[name].diagnosis


@pytest.mark.parametrize("kind,make", [z for z in ZOO if any(
    n.split(".")[-1] in ("weight", "running_var", "running_mean")
    for n, s in it.expected_schemes(build(z[1], 0)).items()
    if s in ("ones", "zeros") or s.startswith("constant"))], ids=lambda z: z
    if isinstance(z, str) else "")
def test_norm_and_prelu_constants_off_fail(kind, make, seed):
    m = build(make, seed)
    e = it.expected_schemes(m)
    t = it._named_tensors(m)
    name = next(n for n, s in e.items() if (s in ("ones", "zeros") or s.startswith(
        "constant")) and n.split(".")[-1] in ("weight", "running_var", "running_mean"))
    with torch.no_grad():
        t[name].add_(0.1)
    report = it.check_module(m)
    assert failing(report) == {name}, report.summary()
    n = t[name].numel()
    assert f"{n} of {n} elements differ from the expected exact values" in report[name].diagnosis


def test_wrong_fan_mode(seed):
    # The user's init_weights means He with fan_in; the code says fan_out.
    m = build(lambda: nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10)), seed)
    for layer in (m[0], m[2]):
        nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
        nn.init.zeros_(layer.bias)
    over = {"*.weight": "kaiming_normal(nonlinearity=relu)", "*.bias": "zeros"}
    assert it.check_module(m, over)
    nn.init.kaiming_normal_(m[0].weight, mode="fan_out", nonlinearity="relu")
    report = it.check_module(m, over)
    assert failing(report) == {"0.weight"}
    d = report["0.weight"].diagnosis
    assert "fan_in and fan_out swapped" in d and variance_ratio(d) == pytest.approx(0.25, rel=0.1)
    # Against torch's default, a conv re-drawn with mode="fan_out".
    c = build(lambda: nn.Conv2d(16, 64, 3), seed)
    nn.init.kaiming_uniform_(c.weight, a=math.sqrt(5), mode="fan_out")
    report = it.check_module(c)
    assert failing(report) == {"weight"}
    assert "fan_in and fan_out swapped" in report["weight"].diagnosis


def test_missing_gain(seed):
    m = build(lambda: nn.Conv2d(32, 64, 3), seed)
    over = {"weight": "xavier_uniform(gain=sqrt(2))", "bias": "zeros"}
    nn.init.zeros_(m.bias)
    nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))
    assert it.check_module(m, over)
    nn.init.xavier_uniform_(m.weight)  # calculate_gain('relu') forgotten
    report = it.check_module(m, over)
    assert failing(report) == {"weight"}
    d = report["weight"].diagnosis
    assert "gain 1 (nonlinearity='linear') where gain sqrt(2) (relu) was meant" in d
    assert variance_ratio(d) == pytest.approx(0.5, rel=0.1)


def test_std_x10_in_a_user_init(seed):
    m = build(lambda: nn.Embedding(1000, 64), seed)
    nn.init.normal_(m.weight, std=0.2)  # 0.02 meant
    report = it.check_module(m, {"weight": "normal(std=0.02)"})
    assert not report and 80 < variance_ratio(report["weight"].diagnosis) < 120


def test_padding_row_drawn_over(seed):
    m = build(lambda: nn.Embedding(300, 32, padding_idx=3), seed)
    with torch.no_grad():
        m.weight.normal_()  # a re-init that forgets padding_idx
    report = it.check_module(m)
    assert failing(report) == {"weight"}
    assert report["weight"].diagnosis.startswith(
        "padding_row rejects: row 3 (padding_idx) has 32 non-zero values of 32")


def test_attention_out_proj_bias_left_at_linear_default(seed):
    m = build(lambda: nn.MultiheadAttention(64, 4), seed)
    b = 1 / math.sqrt(64)
    nn.init.uniform_(m.out_proj.bias, -b, b)
    report = it.check_module(m)
    assert failing(report) == {"out_proj.bias"}
    # And the projection drawn with Linear's default instead of xavier_uniform_.
    m = build(lambda: nn.MultiheadAttention(64, 4), seed)
    nn.init.kaiming_uniform_(m.in_proj_weight, a=math.sqrt(5))
    report = it.check_module(m)
    assert failing(report) == {"in_proj_weight"}
    d = report["in_proj_weight"].diagnosis
    assert "fan_avg = (fan_in+fan_out)/2 was meant" in d and "kaiming_unif" in d, d


def test_transformer_layers_left_at_their_defaults(seed):
    # Re-drawing a Linear inside nn.Transformer undoes its xavier_uniform_.
    m = build(lambda: nn.Transformer(32, 4, 1, 1, 64), seed)
    m.encoder.layers[0].linear1.reset_parameters()
    report = it.check_module(m)
    assert {"encoder.layers.0.linear1.weight"} <= failing(report) <= {
        "encoder.layers.0.linear1.weight", "encoder.layers.0.linear1.bias"}


def test_lstm_forget_gate_bias_of_one(seed):
    m = build(lambda: nn.LSTM(32, 64), seed)
    with torch.no_grad():
        m.bias_ih_l0[64:128].fill_(1.0)  # the "forget bias 1" trick
    report = it.check_module(m)
    assert failing(report) == {"bias_ih_l0"}
    assert it.check_module(m, {"bias_ih_l0": None})


def test_running_stats_after_a_training_step(seed):
    m = build(lambda: nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16)), seed)
    m.train()
    m(torch.randn(32, 8))  # updates running_mean/var and num_batches_tracked
    report = it.check_module(m)
    assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= failing(report)
