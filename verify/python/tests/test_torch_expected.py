"""initcheck.torch.expected_schemes against PyTorch 1.13 itself: the
fixture manifest (made by torch, schemes documented per tensor), torch's
own fan computation for every bias bound, the parents' re-initializations
(MultiheadAttention's out_proj.bias, nn.Transformer's xavier_uniform_), and
what is listed as unknown instead of guessed."""
import math

import pytest
from conftest import import_torch

torch = import_torch()  # skipped with TORCH_MISSING where torch is absent
from torch import nn  # noqa: E402

import initcheck
import initcheck.torch as it
from conftest import TORCH_DATA, safetensors_arrays
from torch_zoo import ZOO, DefaultModules, build


def canonical(s):
    return initcheck.parse_scheme(s)


def test_default_modules_match_the_fixture_manifest(torch_manifest):
    entry = next(f for f in torch_manifest["files"]
                 if f["file"] == "default_modules.safetensors")
    expected = it.expected_schemes(DefaultModules())
    assert expected.unknown == {}
    assert list(expected) == [t["name"] for t in entry["tensors"]]
    for t in entry["tensors"]:
        e = expected[t["name"]]
        assert canonical(e) == canonical(t["scheme"]), (t["name"], e, t["scheme"])
    assert expected["embedding.weight"].padding_idx == 0
    assert expected["embedding_bag.weight"].padding_idx is None


def test_torch_made_default_modules_pass():
    """The fixture's values (drawn by torch 1.13 when the fixture was made)
    loaded into the same module: every tensor conforms, the padding row
    included (checked as zeros)."""
    model = DefaultModules()
    state = {k: torch.from_numpy(v.copy()) for k, v in
             safetensors_arrays(TORCH_DATA / "default_modules.safetensors").items()}
    model.load_state_dict(state)
    report = it.check_module(model)
    assert report, report.summary()
    names = [r.name for r in report]
    assert "embedding.weight" in names  # its padding row checked as zeros, the others N(0, 1)
    assert "batch_norm1d.num_batches_tracked" in names


def torch_bound(weight, which="fan_in"):
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(weight)
    return 1 / math.sqrt(fan_in)


@pytest.mark.parametrize("kind,make", ZOO, ids=[z[0] for z in ZOO])
def test_bias_bounds_equal_torchs_own_computation(kind, make):
    """expected_schemes reads the bound from the hyperparameters; torch's
    reset_parameters computes it from the weight (Linear, Conv) or
    hidden_size (RNN): the numbers must be the same doubles."""
    m = build(make, 1)
    expected = it.expected_schemes(m)
    assert expected.unknown == {}, expected.unknown
    for path, mod in m.named_modules():
        prefix = path + "." if path else ""
        if isinstance(mod, (nn.Linear, nn.modules.conv._ConvNd)) and mod.bias is not None \
                and prefix + "bias" in expected and expected[prefix + "bias"].module != \
                "MultiheadAttention":
            b = torch_bound(mod.weight)
            assert canonical(expected[prefix + "bias"]) == canonical(f"uniform(a={-b!r}, b={b!r})")
        if isinstance(mod, (nn.RNNBase, nn.RNNCellBase)):
            b = 1.0 / math.sqrt(mod.hidden_size)
            for n, _ in mod.named_parameters(recurse=False):
                assert canonical(expected[prefix + n]) == \
                    canonical(f"uniform(a={-b!r}, b={b!r})")
        if isinstance(mod, nn.Bilinear):
            b = 1 / math.sqrt(mod.weight.size(1))
            for n in ("weight", "bias"):
                assert canonical(expected[prefix + n]) == \
                    canonical(f"uniform(a={-b!r}, b={b!r})")
    for name, e in expected.items():
        canonical(e)  # every expectation is a valid scheme
        assert e.source and e.module


def test_multihead_attention_variants():
    e = it.expected_schemes(nn.MultiheadAttention(64, 4, kdim=32, vdim=48, add_bias_kv=True))
    assert {k: str(v) for k, v in e.items()} == {
        "q_proj_weight": "xavier_uniform", "k_proj_weight": "xavier_uniform",
        "v_proj_weight": "xavier_uniform", "in_proj_bias": "zeros", "bias_k": "xavier_normal",
        "bias_v": "xavier_normal", "out_proj.weight": "kaiming_uniform(a=sqrt(5))",
        "out_proj.bias": "zeros"}
    assert e["out_proj.bias"].module == "MultiheadAttention"
    assert "constant_(out_proj.bias, 0.)" in e["out_proj.bias"].source
    e = it.expected_schemes(nn.MultiheadAttention(64, 4, bias=False))
    assert list(e) == ["in_proj_weight", "out_proj.weight"]


def test_transformer_reinitializes_every_matrix_with_xavier_uniform():
    m = nn.Transformer(32, 4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)
    e = it.expected_schemes(m)
    for name, p in m.named_parameters():
        if p.dim() > 1:
            assert e[name] == "xavier_uniform" and e[name].module == "Transformer", name
    assert e["encoder.layers.0.linear1.bias"] == "uniform(a=-1/sqrt(32), b=1/sqrt(32))"
    assert e["encoder.layers.0.self_attn.out_proj.bias"] == "zeros"
    assert e["encoder.norm.weight"] == "ones"
    # The same layer outside a Transformer keeps its modules' defaults.
    e = it.expected_schemes(nn.TransformerEncoderLayer(32, 4, 64))
    assert e["linear1.weight"] == "kaiming_uniform(a=sqrt(5))"
    assert e["self_attn.in_proj_weight"] == "xavier_uniform"


def test_what_is_not_a_documented_default_is_listed_not_guessed():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.scale = nn.Parameter(torch.ones(8))
            self.register_buffer("steps", torch.zeros(()))

    class MyLinear(nn.Linear):
        def reset_parameters(self):
            nn.init.xavier_uniform_(self.weight)

    class PlainSubclass(nn.Linear):
        pass

    model = nn.Sequential(Scaled(), MyLinear(8, 8), PlainSubclass(8, 8),
                          nn.utils.weight_norm(nn.Linear(8, 8)), nn.LazyLinear(8))
    e = it.expected_schemes(model)
    assert set(e.unknown) == {"0.scale", "0.steps", "1.weight", "1.bias", "3.weight_g",
                              "3.weight_v", "4.weight", "4.bias"}
    assert e.unknown["0.scale"] == ("Scaled is not a standard torch.nn module with a "
                                    "documented default init")
    assert e.unknown["1.weight"] == "MyLinear overrides Linear.reset_parameters"
    assert "weight_norm" in e.unknown["3.weight_g"]
    assert "lazy module" in e.unknown["4.weight"]
    assert e["0.fc.weight"] == e["2.weight"] == "kaiming_uniform(a=sqrt(5))"
    assert e["3.bias"] == "uniform(a=-1/sqrt(8), b=1/sqrt(8))"


def test_tied_parameters_are_expected_once():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(100, 16)
            self.out = nn.Linear(16, 100, bias=False)
            self.out.weight = self.emb.weight

    e = it.expected_schemes(Tied())
    assert list(e) == ["emb.weight"] and e.unknown == {}


def test_prelu_init_is_not_recorded_by_torch_1_13():
    """A documented limit: PReLU(init=0.1) keeps no record of init in torch
    1.13, so the expectation is the default 0.25 and an override states the
    real one."""
    m = nn.PReLU(8, init=0.1)
    e = it.expected_schemes(m)
    assert canonical(e["weight"]) == canonical("constant(value=0.25)")
    assert "keeps no record of init=" in e["weight"].source
    assert not it.check_module(m)
    assert it.check_module(m, {"weight": "constant(value=0.1)"})
