"""initcheck.check_file and Report: `initcheck check` from Python, on the
PyTorch 1.13-made fixtures (verify/test/data/torch), with the tool's JSON and
JUnit byte for byte.

False alarms: the fixtures are fixed (deterministic); the verdicts expected
are the manifest's, measured with NumPy/SciPy when the fixtures were made."""
import json
import re

import pytest

import initcheck
from conftest import TORCH_DATA, run_cli


def manifest_rules(manifest, file):
    """{name: scheme} for every tensor the manifest documents in `file`
    (the int64 counters included: checked exactly, as the tool does)."""
    entry = next(f for f in manifest["files"] if f["file"] == file)
    return {t["name"]: t["scheme"] for t in entry["tensors"]}, entry


def rule_file(rules, path):
    """The rules as a TOML rule file (initcheck check --rules)."""
    path.write_text("".join(f'[[rule]]\nglob = "{name}"\nscheme = "{scheme}"\n\n'
                            for name, scheme in rules.items()))
    return path


def test_default_modules_pass_and_match_the_tool(cli, torch_manifest, tmp_path):
    rules, entry = manifest_rules(torch_manifest, "default_modules.safetensors")
    path = TORCH_DATA / "default_modules.safetensors"
    report = initcheck.check_file(path, rules=rules)
    assert report.passed and bool(report) and report.verdict == "pass", report.summary()
    assert len(report) == len(rules) and report.file == str(path) and report.skipped == []
    assert report["linear.weight"].fan_in == 64
    assert report["batch_norm1d.num_batches_tracked"].passed
    # The same rules as a rule file, here and in the tool: every format equal.
    toml = rule_file(rules, tmp_path / "rules.toml")
    report = initcheck.check_file(path, rules=toml)
    assert report, report.summary()
    rc, js, _ = run_cli(cli, "check", path, "--rules", toml, "--format", "json")
    assert rc == 0 and report.to_json() == js
    _, junit, _ = run_cli(cli, "check", path, "--rules", toml, "--format", "junit")
    strip = re.compile(r' time="[^"]*"')  # JUnit's wall times differ run to run
    assert strip.sub("", report.to_junit()) == strip.sub("", junit)
    _, text, _ = run_cli(cli, "check", path, "--rules", toml)
    assert report.text() == text == str(report)


def test_presets_strict_and_init_range_match_the_tool(cli):
    path = TORCH_DATA / "default_modules.safetensors"
    report = initcheck.check_file(path, preset="pytorch")
    rc, js, _ = run_cli(cli, "check", path, "--preset", "pytorch", "--format", "json")
    assert rc == (0 if report else 1) and report.to_json() == js
    strict = initcheck.check_file(path, preset="pytorch", strict=True)
    rc, js, _ = run_cli(cli, "check", path, "--preset", "pytorch", "--strict", "--format", "json")
    assert rc == (0 if strict else 1) and strict.to_json() == js
    assert strict.strict and strict.issues == json.loads(js)["strict_issues"]
    assert all(s.status in ("skipped", "unmatched", "ambiguous", "uncheckable")
               for s in strict.skipped)
    with pytest.raises(ValueError, match="init_range goes with preset='hf'"):
        initcheck.check_file(path, preset="pytorch", init_range=0.02)
    with pytest.raises(ValueError, match="unknown preset"):
        initcheck.check_file(path, preset="pytorh")


# As verify/test/fixtures/fixtures_test.cc's known_missing_hints (the verdict
# right, the diagnosis without the manifest's hint word; case-insensitive).
KNOWN_MISSING_HINTS = set()  # empty, as main's since the bound-formula and SELU hints


def test_bugs_fail_with_their_hints(torch_manifest):
    rules, entry = manifest_rules(torch_manifest, "bugs.safetensors")
    report = initcheck.check_file(TORCH_DATA / "bugs.safetensors", rules=rules)
    assert not report
    for t in entry["tensors"]:
        r = report[t["name"]]
        assert r.verdict == t["expect"], (t["name"], r.diagnosis)
        if t["expect"] == "fail" and t["name"] not in KNOWN_MISSING_HINTS:
            # Case-insensitive, as fixtures_test.cc compares them.
            assert t["hint"].lower() in r.diagnosis.lower(), (t["name"], t["hint"], r.diagnosis)
    summary = repr(report)
    assert summary.startswith(f"FAIL: {report.file}: {len(report.failures)} of {len(report)} "
                              "tensor(s) fail")
    assert "  FAIL std_x10.weight: variance " in summary


def test_one_tensor_and_warnings(torch_manifest):
    path = TORCH_DATA / "default_modules.safetensors"
    one = initcheck.check_file(path, "kaiming_uniform(a=sqrt(5))", tensor="conv2d.weight")
    assert one and [r.name for r in one] == ["conv2d.weight"]
    report = initcheck.check_file(path, rules=["conv*.weight=kaiming_uniform(a=sqrt(5))",
                                               "nothing.*=zeros"])
    assert report.warnings == ["rule 'nothing.*' (rules[1]) matches no tensor"]
    assert report and len(report) == 8  # conv1d..3d, depthwise, grouped, 3 transposed
    skipped = {s.tensor for s in report.skipped}
    assert "linear.bias" in skipped
    # A rule with None skips, with the reason; the first match wins.
    report = initcheck.check_file(path, rules={"embedding*": None, "*.weight":
                                               "normal"})
    assert next(s for s in report.skipped if s.tensor == "embedding.weight").reason == \
        "skipped (rules[...] = None)"
    assert not report  # the other weights are not N(0, 1)


def test_single_npy(torch_manifest):
    path = TORCH_DATA / "npy" / "conv2d.weight.npy"
    report = initcheck.check_file(path, "kaiming_uniform(a=sqrt(5))")
    assert report and report.results[0].name == str(path)
    doc = json.loads(report.to_json())
    assert doc["results"][0]["fan_in"] == 144
