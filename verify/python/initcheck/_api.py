"""The Python API over initcheck's C++ engine (initcheck._core).

Everything that decides -- targets, statistics, Holm, diagnoses, text/JSON/
JUnit/markdown -- is the engine's; this module converts arguments, reads
arrays in place and presents the engine's results as Python objects.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

#: The default family-wise false-alarm rate (Holm over every test of every
#: tensor checked together): 1e-6, as ``initcheck check``.
DEFAULT_ALPHA: float = _core.DEFAULT_ALPHA

ShapeLike = Union[str, Sequence[int]]


# ---- arrays -------------------------------------------------------------------


def _torch_array(t: Any, what: str) -> Tuple[np.ndarray, str]:
    """A CPU torch tensor as a NumPy view of its memory (no copy)."""
    torch = sys.modules["torch"]
    if t.device.type != "cpu":
        raise ValueError(
            f"{what}: tensor is on {t.device}; initcheck reads CPU memory in place: "
            "pass x.cpu() (a copy)")
    if t.layout != torch.strided:
        raise ValueError(f"{what}: {t.layout} tensors are not supported; pass x.to_dense()")
    t = t.detach()
    if not t.is_contiguous():
        raise ValueError(
            f"{what}: tensor is not contiguous (strides {tuple(t.stride())}); initcheck reads "
            "the caller's memory in place: pass x.contiguous() (a copy)")
    if t.is_conj() or t.is_neg():
        raise ValueError(f"{what}: lazy conj/neg views are not supported; pass x.resolve_neg()")
    if t.dtype == torch.bfloat16:
        # NumPy has no bfloat16: the same bytes as int16 (a view, no copy),
        # read as bf16 by the engine.
        return t.view(torch.int16).numpy(), "bf16"
    if t.dtype in (torch.float32, torch.float64, torch.float16):
        return t.numpy(), ""
    if not t.is_floating_point() and not t.is_complex():
        return t.numpy(), ""  # integer/bool: checked exactly, as a file's
    raise ValueError(
        f"{what}: dtype {t.dtype} is not supported; initcheck reads float tensors: float32, "
        "float64, float16 and bfloat16 (integer and bool tensors against zeros, ones or "
        "constant); convert with x.float()")


def _as_array(x: Any, what: str, dtype: Optional[str]) -> Tuple[np.ndarray, str]:
    """(array over x's memory, raw-bits dtype or "") -- never a hidden copy."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        if dtype is not None:
            raise ValueError(f"{what}: dtype= is for raw 16-bit NumPy arrays; a torch tensor "
                             "carries its dtype")
        return _torch_array(x, what)
    if isinstance(x, np.ndarray):
        return x, dtype or ""
    if hasattr(x, "__array_interface__") or hasattr(x, "__array_struct__"):
        return np.asarray(x), dtype or ""  # a view of the same memory
    try:
        memoryview(x).release()  # the buffer protocol
    except TypeError:
        pass
    else:
        return np.asarray(x), dtype or ""
    if hasattr(x, "__dlpack__"):
        return np.from_dlpack(x), dtype or ""
    raise TypeError(
        f"{what} must be an array: a NumPy array, a CPU torch tensor, or any object with the "
        f"buffer protocol or __array_interface__; got {type(x).__name__} "
        "(for a list, pass np.asarray(x, dtype=np.float32))")


def _geometry(layout: str, fan_in: Optional[int], fan_out: Optional[int], fans: str = "framework",
              groups: int = 1, transposed: bool = False) -> dict:
    return {"layout": layout, "fan_in": fan_in, "fan_out": fan_out, "fans": fans,
            "groups": groups, "transposed": transposed}


# ---- results ------------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    """One test of the battery, as the engine reported it.

    ``p_value`` is None when the test could not run (too few values; ``note``
    says why); ``adjusted_p_value`` is Holm's over the whole family; ``reject``
    is the decision at the family-wise alpha; ``reliable`` False means the test
    is reported but never gates the verdict.
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: Optional[float]
    p_value: Optional[float]
    adjusted_p_value: Optional[float]
    reject: bool
    reliable: bool
    note: str
    dof: Optional[float] = None


@dataclass(frozen=True)
class Target:
    """What the scheme's weights should look like (the oracle's derivation)."""

    family: str
    mean: Optional[float]
    variance: Optional[float]
    low: Optional[float]
    high: Optional[float]
    derivation: str


@dataclass(frozen=True)
class Sample:
    """Summary of the checked values."""

    n: int
    mean: Optional[float]
    variance: Optional[float]
    min: Optional[float]
    max: Optional[float]
    excess_kurtosis: Optional[float]


class Result:
    """The check of one tensor: the verdict, every test, the diagnosis.

    Truthy when the tensor conforms, so ``assert initcheck.check(w, scheme)``
    works; ``repr()`` is the text ``initcheck check`` prints; in a notebook
    it renders as markdown. ``to_json()`` is ``initcheck check --format json``
    of a run holding this tensor.

    Attributes:
        name: the tensor's name (``"<array>"`` or the ``name=`` given).
        scheme: the scheme, canonical (every parameter).
        verdict: ``"pass"`` or ``"fail"``; ``passed``: the same as a bool.
        tests: list of :class:`TestResult`.
        target: :class:`Target`; sample: :class:`Sample`.
        diagnosis: one line saying what looks wrong ("" on a pass).
        resolution: what the check can detect, as the engine reports it
            (a dict), or None when the engine does not report it.
        shape, layout, dtype, fan_in, fan_out, n: what was checked.
    """

    def __init__(self, run: "_core.Run", index: int) -> None:
        self._run = run
        self._index = index
        doc = json.loads(run.format_check(index, "json"))
        r = doc["results"][0]
        self._doc = doc
        self.name: str = r["tensor"] if r["tensor"] is not None else run.file
        self.scheme: str = r["scheme"]
        self.shape: Tuple[int, ...] = tuple(r["shape"])
        self.layout: str = r["layout"]
        self.dtype: str = r["dtype"]
        self.fan_in: Optional[int] = r["fan_in"]
        self.fan_out: Optional[int] = r["fan_out"]
        self.n: int = r["n"]
        self.verdict: str = r["verdict"]
        self.passed: bool = self.verdict == "pass"
        self.diagnosis: str = r["diagnosis"]
        t = r["target"]
        self.target = Target(t["family"], t["mean"], t["variance"], t["low"], t["high"],
                             t["derivation"])
        s = r["sample"]
        self.sample = Sample(self.n, s["mean"], s["variance"], s["min"], s["max"],
                             s["excess_kurtosis"])
        self.tests = [TestResult(x["name"], x["statistic"], x["p_value"], x["adjusted_p_value"],
                                 x["reject"], x["reliable"], x["note"], x.get("dof"))
                      for x in r["tests"]]
        self.resolution: Optional[dict] = r.get("resolution")

    def __bool__(self) -> bool:
        return self.passed

    @property
    def failed_tests(self) -> list:
        """The tests that rejected (what made the verdict "fail")."""
        return [t for t in self.tests if t.reject]

    def to_json(self) -> str:
        """``initcheck check --format json`` of a run holding this tensor."""
        return self._run.format_check(self._index, "json")

    def to_dict(self) -> dict:
        """The JSON document as a dict."""
        return json.loads(self.to_json())

    def text(self) -> str:
        """The text ``initcheck check`` prints for this tensor."""
        return self._run.format_check(self._index, "text")

    def __repr__(self) -> str:
        return self.text().rstrip("\n")

    def _repr_markdown_(self) -> str:
        return self._run.format_check(self._index, "markdown")

    def failure_message(self) -> str:
        """What :func:`assert_follows` raises: diagnosis, failing tests, the table."""
        lines = [f"{self.name} does not follow {self.scheme}: {self.diagnosis}"]
        if self.failed_tests:
            lines.append("failing tests: " + "; ".join(
                f"{t.name} (p={_g(t.p_value)}, adjusted {_g(t.adjusted_p_value)}"
                + (f": {t.note}" if t.note else "") + ")" for t in self.failed_tests))
        lines.append("")
        lines.append(self.text().rstrip("\n"))
        return "\n".join(lines)


def _g(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.3g}"


@dataclass(frozen=True)
class Skipped:
    """A tensor that was not checked, and why: ``status`` is the engine's
    ``"skipped"``, ``"unmatched"``, ``"ambiguous"`` or ``"uncheckable"``."""

    tensor: str
    reason: str
    status: str = "skipped"


class Report:
    """The check of several tensors (a file, a model), decided together.

    Holm's method controls the family-wise false-alarm rate over every test
    of every checked tensor. Truthy when every checked tensor conforms (and,
    for :func:`initcheck.torch.check_module` with ``strict=True``, nothing
    was left unchecked). ``repr()`` is a summary naming each failing tensor
    with its diagnosis (what a failing ``assert report`` shows); ``str()``
    and :meth:`text` are the full text of ``initcheck check``.

    Attributes:
        results: list of :class:`Result` in file (or module) order;
            ``report["fc.weight"]`` finds one by name.
        failures: the results that failed.
        skipped: list of :class:`Skipped`.
        warnings: e.g. a rule that matches no tensor.
        issues: what failed the report besides the tensors (strict mode:
            the engine's strict issues -- unmatched, ambiguous and
            uncheckable tensors, rules matching nothing -- and, for
            check_module, tensors without an expectation).
        verdict, passed, alpha, file, strict.
    """

    def __init__(self, run: "_core.Run", issues: Sequence[str] = (),
                 title: Optional[str] = None) -> None:
        self._run = run
        self.file: str = run.file
        self.alpha: float = run.alpha
        self.results = [Result(run, i) for i in range(run.size)]
        self.skipped = [Skipped(t, r, st) for t, r, st in run.skipped]
        self.warnings: list = list(run.warnings)
        self.strict: bool = bool(run.strict)
        self._extra = list(issues)  # besides the engine's (check_module)
        self.issues: list = self._extra + list(run.strict_issues if run.strict else [])
        self.passed: bool = bool(run.passed) and not self._extra
        self.verdict: str = "pass" if self.passed else "fail"
        self._title = title or self.file

    def __bool__(self) -> bool:
        return self.passed

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[Result]:
        return iter(self.results)

    def __getitem__(self, name: str) -> Result:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def failures(self) -> list:
        return [r for r in self.results if not r.passed]

    def to_json(self) -> str:
        """``initcheck check --format json`` (the contract in format.h)."""
        if not self._extra:
            return self._run.format("json")
        doc = json.loads(self._run.format("json"))
        doc["verdict"] = "fail"
        doc["issues"] = self._extra
        return json.dumps(doc, indent=2) + "\n"

    def to_dict(self) -> dict:
        return json.loads(self.to_json())

    def to_junit(self) -> str:
        """JUnit XML (``initcheck check --format junit``) for CI systems."""
        return self._run.format("junit")

    def text(self) -> str:
        """The full text ``initcheck check`` prints (every tensor's table)."""
        out = self._run.format("text")
        for issue in self._extra:
            out += f"FAIL (strict): {issue}\n"
        return out

    def __str__(self) -> str:
        return self.text()

    def summary(self) -> str:
        """The verdict, then one line per failing or unchecked tensor (the
        diagnosis first: pytest shortens a long ``assert report`` from the
        middle)."""
        n = len(self.results)
        failed = self.failures
        if failed:
            head = f"{self.verdict.upper()}: {self._title}: {len(failed)} of {n} tensor(s) fail"
        else:
            head = f"{self.verdict.upper()}: {self._title}: {n} of {n} tensor(s) conform"
        if self.skipped:
            head += f", {len(self.skipped)} not checked"
        head += f" (family-wise alpha {self.alpha:.3g}, Holm)"
        lines = [head]
        for r in failed:
            lines.append(f"  FAIL {r.name}: {r.diagnosis} [expected {r.scheme}]")
        for s in self.skipped[:10]:
            lines.append(f"  not checked ({s.status}) {s.tensor}: {s.reason}")
        if len(self.skipped) > 10:
            lines.append(f"  ... and {len(self.skipped) - 10} more not checked "
                         "(report.skipped lists them)")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        for issue in self.issues:
            lines.append(f"  strict: {issue}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_markdown_(self) -> str:
        out = self._run.format("markdown")
        for issue in self._extra:
            out += f"- **strict**: {issue}\n"
        return out


# ---- the API ------------------------------------------------------------------


def check(x: Any, scheme: str, *, layout: str = "torch", fan_in: Optional[int] = None,
          fan_out: Optional[int] = None, alpha: Optional[float] = None,
          fans: str = "framework", groups: int = 1, transposed: bool = False,
          dtype: Optional[str] = None, name: Optional[str] = None,
          independence: bool = True, threads: int = 0) -> Result:
    """Check that the values of ``x`` follow an initialization scheme.

    Runs initcheck's whole battery (KS, Anderson-Darling, chi-square, mean,
    variance, support, independence; exact structure for zeros/ones/eye/
    dirac; orthogonality and Haar tests for orthogonal) against the target
    the oracle derives from the scheme and the shape, and decides with Holm
    at family-wise level ``alpha``. The GIL is released while it runs.

    Args:
        x: the weights: a NumPy array, a CPU torch tensor (float32, float64,
            float16 or bfloat16 -- bf16 is read as such, no conversion; integer
            and bool arrays are checked exactly against zeros, ones or
            constant, as the tool checks a file's int64 tensors), or any
            object with the buffer protocol or ``__array_interface__``. Read
            in place, never copied: a non-contiguous array is refused with a
            ValueError (pass ``np.ascontiguousarray(x)`` or
            ``x.contiguous()``, an explicit copy).
        scheme: in PyTorch call syntax, e.g. ``"kaiming_uniform(a=sqrt(5))"``,
            ``"trunc_normal(std=0.02)"``, ``"he_normal"`` (Keras names too).
        layout: how to read the shape: ``"torch"`` ([out, in, *k]) or
            ``"keras"``/``"jax"`` ([*k, in, out]).
        fan_in, fan_out: explicit fans (both or neither), e.g. for a bias.
        alpha: family-wise false-alarm rate (default :data:`DEFAULT_ALPHA`).
        fans, groups, transposed: ``fans="layer"`` counts a grouped or
            transposed convolution's true connections (``initcheck check
            --fans layer --groups G --transposed``).
        dtype: ``"bf16"`` or ``"f16"`` when ``x`` holds raw 16-bit patterns
            (a uint16/int16 array, e.g. from :func:`fill` with dtype bf16).
        name: what to call ``x`` in the report (default ``"<array>"``).
        independence: run the independence tests (default True).
        threads: worker threads (0: all cores); never changes the result.

    Returns:
        A :class:`Result` (truthy when the values conform).

    Raises:
        ValueError: bad scheme, layout, fans, shape or dtype, with the
            one-line message ``initcheck check`` prints (and its "did you
            mean"); TypeError: ``x`` is not an array.

    Example:
        >>> import numpy as np, initcheck
        >>> w = initcheck.fill("kaiming_uniform(a=sqrt(5))", (64, 32, 3, 3), seed=1)
        >>> r = initcheck.check(w, "kaiming_uniform(a=sqrt(5))")
        >>> r.passed, r.verdict
        (True, 'pass')
        >>> bool(initcheck.check(w * 10, "kaiming_uniform(a=sqrt(5))"))
        False
    """
    label = "<array>" if name is None else str(name)
    arr, raw = _as_array(x, label, dtype)
    run = _core.check_array(arr, scheme, raw, label, alpha,
                            _geometry(layout, fan_in, fan_out, fans, groups, transposed),
                            independence, threads)
    return Result(run, 0)


def assert_follows(x: Any, scheme: str, **kw: Any) -> Result:
    """Assert that ``x`` follows ``scheme`` (:func:`check`'s keywords).

    Raises AssertionError whose message is the diagnosis, the failing tests
    and the test table -- what pytest shows. Returns the :class:`Result`.

    Example:
        >>> import torch, initcheck
        >>> lin = torch.nn.Linear(256, 128)
        >>> _ = initcheck.assert_follows(lin.weight, "kaiming_uniform(a=sqrt(5))")
    """
    __tracebackhide__ = True  # pytest: show the caller's line
    r = check(x, scheme, **kw)
    if not r.passed:
        raise AssertionError(r.failure_message())
    return r


def fill(scheme: str, shape: ShapeLike, *, layout: str = "torch", dtype: str = "f32",
         seed: int = 0, stream: int = 0, threads: int = 0, fan_in: Optional[int] = None,
         fan_out: Optional[int] = None, fans: str = "framework", groups: int = 1,
         transposed: bool = False) -> np.ndarray:
    """Draw a weight tensor from a scheme with initcheck's reference fill.

    Bit-identical to ``initcheck fill SCHEME --shape ... --seed S --stream K``
    (the same Philox4x32-10 counters and transforms) for any ``threads``.

    Args:
        scheme: e.g. ``"kaiming_uniform(a=sqrt(5))"``.
        shape: a sequence of ints or the CLI's text (``"64,32,3,3"``).
        layout, fan_in, fan_out, fans, groups, transposed: as :func:`check`.
        dtype: ``"f32"``, ``"f64"``, ``"f16"`` or ``"bf16"`` (also
            ``"float32"``...). NumPy has no bfloat16: bf16 comes back as a
            uint16 array of the bit patterns; ``torch.from_numpy(a).view(
            torch.bfloat16)`` makes it a tensor, ``check(a, s, dtype="bf16")``
            checks it.
        seed, stream: 64-bit seed and stream id.
        threads: 0 = all cores; never changes the output.

    Returns:
        A C-ordered numpy.ndarray owning the filled buffer (no copy).

    Example:
        >>> import initcheck
        >>> w = initcheck.fill("he_normal", (3, 3, 32, 64), layout="keras", seed=7)
        >>> w.shape, w.dtype
        ((3, 3, 32, 64), dtype('float32'))
    """
    return _core.fill(scheme, shape,
                      _geometry(layout, fan_in, fan_out, fans, groups, transposed),
                      dtype, seed, stream, threads)


RulesLike = Union[Mapping[str, Optional[str]], Sequence[str], str, "os.PathLike[str]"]


def _file_rules(rules: Optional[RulesLike]) -> Tuple[list, list]:
    """(rules for the binding, rule files): 'GLOB=SCHEME' strings are parsed
    by the engine (origin ``rules[i]``); a dict {glob: scheme or None} gives
    the rules directly; a str or path is a TOML rule file."""
    if rules is None:
        return [], []
    if isinstance(rules, (str, os.PathLike)):
        return [], [os.fspath(rules)]
    if isinstance(rules, Mapping):
        return [(str(glob), None if scheme is None else str(scheme), f"rules[{glob!r}]",
                 "skipped (rules[...] = None)", True, None, "")
                for glob, scheme in rules.items()], []
    if isinstance(rules, (list, tuple)):
        for i, text in enumerate(rules):
            if not isinstance(text, str):
                raise TypeError(f"rules[{i}] must be a 'GLOB=SCHEME' string, got "
                                f"{type(text).__name__}")
        return list(rules), []
    raise TypeError("rules must be a list of 'GLOB=SCHEME' strings, a dict {glob: scheme} or "
                    f"the path of a TOML rule file, got {type(rules).__name__}")


def check_file(path: Union[str, "os.PathLike[str]"], scheme: Optional[str] = None, *,
               tensor: Optional[str] = None, rules: Optional[RulesLike] = None,
               preset: Optional[str] = None, strict: bool = False,
               init_range: Optional[float] = None, layout: str = "torch",
               fan_in: Optional[int] = None, fan_out: Optional[int] = None,
               alpha: Optional[float] = None, fans: str = "framework", groups: int = 1,
               transposed: bool = False, independence: bool = True, threads: int = 0,
               max_elements: int = 1 << 32) -> Report:
    """Check a checkpoint: ``initcheck check`` from Python.

    Reads ``.npy``, ``.safetensors``, a sharded Hugging Face index
    (``*.index.json``) or ``.npz``. Give ``scheme`` (with ``tensor=NAME``
    for a checkpoint of several tensors), or rules: ``rules`` (a list of
    ``'GLOB=SCHEME'`` strings as ``--rule``, a dict ``{glob: scheme}`` with
    ``None`` to skip, or the path of a TOML rule file as ``--rules``) and/or
    ``preset`` (``"pytorch"``, ``"hf"`` with ``init_range``, ``"keras"``,
    ``"flax"``), tried in that order: the first rule that matches a tensor
    decides it. ``strict=True`` fails the report on unmatched, ambiguous or
    uncheckable tensors and on rules matching nothing (``--strict``); without
    it they are listed in ``report.skipped``. Holm controls the false-alarm
    rate over all tests of all tensors.

    Example:
        >>> import initcheck
        >>> report = initcheck.check_file("model.safetensors", preset="pytorch",  # doctest: +SKIP
        ...                               rules=["head.weight=trunc_normal(std=0.02)"])
        >>> assert report, report.summary()  # doctest: +SKIP
    """
    has_rules = rules is not None or preset is not None
    if (scheme is None) == (not has_rules):
        raise ValueError("give either scheme (with tensor= for a checkpoint) or rules/preset, "
                         "not both" if scheme is not None else
                         "missing scheme; e.g. initcheck.check_file(path, "
                         "'kaiming_uniform(a=sqrt(5))'), or rules=['GLOB=SCHEME'] / "
                         "preset='pytorch' for a checkpoint")
    if tensor is not None and has_rules:
        raise ValueError("give either scheme (with tensor= for a checkpoint) or rules/preset, "
                         "not both")
    geometry = _geometry(layout, fan_in, fan_out, fans, groups, transposed)
    items, files = _file_rules(rules)
    run = _core.check_file(os.fspath(path), scheme, tensor or "", items, files, preset or "",
                           init_range, strict, alpha, geometry, independence, threads,
                           max_elements)
    return Report(run)


def parse_scheme(text: str) -> str:
    """The canonical form of a scheme (every parameter spelled out).

    >>> import initcheck
    >>> initcheck.parse_scheme("kaiming_uniform_(a=sqrt(5))")
    'kaiming_uniform(a=2.23606797749979, mode=fan_in, nonlinearity=leaky_relu)'
    """
    return _core.parse_scheme(text)


def schemes() -> list:
    """Every scheme initcheck knows: name, convention, parameters, summary."""
    return _core.scheme_specs()


class Propagation:
    """Mean-field theory against simulation (``initcheck propagate``).

    ``agree``: every decidable layer agrees (None if none is decidable);
    ``layers``: per layer, forward/backward theory and simulation;
    ``phenomena``: vanishing/exploding layers, dead units, symmetry.
    ``repr()`` is the CLI's text; ``to_json()`` its JSON.
    """

    def __init__(self, out: dict) -> None:
        self._out = out
        doc = json.loads(out["json"])
        self._doc = doc
        self.agree: Optional[bool] = doc.get("agree")
        self.layers: list = doc.get("layers", [])
        self.phenomena: dict = doc.get("phenomena", {})
        self.theory: dict = doc.get("theory", {})

    def __bool__(self) -> bool:
        return bool(self.agree)

    def to_json(self) -> str:
        return self._out["json"]

    def to_dict(self) -> dict:
        return json.loads(self._out["json"])

    def __repr__(self) -> str:
        return self._out["text"].rstrip("\n")

    def _repr_markdown_(self) -> str:
        return self._out["markdown"]


def propagate(weights: str, activation: str, *, depth: int = 50, width: int = 512,
              batch: int = 256, seeds: int = 8, bias_std: float = 0.0, seed: int = 0,
              threads: int = 0) -> Propagation:
    """Signal propagation at initialization: theory vs simulation.

    The same as ``initcheck propagate --weights W --activation A`` (a deep
    fully connected network, every layer width x width). The GIL is released
    while it runs.

    Example:
        >>> import initcheck
        >>> p = initcheck.propagate("kaiming_normal", "relu", depth=10, width=128, seeds=4)
        >>> p.agree
        True
    """
    return Propagation(_core.propagate(weights, activation, depth, width, batch, seeds,
                                       bias_std, seed, threads))
