"""Bad input from Python: a ValueError (or TypeError for a non-array) with
the one-line message `initcheck` prints -- compared with the tool's stderr
line on the same input where the tool has one -- never a crash, never a
silent pass. The rows mirror README's bad-input table."""
import math

import numpy as np
import pytest
try:
    import torch
except ImportError:  # the tests that need it are skipped (conftest.needs_torch)
    torch = None

import initcheck
import initcheck.torch  # importable without torch
from conftest import cli_error, needs_torch


@pytest.fixture
def w():
    return initcheck.fill("normal", (8, 8), seed=1)


@pytest.fixture
def npy(tmp_path, w):
    path = tmp_path / "w.npy"
    np.save(path, w)
    return path


def message(call):
    with pytest.raises(ValueError) as e:
        call()
    text = str(e.value)
    assert "\n" not in text and text
    return text


# (row, Python call, the tool's arguments): the messages are equal.
SAME = [
    ("unknown scheme", lambda w, p: initcheck.check(w, "kaiming_unifrom"),
     lambda p: ["check", p, "kaiming_unifrom"]),
    ("unknown scheme, no near miss", lambda w, p: initcheck.check(w, "frobnicate"),
     lambda p: ["check", p, "frobnicate"]),
    ("unknown parameter", lambda w, p: initcheck.check(w, "normal(sd=1)"),
     lambda p: ["check", p, "normal(sd=1)"]),
    ("negative std", lambda w, p: initcheck.check(w, "normal(std=-1)"),
     lambda p: ["check", p, "normal(std=-1)"]),
    ("a >= b", lambda w, p: initcheck.check(w, "uniform(a=2,b=1)"),
     lambda p: ["check", p, "uniform(a=2,b=1)"]),
    ("fan 0", lambda w, p: initcheck.check(w, "kaiming_uniform", fan_in=0, fan_out=5),
     lambda p: ["check", p, "kaiming_uniform", "--fan-in", "0", "--fan-out", "5"]),
    ("unknown layout", lambda w, p: initcheck.check(w, "normal", layout="foo"),
     lambda p: ["check", p, "normal", "--layout", "foo"]),
    ("unknown fan convention", lambda w, p: initcheck.check(w, "normal", fans="foo"),
     lambda p: ["check", p, "normal", "--fans", "foo"]),
    ("overflow of the dtype",
     lambda w, p: initcheck.fill("normal(std=1e5)", (4, 4), dtype="f16"),
     lambda p: ["fill", "normal(std=1e5)", "--shape", "4,4", "--dtype", "f16", "-o",
                p.parent / "o.npy"]),
    ("rank too low", lambda w, p: initcheck.fill("kaiming_normal", (5,)),
     lambda p: ["fill", "kaiming_normal", "--shape", "5", "-o", p.parent / "o.npy"]),
    ("bad shape (tuple)", lambda w, p: initcheck.fill("normal", (5, 0)),
     lambda p: ["fill", "normal", "--shape", "5,0", "-o", p.parent / "o.npy"]),
    ("bad shape (text)", lambda w, p: initcheck.fill("normal", "5,0"),
     lambda p: ["fill", "normal", "--shape", "5,0", "-o", p.parent / "o.npy"]),
    ("bad shape (negative)", lambda w, p: initcheck.fill("normal", (5, -2)),
     lambda p: ["fill", "normal", "--shape", "5,-2", "-o", p.parent / "o.npy"]),
    ("unknown dtype", lambda w, p: initcheck.fill("normal", (5, 5), dtype="f128"),
     lambda p: ["fill", "normal", "--shape", "5,5", "--dtype", "f128", "-o",
                p.parent / "o.npy"]),
    ("missing file", lambda w, p: initcheck.check_file(p.parent / "missing.npy", "normal"),
     lambda p: ["check", p.parent / "missing.npy", "normal"]),
    ("a directory", lambda w, p: initcheck.check_file(p.parent, "normal"),
     lambda p: ["check", p.parent, "normal"]),
    ("empty tensor",
     lambda w, p: initcheck.check(np.zeros((0, 3), np.float32), "normal",
                                  name=str(p.parent / "e.npy")),
     lambda p: (np.save(p.parent / "e.npy", np.zeros((0, 3), np.float32)),
                ["check", p.parent / "e.npy", "normal"])[1]),
    ("scalar",
     lambda w, p: initcheck.check(np.float32(1), "normal", name=str(p.parent / "s.npy")),
     lambda p: (np.save(p.parent / "s.npy", np.float32(1)),
                ["check", p.parent / "s.npy", "normal"])[1]),
    ("big-endian",
     lambda w, p: initcheck.check(w.astype(">f4"), "normal", name=str(p.parent / "b.npy")),
     lambda p: (np.save(p.parent / "b.npy", np.ones((8, 8), ">f4")),
                ["check", p.parent / "b.npy", "normal"])[1]),
    ("unknown activation", lambda w, p: initcheck.propagate("normal", "relux", depth=2),
     lambda p: ["propagate", "--weights", "normal", "--activation", "relux", "--depth", "2"]),
]


@pytest.mark.parametrize("row,call,args", SAME, ids=[r[0] for r in SAME])
def test_same_message_as_the_tool(cli, w, npy, row, call, args):
    assert message(lambda: call(w, npy)) == cli_error(cli, *args(npy))


def test_integer_dtype_is_the_tools_message(cli, w, tmp_path):
    """An integer array is what an integer .npy is to the tool: exact
    schemes only, the same line for a random one."""
    path = tmp_path / "i.npy"
    i = w.astype(np.int32)
    np.save(path, i)
    ours = message(lambda: initcheck.check(i, "normal", name=str(path)))
    assert ours == cli_error(cli, "check", path, "normal")
    assert ours.endswith("integer and bool tensors can be checked against zeros, ones or constant")
    assert initcheck.check(np.zeros((3, 4), np.int64), "zeros")
    assert not initcheck.check(np.ones((3, 4), np.bool_), "zeros")


def test_option_messages_name_the_python_argument(w):
    assert message(lambda: initcheck.check(w, "normal", alpha=1.5)) == \
        "alpha must be in (0, 1), got 1.5"
    assert message(lambda: initcheck.check(w, "kaiming_uniform", fan_in=3)) == \
        "give both fan_in and fan_out, or neither"
    assert message(lambda: initcheck.check(w, "normal", threads=-1)) == \
        "threads must be >= 0, got -1"
    assert message(lambda: initcheck.check_file("x.npy", "normal", rules={"*": "normal"})) \
        .startswith("give either scheme")
    assert message(lambda: initcheck.check_file("x.npy")).startswith("missing scheme")
    assert message(lambda: initcheck.check(w, "normal", dtype="f32")) == \
        "<array>: dtype='f32' is only for raw 16-bit patterns ('bf16', 'f16'); " \
        "a f32 array is read as it is"


def test_arrays_that_cannot_be_read_in_place_are_refused(w):
    assert "np.ascontiguousarray(x)" in message(lambda: initcheck.check(w.T, "normal"))
    assert "np.ascontiguousarray(x)" in message(lambda: initcheck.check(w[:, ::2], "normal"))
    obj = np.array([[object()]], dtype=object)
    assert "object arrays (dtype '|O') are not supported" in \
        message(lambda: initcheck.check(obj, "normal"))
    assert "unsupported dtype '<c8'" in message(
        lambda: initcheck.check(np.ones((4, 4), np.complex64), "normal"))
    raw = np.frombuffer(b"\0" + np.ones(64, np.float32).tobytes(), np.float32, 64, 1)
    assert "not aligned" in message(lambda: initcheck.check(raw, "normal"))
    with pytest.raises(TypeError, match="must be an array"):
        initcheck.check([0.1, 0.2], "normal")
    with pytest.raises(TypeError, match="must be an array"):
        initcheck.check(None, "normal")


@needs_torch
def test_torch_tensors_that_cannot_be_read_in_place_are_refused():
    t = torch.nn.Linear(16, 8).weight
    assert ".contiguous()" in message(lambda: initcheck.check(t.t(), "normal"))
    assert "tensor is on meta" in message(
        lambda: initcheck.check(torch.empty(4, 4, device="meta"), "normal"))
    assert "dtype torch.complex64 is not supported" in message(
        lambda: initcheck.check(torch.ones(4, 4, dtype=torch.complex64), "normal"))
    # Integer tensors as integer arrays: exact schemes only, as the tool.
    assert message(lambda: initcheck.check(torch.ones(4, 4, dtype=torch.int64), "normal")) == \
        "<array> is not a float tensor (dtype <i8); integer and bool tensors can be checked " \
        "against zeros, ones or constant"
    assert initcheck.check(torch.ones(4, 4, dtype=torch.int64), "ones")
    assert "dtype= is for raw 16-bit NumPy arrays" in message(
        lambda: initcheck.check(t, "normal", dtype="bf16"))


@needs_torch
def test_rules_and_overrides_errors_name_the_argument(npy):
    assert message(lambda: initcheck.check_file(npy, rules=["=normal"])) == \
        "rules[0]: bad rule '=normal': write GLOB=SCHEME, e.g. --rule " \
        "'*.weight=kaiming_uniform(a=sqrt(5))'"
    assert message(lambda: initcheck.check_file(npy, rules={"*": "normal(sd=1)"})).startswith(
        "rules['*']: normal: unknown parameter 'sd' (did you mean 'std'?)")
    m = torch.nn.Linear(16, 8)
    assert message(lambda: initcheck.torch.check_module(m, {"enc[": "zeros"})).startswith(
        "overrides['enc[']: ")
    assert message(lambda: initcheck.torch.check_module(m, {"*": "zeros(x=1)"})).startswith(
        "overrides['*']: ")
    with pytest.raises(TypeError, match="expected a torch.nn.Module"):
        initcheck.torch.expected_schemes(object())
    assert message(lambda: initcheck.torch.check_module(torch.nn.ReLU())) == \
        "module ReLU: no parameter or buffer to check"


@needs_torch
def test_nan_inf_are_failures_not_errors():
    x = np.full((16, 16), np.nan, np.float32)
    r = initcheck.check(x, "normal")
    assert not r and "256 non-finite values (256 NaN, 0 Inf)" in r.diagnosis
    t = torch.nn.Linear(32, 16)
    with torch.no_grad():
        t.weight[0, 0] = math.inf
    report = initcheck.torch.check_module(t)
    assert not report and report.failures[0].name == "weight"
