"""Shared fixtures of the Python suite (verify/python/tests).

Under ctest (INITCHECK_CTEST=1) nothing may be skipped silently: a missing
tool fails the test. Tests that need PyTorch (Debian's python3-torch, which
`make deps` installs) are skipped where it is absent, with TORCH_MISSING as
the reason; under ctest such a run exits with status 77, which ctest reports
as "Skipped" (SKIP_RETURN_CODE), never as passed. Seeds are fixed;
INITCHECK_SEED=random draws fresh ones (printed in the failure report, as the
C++ suites do).
"""
import json
import os
import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

TORCH_MISSING = ("PyTorch is not installed (Debian: apt-get install python3-torch; "
                 "make deps installs it): this test needs torch")
try:
    import torch as _torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False
#: Marks a test that needs torch: skipped with TORCH_MISSING where it is absent.
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason=TORCH_MISSING)


def import_torch():
    """torch, or the module skipped with TORCH_MISSING (for torch-only files)."""
    return pytest.importorskip("torch", reason=TORCH_MISSING)


def pytest_collection_modifyitems(config, items):
    # The package's doctests (python.doctest loads this file with -p conftest):
    # an example that uses torch is skipped with TORCH_MISSING without it.
    if HAVE_TORCH:
        return
    for item in items:
        dt = getattr(item, "dtest", None)
        if dt is not None and any("torch" in ex.source for ex in dt.examples):
            item.add_marker(pytest.mark.skip(reason=TORCH_MISSING))


def pytest_sessionfinish(session, exitstatus):
    # Under ctest a torch-less run is "Skipped" (exit 77), not "Passed".
    # (5: every test of the file skipped at collection, torch-only files.)
    if os.environ.get("INITCHECK_CTEST") and not HAVE_TORCH and exitstatus in (0, 5):
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        skipped = reporter.stats.get("skipped", []) if reporter else []
        if any(TORCH_MISSING in str(getattr(r, "longrepr", "")) for r in skipped):
            session.exitstatus = 77


REPO = Path(__file__).resolve().parents[3]
TORCH_DATA = REPO / "verify" / "test" / "data" / "torch"
NUMPY_DATA = REPO / "verify" / "test" / "data" / "numpy"


def _base_seed():
    s = os.environ.get("INITCHECK_SEED")
    if s == "random":
        return random.SystemRandom().randrange(1, 2**31)
    return int(s) if s else 20261129


BASE_SEED = _base_seed()


def pytest_report_header(config):
    return f"initcheck seeds: INITCHECK_SEED={BASE_SEED}"


@pytest.fixture
def seed(request):
    """A fixed seed per test (INITCHECK_SEED=random: fresh, and printed)."""
    s = (BASE_SEED + sum(map(ord, request.node.name))) % 2**31
    print(f"seed={s} (INITCHECK_SEED={BASE_SEED})")
    return s


@pytest.fixture(scope="session")
def cli():
    """The initcheck tool (for parity tests): $INITCHECK_CLI."""
    path = os.environ.get("INITCHECK_CLI")
    if not path:
        if os.environ.get("INITCHECK_CTEST"):
            pytest.fail("INITCHECK_CLI is not set under ctest")
        pytest.skip("INITCHECK_CLI not set (the initcheck tool is needed for parity tests)")
    return path


def run_cli(cli, *args):
    """(exit code, stdout, stderr) of the tool."""
    p = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def cli_error(cli, *args):
    """The one-line message the tool prints for bad input (exit 2)."""
    rc, out, err = run_cli(cli, *args)
    assert rc == 2, (rc, out, err)
    assert out == ""
    line = err.strip()
    assert "\n" not in line
    prefix = "initcheck: error: "
    assert line.startswith(prefix), line
    return line[len(prefix):]


def variance_ratio(diagnosis):
    """The x in a diagnosis's "variance <x>x target"."""
    import re

    m = re.search(r"variance ([0-9.e+-]+)x target", diagnosis)
    assert m, diagnosis
    return float(m.group(1))


def read_safetensors(path):
    """{name: (dtype name, shape, raw bytes)} of a safetensors file."""
    data = Path(path).read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, h in header.items():
        b, e = h["data_offsets"]
        out[name] = (h["dtype"], tuple(h["shape"]), data[8 + n + b:8 + n + e])
    return out


def safetensors_arrays(path):
    """{name: numpy array} (BF16 as uint16 bit patterns, I64 as int64)."""
    kinds = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "BF16": "<u2", "I64": "<i8"}
    return {n: np.frombuffer(raw, kinds[d]).reshape(s)
            for n, (d, s, raw) in read_safetensors(path).items()}


@pytest.fixture(scope="session")
def torch_manifest():
    return json.loads((TORCH_DATA / "manifest.json").read_text())
