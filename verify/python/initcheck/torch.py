"""initcheck for PyTorch models: what every standard ``torch.nn`` module's
default initialization draws from, and a check of a whole model against it.

Importing this module does not import torch; its functions do (and raise
ImportError saying so when torch is missing).

    >>> import torch, initcheck.torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(),
    ...                             torch.nn.Linear(32, 10))
    >>> initcheck.torch.expected_schemes(model)["0.bias"]
    'uniform(a=-1/sqrt(64), b=1/sqrt(64))'
    >>> report = initcheck.torch.check_module(model)
    >>> report.passed
    True

The expectations are read from each module's type and hyperparameters as
PyTorch 1.13's ``reset_parameters`` / ``_reset_parameters`` / ``__init__``
draw them (torch/nn/modules/*.py), not guessed from names or shapes:

=============================================  ==========================================
module                                         parameter / buffer -> scheme
=============================================  ==========================================
Linear, Conv1d/2d/3d, ConvTranspose1d/2d/3d    weight: kaiming_uniform(a=sqrt(5)) (fans
(any groups)                                   from the weight as torch counts them);
                                               bias: U(+-1/sqrt(fan_in)), fan_in =
                                               in_features, in_channels/groups * k, or
                                               for a transposed conv out_channels/groups * k
Bilinear                                       weight, bias: U(+-1/sqrt(in1_features))
Embedding, EmbeddingBag                        weight: N(0, 1); row padding_idx: zeros
RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell     every parameter: U(+-1/sqrt(hidden_size))
MultiheadAttention                             in_proj_weight (or q/k/v_proj_weight when
                                               kdim/vdim differ): xavier_uniform;
                                               in_proj_bias, out_proj.bias: zeros;
                                               bias_k, bias_v: xavier_normal;
                                               out_proj.weight: Linear's default
Transformer (nn.Transformer)                   every parameter with dim > 1 below it:
                                               xavier_uniform (its _reset_parameters)
TransformerEncoder/DecoderLayer                their submodules' defaults (above)
LayerNorm, GroupNorm, BatchNorm*, InstanceNorm*  weight ones, bias zeros; running_mean
(SyncBatchNorm)                                zeros, running_var ones,
                                               num_batches_tracked zeros
PReLU                                          weight: constant(value=init) (0.25)
=============================================  ==========================================

Anything else that holds parameters or buffers -- a user's module, a
parametrization (weight_norm's weight_g/weight_v), a lazy module before its
first forward, a subclass that overrides ``reset_parameters`` -- is listed
in ``ExpectedSchemes.unknown`` with the reason, never guessed.

Known limits: ``Embedding.from_pretrained`` and modules given ``_weight``
are indistinguishable from default-initialized ones (the module keeps no
trace); ``TransformerEncoder``/``Decoder`` deep-copy their layer, so the
layers' tensors are identical copies (each follows the default, as checked).
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np

from . import _core
from ._api import Report, _as_array, _geometry

__all__ = ["ExpectedScheme", "ExpectedSchemes", "expected_schemes", "check_module",
           "assert_module"]


def _torch():
    try:
        import torch  # noqa: PLC0415 -- lazily, so that initcheck works without torch
    except ImportError as e:  # pragma: no cover - exercised in a subprocess test
        raise ImportError(
            "initcheck.torch needs PyTorch (Debian: apt-get install python3-torch; "
            "pip: pip install torch); the rest of initcheck works without it") from e
    return torch


class ExpectedScheme(str):
    """A scheme (the string itself) with where the expectation comes from.

    Attributes:
        module: the module's type name ("Linear").
        path: the module's name in the model ("encoder.layers.0.linear1").
        source: the PyTorch code that draws it.
        padding_idx: for an embedding weight, the row torch fills with
            zeros (checked as ``zeros``; the other rows follow the scheme).
    """

    module: str
    path: str
    source: str
    padding_idx: Optional[int]

    def __new__(cls, scheme: str, module: str, path: str, source: str,
                padding_idx: Optional[int] = None) -> "ExpectedScheme":
        s = super().__new__(cls, scheme)
        s.module = module
        s.path = path
        s.source = source
        s.padding_idx = padding_idx
        return s

    def __reduce__(self):
        return (ExpectedScheme, (str(self), self.module, self.path, self.source,
                                 self.padding_idx))


class ExpectedSchemes(Dict[str, ExpectedScheme]):
    """``{parameter or buffer name: ExpectedScheme}`` in the model's order,
    plus ``unknown``: ``{name: why no expectation exists}``."""

    unknown: Dict[str, str]

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.unknown = {}


def _uniform(bound_den: int) -> str:
    """U(+-1/sqrt(n)) as torch computes it: bound = 1 / math.sqrt(n)."""
    if bound_den <= 0:
        return "zeros"  # torch: bound = 0, uniform_(-0, 0)
    return f"uniform(a=-1/sqrt({bound_den}), b=1/sqrt({bound_den}))"


def _stock(m: Any, cls: type, method: str) -> bool:
    """True when type(m) inherits `method` from cls unchanged."""
    return getattr(type(m), method, None) is getattr(cls, method, None)


def _own_rules(m: Any, torch: Any) -> Tuple[Optional[Dict[str, Tuple[str, str, Optional[int]]]],
                                             str]:
    """{local name: (scheme, source, padding_idx)} for m's own parameters and
    buffers, or (None, why) when m's init is not a documented default."""
    nn = torch.nn
    conv = nn.modules.conv._ConvNd
    norm = nn.modules.batchnorm._NormBase
    name = type(m).__name__
    if isinstance(m, nn.Bilinear):
        if not _stock(m, nn.Bilinear, "reset_parameters"):
            return None, f"{name} overrides Bilinear.reset_parameters"
        src = "linear.py Bilinear.reset_parameters: bound = 1/sqrt(weight.size(1)); uniform_"
        s = _uniform(m.in1_features)
        return {"weight": (s, src, None), "bias": (s, src, None)}, ""
    if isinstance(m, nn.Linear):
        if not _stock(m, nn.Linear, "reset_parameters"):
            return None, f"{name} overrides Linear.reset_parameters"
        return {
            "weight": ("kaiming_uniform(a=sqrt(5))",
                       "linear.py Linear.reset_parameters: kaiming_uniform_(weight, a=sqrt(5))",
                       None),
            "bias": (_uniform(m.in_features),
                     "linear.py Linear.reset_parameters: bound = 1/sqrt(fan_in), fan_in = "
                     "in_features", None),
        }, ""
    if isinstance(m, conv):
        if not _stock(m, conv, "reset_parameters"):
            return None, f"{name} overrides _ConvNd.reset_parameters"
        k = math.prod(m.kernel_size)
        # torch's fan_in of the weight: size(1) * receptive field; the weight
        # is [out, in/groups, *k], or [in, out/groups, *k] when transposed.
        fan_in = (m.out_channels if m.transposed else m.in_channels) // m.groups * k
        out = {"weight": ("kaiming_uniform(a=sqrt(5))",
                          "conv.py _ConvNd.reset_parameters: kaiming_uniform_(weight, a=sqrt(5))",
                          None)}
        if fan_in > 0:
            out["bias"] = (_uniform(fan_in),
                           f"conv.py _ConvNd.reset_parameters: bound = 1/sqrt(fan_in), fan_in = "
                           f"{'out' if m.transposed else 'in'}_channels/groups * kernel = {fan_in}",
                           None)
        return out, ""
    if isinstance(m, (nn.Embedding, nn.EmbeddingBag)):
        base = nn.Embedding if isinstance(m, nn.Embedding) else nn.EmbeddingBag
        if not _stock(m, base, "reset_parameters"):
            return None, f"{name} overrides {base.__name__}.reset_parameters"
        pad = m.padding_idx
        src = (f"sparse.py {base.__name__}.reset_parameters: normal_(weight)"
               + ("; weight[padding_idx].fill_(0)" if pad is not None else ""))
        return {"weight": ("normal(mean=0, std=1)", src, pad)}, ""
    if isinstance(m, (nn.RNNBase, nn.RNNCellBase)):
        base = nn.RNNBase if isinstance(m, nn.RNNBase) else nn.RNNCellBase
        if not _stock(m, base, "reset_parameters"):
            return None, f"{name} overrides {base.__name__}.reset_parameters"
        s = _uniform(m.hidden_size)
        src = (f"rnn.py {base.__name__}.reset_parameters: uniform_(-stdv, stdv) on every "
               f"parameter, stdv = 1/sqrt(hidden_size)")
        return {p: (s, src, None) for p, _ in m.named_parameters(recurse=False)}, ""
    if isinstance(m, nn.MultiheadAttention):
        if not _stock(m, nn.MultiheadAttention, "_reset_parameters"):
            return None, f"{name} overrides MultiheadAttention._reset_parameters"
        src = "activation.py MultiheadAttention._reset_parameters: "
        out = {}
        if m._qkv_same_embed_dim:
            out["in_proj_weight"] = ("xavier_uniform", src + "xavier_uniform_(in_proj_weight)",
                                     None)
        else:
            for p in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                out[p] = ("xavier_uniform", src + f"xavier_uniform_({p})", None)
        out["in_proj_bias"] = ("zeros", src + "constant_(in_proj_bias, 0.)", None)
        out["bias_k"] = ("xavier_normal", src + "xavier_normal_(bias_k)", None)
        out["bias_v"] = ("xavier_normal", src + "xavier_normal_(bias_v)", None)
        return out, ""
    if isinstance(m, (nn.LayerNorm, nn.GroupNorm, norm)):
        base = nn.LayerNorm if isinstance(m, nn.LayerNorm) else (
            nn.GroupNorm if isinstance(m, nn.GroupNorm) else norm)
        if not _stock(m, base, "reset_parameters"):
            return None, f"{name} overrides {base.__name__}.reset_parameters"
        where = {nn.LayerNorm: "normalization.py LayerNorm", nn.GroupNorm:
                 "normalization.py GroupNorm", norm: "batchnorm.py _NormBase"}[base]
        src = where + ".reset_parameters: "
        return {
            "weight": ("ones", src + "ones_(weight)", None),
            "bias": ("zeros", src + "zeros_(bias)", None),
            "running_mean": ("zeros", src + "running_mean.zero_()", None),
            "running_var": ("ones", src + "running_var.fill_(1)", None),
            "num_batches_tracked": ("zeros", src + "num_batches_tracked.zero_()", None),
        }, ""
    if isinstance(m, nn.PReLU):
        init = getattr(m, "init", 0.25)  # torch 1.13 does not keep `init`
        return {"weight": (f"constant(value={float(init)!r})",
                           "activation.py PReLU.__init__: torch.empty(num_parameters)"
                           f".fill_(init), init = {float(init)!r}"
                           + ("" if hasattr(m, "init") else " (the default; torch 1.13 "
                              "keeps no record of init=)"), None)}, ""
    return None, f"{name} is not a standard torch.nn module with a documented default init"


def _parent_overrides(m: Any, torch: Any) -> Optional[Dict[str, Tuple[str, str]]]:
    """What a module's own init sets in its children, after they have run
    theirs: {name relative to m: (scheme, source)}; None if nothing."""
    nn = torch.nn
    if isinstance(m, nn.MultiheadAttention) and _stock(m, nn.MultiheadAttention,
                                                       "_reset_parameters"):
        if m.in_proj_bias is not None and m.out_proj.bias is not None:
            return {"out_proj.bias": (
                "zeros", "activation.py MultiheadAttention._reset_parameters: "
                "constant_(out_proj.bias, 0.)")}
    if isinstance(m, nn.Transformer) and _stock(m, nn.Transformer, "_reset_parameters"):
        return {p: ("xavier_uniform", "transformer.py Transformer._reset_parameters: "
                    "xavier_uniform_(p) for every parameter with p.dim() > 1")
                for p, t in m.named_parameters() if t.dim() > 1}
    return None


def _named_tensors(module: Any) -> Dict[str, Any]:
    """Every parameter and buffer in state_dict order (module by module,
    parameters then buffers), a tensor shared by several modules under its
    first name."""
    seen = set()
    out: Dict[str, Any] = {}
    for path, m in module.named_modules():
        prefix = path + "." if path else ""
        for n, t in list(m.named_parameters(recurse=False)) + \
                list(m.named_buffers(recurse=False)):
            if id(t) not in seen:
                seen.add(id(t))
                out[prefix + n] = t
    return out


def expected_schemes(module: Any) -> ExpectedSchemes:
    """The scheme each parameter and buffer's default initialization draws from.

    Walks ``module.named_modules()`` and maps every parameter and buffer of
    the standard ``torch.nn`` modules to the scheme their documented default
    init draws from, exactly, from the module's type and hyperparameters (see
    the module docstring for the table). Parameters of anything else are
    listed in ``.unknown`` with the reason.

    Args:
        module: a ``torch.nn.Module``.

    Returns:
        :class:`ExpectedSchemes`: ``{name: ExpectedScheme}`` in
        ``state_dict()`` order (a tied tensor under its first name), and
        ``.unknown``: ``{name: reason}``.

    Example:
        >>> import torch, initcheck.torch
        >>> e = initcheck.torch.expected_schemes(torch.nn.Conv2d(16, 32, 3, groups=4))
        >>> dict(e)
        {'weight': 'kaiming_uniform(a=sqrt(5))', 'bias': 'uniform(a=-1/sqrt(36), b=1/sqrt(36))'}
        >>> e["bias"].source
        'conv.py _ConvNd.reset_parameters: bound = 1/sqrt(fan_in), fan_in = in_channels/groups * kernel = 36'
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(module, nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")
    uninit = getattr(nn.parameter, "UninitializedTensorMixin", ())
    tensors = _named_tensors(module)
    found: Dict[str, ExpectedScheme] = {}
    unknown: Dict[str, str] = {}
    overrides: List[Tuple[int, str, Dict[str, Tuple[str, str]], str]] = []
    for path, m in module.named_modules():
        prefix = path + "." if path else ""
        own = [(n, t) for n, t in list(m.named_parameters(recurse=False))
               + list(m.named_buffers(recurse=False)) if prefix + n in tensors
               and tensors[prefix + n] is t]
        po = _parent_overrides(m, torch)
        if po:
            overrides.append((path.count(".") + (1 if path else 0), prefix, po,
                              type(m).__name__))
        if not own:
            continue
        rules, why = _own_rules(m, torch)
        for n, t in own:
            full = prefix + n
            if uninit and isinstance(t, uninit):
                unknown[full] = (f"{type(m).__name__}: uninitialized (a lazy module: run a "
                                 "forward pass first)")
            elif rules is None:
                unknown[full] = why
            elif n not in rules:
                unknown[full] = (f"{type(m).__name__} has no default init for '{n}' "
                                 "(a parametrization such as weight_norm?)")
            else:
                scheme, src, pad = rules[n]
                found[full] = ExpectedScheme(scheme, type(m).__name__, path, src, pad)
    # Parents' inits run after their children's: deeper first, so that an
    # outer nn.Transformer's xavier_uniform_ has the last word.
    for _, prefix, po, mtype in sorted(overrides, key=lambda o: -o[0]):
        for rel, (scheme, src) in po.items():
            full = prefix + rel
            if full in tensors:
                found[full] = ExpectedScheme(scheme, mtype, prefix.rstrip("."), src)
                unknown.pop(full, None)
    out = ExpectedSchemes((n, found[n]) for n in tensors if n in found)
    out.unknown = {n: unknown[n] for n in tensors if n in unknown}
    return out


_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def _literal_glob(name: str) -> str:
    return _GLOB_SPECIAL.sub(r"\\\1", name)


def _tensor_array(t: Any, what: str, torch: Any) -> Tuple[Any, str]:
    """A CPU parameter/buffer as an array the engine reads in place.
    Integer and bool buffers (num_batches_tracked, masks) are read as they
    are (checked exactly, like a checkpoint's int64 tensors); non-contiguous
    ones become a contiguous copy; 0-d ones a 1-element view."""
    if t.device.type != "cpu":
        raise ValueError(f"{what}: tensor is on {t.device}; check_module reads CPU memory in "
                         "place: check module.cpu() (or a CPU copy of it)")
    t = t.detach()
    if t.dim() == 0:
        t = t.reshape(1)
    if not t.is_contiguous():
        t = t.contiguous()
    if not t.is_floating_point():
        if t.is_complex():
            raise ValueError(f"{what}: dtype {t.dtype} cannot be checked; give overrides="
                             f"{{{what!r}: None}} to skip it")
        return t.numpy(), ""
    return _as_array(t, what, None)


def check_module(module: Any, overrides: Optional[Mapping[str, Optional[str]]] = None, *,
                 strict: bool = True, alpha: Optional[float] = None,
                 independence: bool = True, threads: int = 0) -> Report:
    """Check every parameter and buffer of a model against its expected init.

    Each tensor is checked in place (no copy, no file) by initcheck's engine
    against :func:`expected_schemes` -- or against ``overrides`` for your own
    ``init_weights`` -- and Holm's method controls the false-alarm rate over
    every test of every tensor of the model (family-wise ``alpha``, default
    1e-6).

    Args:
        module: a ``torch.nn.Module`` on the CPU.
        overrides: ``{glob: scheme}`` tried in order before the defaults; the
            first glob that matches a tensor's name decides it (``fnmatch``
            syntax: ``*`` matches dots too). ``None`` as a scheme skips.
            E.g. ``{"*.bias": "zeros", "encoder.*.weight":
            "trunc_normal(std=0.02)"}``. An embedding's padding row is only
            split off when no override matches the weight.
        strict: fail the report when a tensor has no expectation and no
            override (a non-standard module) or an override matches nothing;
            with False these are listed and the verdict is the checked
            tensors'.
        alpha: family-wise false-alarm rate (default 1e-6).
        independence: run the independence tests.
        threads: worker threads (0: all cores); never changes the result.

    Returns:
        A :class:`initcheck.Report`: truthy when everything conforms;
        ``repr()`` names each failing tensor with its diagnosis.

    Example:
        >>> import torch, initcheck.torch
        >>> model = torch.nn.TransformerEncoderLayer(64, 4)
        >>> assert initcheck.torch.check_module(model)
        >>> torch.nn.init.normal_(model.linear1.weight, std=0.2)  # doctest: +ELLIPSIS
        Parameter ...
        >>> initcheck.torch.check_module(model).failures[0].name
        'linear1.weight'
    """
    torch = _torch()
    expected = expected_schemes(module)
    overrides = dict(overrides or {})
    label = f"module {type(module).__name__}"
    for glob in overrides:
        try:
            _core.glob_match(str(glob), "")
        except ValueError as e:
            raise ValueError(f"overrides[{glob!r}]: {e}") from None
    tensors = _named_tensors(module)

    # The tensors and rules go through the engine's planning as a checkpoint's
    # would: overrides first (user rules: strict mode reports one that matches
    # nothing), then one rule per tensor with its expectation (an embedding's
    # padding row as the rule's padding_idx), read in place.
    entries: List[Tuple[str, Any, str]] = []
    rules: List[tuple] = []
    for glob, scheme in overrides.items():
        rules.append((str(glob), None if scheme is None else str(scheme),
                      f"overrides[{glob!r}]", "skipped (overrides[...] = None)", True, None, ""))
    issues: List[str] = []
    # Listed as skipped by its rule, never read (a tensor that is not
    # checked and may not be readable: lazy, complex).
    placeholder = np.zeros(1, np.float32)
    uninit = getattr(torch.nn.parameter, "UninitializedTensorMixin", ())
    for name, t in tensors.items():
        matched = next((g for g in overrides if _core.glob_match(str(g), name)), None)
        e = expected.get(name)
        if matched is None and e is None:
            reason = expected.unknown.get(name, "no expectation")
            if strict:
                issues.append(f"{name}: {reason}; give overrides={{{name!r}: SCHEME}} "
                              "(or None to skip it)")
            rules.append((_literal_glob(name), None, name, reason, False, None, ""))
            entries.append((name, placeholder, ""))
            continue
        if matched is not None and overrides[matched] is None:
            entries.append((name, placeholder, ""))  # the override's skip rule lists it
            continue
        if uninit and isinstance(t, uninit):
            raise ValueError(f"{name}: uninitialized (a lazy module: run a forward pass "
                             "before checking it, or give it None in overrides)")
        entries.append((name, *_tensor_array(t, name, torch)))
        if matched is None:
            origin = f"{e.module} {e.path or '(the model)'}"
            # torch: normal_(weight); weight[padding_idx].fill_(0): the row
            # is zeros, the others follow the scheme.
            pad = e.padding_idx if e.padding_idx is not None and t.dim() == 2 else None
            rules.append((_literal_glob(name), str(e), origin, "", False, pad, e.module))
    if not rules:
        raise ValueError(f"{label}: no parameter or buffer to check")
    run = _core.check_arrays(entries, rules, label, alpha, _geometry("torch", None, None),
                             independence, threads, strict)
    return Report(run, issues=issues, title=label)


def assert_module(module: Any, overrides: Optional[Mapping[str, Optional[str]]] = None,
                  **kw: Any) -> Report:
    """:func:`check_module`, raising AssertionError with the summary and the
    failing tensors' test tables (what pytest shows). Returns the report."""
    __tracebackhide__ = True
    report = check_module(module, overrides, **kw)
    if not report.passed:
        parts = [report.summary()]
        for r in report.failures:
            parts.append("")
            parts.append(r.text().rstrip("\n"))
        raise AssertionError("\n".join(parts))
    return report
