"""initcheck.torch.check_module on default-initialized models of every
module kind (real PyTorch 1.13 draws): each passes, read in place, decided
as one Holm family over the whole model; a model cast to bf16 passes
without the user converting anything.

False alarms: each check_module runs at family-wise alpha 1e-6 over all its
tests (Holm), with fixed torch seeds (deterministic in CI; with
INITCHECK_SEED=random each passing assertion false-alarms with probability
<= 1e-6, ~5e-5 over the whole file)."""
import pytest
from conftest import import_torch

torch = import_torch()  # skipped with TORCH_MISSING where torch is absent
from torch import nn  # noqa: E402

import initcheck
import initcheck.torch as it
from torch_zoo import ZOO, DefaultModules, build


@pytest.mark.parametrize("kind,make", ZOO, ids=[z[0] for z in ZOO])
def test_default_initialized_module_passes(kind, make, seed):
    m = build(make, seed)
    report = it.check_module(m)
    assert report, report.summary()
    assert report.issues == [] and report.skipped == []
    expected = it.expected_schemes(m)
    checked = {r.name.split("[")[0] for r in report}
    assert checked == {n for n, t in expected.items() if t is not None} - {
        n for n, t in it._named_tensors(m).items() if t.numel() == 0}


@pytest.mark.parametrize("kind,make", [z for z in ZOO if z[0] in (
    "Linear", "Conv2d_grouped", "ConvTranspose2d_grouped", "LSTM", "MultiheadAttention",
    "TransformerEncoderLayer", "Embedding_padding", "BatchNorm2d", "Sequential_CNN")],
    ids=lambda z: z if isinstance(z, str) else "")
def test_cast_to_bf16_and_f16_passes_without_conversion(kind, make, seed):
    for dtype, name in ((torch.bfloat16, "bf16"), (torch.float16, "f16"),
                        (torch.float64, "f64")):
        m = build(make, seed, dtype)
        report = it.check_module(m)
        assert report, (dtype, report.summary())
        assert {r.dtype for r in report if "num_batches" not in r.name} == {name}


def test_parameters_are_read_in_place(seed):
    m = build(lambda: nn.Sequential(nn.Linear(64, 32), nn.Embedding(50, 16, padding_idx=4),
                                    nn.BatchNorm1d(32)), seed)
    report = it.check_module(m)
    assert report
    addresses = dict(zip([r.name for r in report], report._run.addresses))
    assert addresses["0.weight"] == m[0].weight.data_ptr()
    assert addresses["0.bias"] == m[0].bias.data_ptr()
    assert addresses["1.weight"] == m[1].weight.data_ptr()  # padding row included
    assert addresses["2.running_var"] == m[2].running_var.data_ptr()
    # An int64 buffer too: checked exactly (zeros), in place.
    assert addresses["2.num_batches_tracked"] == m[2].num_batches_tracked.data_ptr()
    assert report["2.num_batches_tracked"].passed


def test_one_holm_family_over_the_whole_model(seed):
    """Holm's first step multiplies the smallest p-value by the size of the
    family: here the number of gating tests of every tensor of the model."""
    m = build(DefaultModules, seed)
    report = it.check_module(m)
    gating = [t for r in report for t in r.tests if t.reliable and t.p_value is not None]
    smallest = min(gating, key=lambda t: t.p_value)
    assert smallest.adjusted_p_value == pytest.approx(min(1.0, len(gating) * smallest.p_value))
    assert report.to_dict()["alpha"] == initcheck.DEFAULT_ALPHA


def test_overrides_and_strict(seed):
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(64, 64)
            self.gamma = nn.Parameter(torch.full((64,), 1e-4))
            self.apply(self._init)

        @staticmethod
        def _init(mod):
            if isinstance(mod, nn.Linear):
                nn.init.trunc_normal_(mod.weight, std=0.02)
                nn.init.zeros_(mod.bias)

    m = build(Block, seed)
    report = it.check_module(m)
    assert not report and {r.name for r in report.failures} == {"proj.weight", "proj.bias"}
    assert report.issues and report.issues[0].startswith("gamma: Block is not a standard")
    over = {"proj.weight": "trunc_normal(std=0.02)", "*.bias": "zeros",
            "gamma": "constant(value=1e-4)"}
    assert it.check_module(m, over)
    # Unknown tensors are listed; strict=False lets the checked ones decide.
    loose = it.check_module(m, {"proj.weight": "trunc_normal(std=0.02)", "*.bias": "zeros"},
                            strict=False)
    assert loose and [s.tensor for s in loose.skipped] == ["gamma"]
    # An override matching nothing fails a strict report.
    r = it.check_module(m, dict(over, **{"decoder.*": "zeros"}))
    assert not r and r.issues == ["rule 'decoder.*' (overrides['decoder.*']) matches no tensor"]
    assert "strict: rule 'decoder.*' (overrides['decoder.*']) matches no tensor" in repr(r)
    # None skips.
    assert it.check_module(m, dict(over, gamma=None))
    # assert_module raises with the summary and the failing tables.
    with pytest.raises(AssertionError) as e:
        it.assert_module(m, {"gamma": "constant(value=1e-4)"})
    assert "FAIL proj.weight: " in str(e.value) and "  test   " in str(e.value)


def test_report_presentation(seed):
    m = build(lambda: nn.Sequential(nn.Linear(32, 16), nn.LayerNorm(16)), seed)
    report = it.check_module(m)
    assert repr(report) == ("PASS: module Sequential: 4 of 4 tensor(s) conform "
                            "(family-wise alpha 1e-06, Holm)")
    assert str(report).endswith("PASS: 4 of 4 tensor(s) conform (family-wise alpha 1e-06, "
                                "Holm)\n")
    assert report._repr_markdown_().startswith("**PASS**: `module Sequential`")
    assert report["0.weight"].scheme == initcheck.parse_scheme("kaiming_uniform(a=sqrt(5))")
    assert len(report) == 4 and [r.name for r in report] == ["0.weight", "0.bias", "1.weight",
                                                              "1.bias"]
    assert "<testsuites" in report.to_junit()


def test_lazy_bool_and_complex_tensors():
    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(32, 32)
            self.register_buffer("mask", torch.ones(32, dtype=torch.bool))
            self.register_buffer("phase", torch.ones(4, dtype=torch.complex64))

    m = build(Odd, 0)
    r = it.check_module(m, {"mask": "ones", "phase": None})
    assert r, r.summary()
    assert r["mask"].verdict == "pass" and [s.tensor for s in r.skipped] == ["phase"]
    assert not it.check_module(m, {"mask": "zeros", "phase": None})
    with pytest.raises(ValueError, match="phase: dtype torch.complex64 cannot be checked"):
        it.check_module(m, {"mask": "ones", "phase": "zeros"})
    # Unknown tensors are never read: strict fails the report, and lists them.
    r = it.check_module(m)
    assert not r and [s.tensor for s in r.skipped] == ["mask", "phase"]
    assert len(r.issues) == 2
    lazy = nn.Sequential(nn.Linear(8, 8), nn.LazyLinear(4))
    r = it.check_module(lazy)
    assert not r and {s.tensor for s in r.skipped} == {"1.weight", "1.bias"}
    assert "lazy module" in r.issues[0]
    with pytest.raises(ValueError, match="1.weight: uninitialized"):
        it.check_module(lazy, {"1.*": "zeros"})
    assert it.check_module(lazy, {"1.*": None})
    lazy(torch.randn(2, 8))  # materialized: now a Linear with its default init
    assert it.check_module(lazy)
