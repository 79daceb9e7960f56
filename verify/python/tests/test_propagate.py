"""initcheck.propagate: `initcheck propagate` from Python (same JSON as the
tool for the same arguments), small enough for CI."""
import json

import initcheck
from conftest import run_cli

ARGS = dict(depth=8, width=64, batch=32, seeds=4, seed=3)


def test_same_as_the_tool_and_readable(cli):
    p = initcheck.propagate("kaiming_normal", "relu", **ARGS)
    rc, js, err = run_cli(cli, "propagate", "--weights", "kaiming_normal", "--activation",
                          "relu", "--depth", 8, "--width", 64, "--batch", 32, "--seeds", 4,
                          "--seed", 3, "--format", "json")
    assert rc == 0, err
    assert p.to_json() == js
    assert p.agree is True and bool(p)
    assert len(p.layers) == 8 and p.layers[0]["layer"] == 1
    assert p.to_dict() == json.loads(js)
    assert "relu" in repr(p) and p._repr_markdown_().startswith("|") or "|" in p._repr_markdown_()


def test_vanishing_signal_is_reported():
    p = initcheck.propagate("normal(std=0.001)", "tanh", **ARGS)
    assert p.phenomena["forward_vanish_layer"] is not None
