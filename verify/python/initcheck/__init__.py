"""initcheck: know -- not hope -- that neural-network weights are initialized correctly.

The engine of the ``initcheck`` tool (C++, pybind11) for Python test suites:

    >>> import torch, initcheck
    >>> lin = torch.nn.Linear(256, 128)
    >>> initcheck.check(lin.weight, "kaiming_uniform(a=sqrt(5))").passed
    True
    >>> initcheck.assert_follows(lin.bias, "uniform(a=-1/sqrt(256), b=1/sqrt(256))")  # doctest: +ELLIPSIS
    <array> ...

Functions:
    check(x, scheme, ...) -> Result         one array, read in place
    assert_follows(x, scheme, ...)          AssertionError with the diagnosis
    fill(scheme, shape, ...) -> ndarray     initcheck's reference fill
    check_file(path, ...) -> Report         .npy / .safetensors, as `initcheck check`
    propagate(weights, activation, ...)     mean-field theory vs simulation
    parse_scheme(text), schemes()
    initcheck.torch: expected_schemes(module), check_module(module, ...)
                     (imports torch only when called)

Bad input (scheme, shape, dtype, layout, option) raises ValueError with the
one-line message ``initcheck`` prints, never a crash or a silent pass.
"""
from __future__ import annotations

from typing import Any

from ._api import (
    DEFAULT_ALPHA,
    Propagation,
    Report,
    Result,
    Sample,
    Skipped,
    Target,
    TestResult,
    assert_follows,
    check,
    check_file,
    fill,
    parse_scheme,
    propagate,
    schemes,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_ALPHA", "Propagation", "Report", "Result", "Sample", "Skipped", "Target",
    "TestResult", "assert_follows", "check", "check_file", "fill", "parse_scheme", "propagate",
    "schemes", "torch",
]


def __getattr__(name: str) -> Any:
    # initcheck.torch on first use: importing initcheck never imports torch.
    if name == "torch":
        import importlib

        return importlib.import_module(".torch", __name__)
    raise AttributeError(f"module 'initcheck' has no attribute {name!r}")
