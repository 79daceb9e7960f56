#!/usr/bin/python3
"""Validates `initcheck check --format junit` on whole models (ctest
verify_cli_junit): runs the CLI with --format junit and --format json on the
same inputs and checks, with Python's XML parser (expat), that the report is

  - well-formed XML with a <testsuites> root holding one <testsuite>;
  - consistent: tests/failures/errors/skipped on <testsuites> and
    <testsuite> equal the counts of <testcase>, <failure>, <error> and
    <skipped> elements, and every time attribute is a number >= 0;
  - one <testcase> per tensor: the names are exactly the tensors of the
    JSON report (checked and not), plus, under --strict, one per user rule
    that matches no tensor; classname = the file's stem;
  - a failed check is a <failure> whose message is the JSON diagnosis, with
    the test table in <system-out>; a passing check has neither <failure>
    nor <skipped>; informational statistics never become <skipped>.

Usage: junit_check.py INITCHECK DATA_DIR WORK_DIR
Exit 0 on success, 1 with a message on the first violation.
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET


def fail(msg):
    print("junit_check: " + msg)
    sys.exit(1)


def run(cli, args):
    p = subprocess.run([cli, "check", "-q"] + args, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        fail("initcheck check %s: exit %d\n%s" % (" ".join(args), p.returncode, p.stderr))
    return p.returncode, p.stdout


def stem(path):
    base = os.path.basename(path)
    for suffix in (".safetensors.index.json", ".index.json", ".safetensors", ".npz", ".npy"):
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def validate(cli, path, args, label):
    rc_x, xml_text = run(cli, [path, "--format", "junit"] + args)
    rc_j, json_text = run(cli, [path, "--format", "json"] + args)
    if rc_x != rc_j:
        fail("%s: exit %d with junit, %d with json" % (label, rc_x, rc_j))
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as e:
        fail("%s: not well-formed XML: %s" % (label, e))
    report = json.loads(json_text)
    if root.tag != "testsuites":
        fail("%s: root is <%s>" % (label, root.tag))
    suites = root.findall("testsuite")
    if len(suites) != 1:
        fail("%s: %d <testsuite> elements" % (label, len(suites)))
    cases = root.findall("./testsuite/testcase")
    counts = {
        "tests": len(cases),
        "failures": len(root.findall("./testsuite/testcase/failure")),
        "errors": len(root.findall("./testsuite/testcase/error")),
        "skipped": len(root.findall("./testsuite/testcase/skipped")),
    }
    for el in [root] + suites:
        for key, n in counts.items():
            if el.get(key) != str(n):
                fail("%s: <%s %s=%r> but %d such elements" % (label, el.tag, key, el.get(key), n))
        if float(el.get("time")) < 0:
            fail("%s: negative time on <%s>" % (label, el.tag))
    for case in cases:
        if case.get("classname") != stem(path):
            fail("%s: classname %r, want the stem %r" % (label, case.get("classname"), stem(path)))
        if float(case.get("time")) < 0:
            fail("%s: negative time on %s" % (label, case.get("name")))
        n_status = len(case.findall("failure")) + len(case.findall("skipped"))
        if n_status > 1:
            fail("%s: testcase %s has %d failure/skipped children" % (label, case.get("name"), n_status))
    names = [c.get("name") for c in cases]
    if len(set(names)) != len(names):
        fail("%s: duplicate testcase names" % label)
    results = {(r["tensor"] if r["tensor"] is not None else stem(path)): r
               for r in report["results"]}
    not_checked = {s["tensor"]: s for s in report["skipped"]}
    unused = [r for r in report["rules"] if r["tensors"] == 0] if report["strict"] else []
    want = set(results) | set(not_checked) | {"rule %s: %s" % (r["rule"], r["glob"]) for r in unused}
    if set(names) != want:
        fail("%s: testcases %s differ from the tensors %s" % (
            label, sorted(set(names) ^ want)[:5], len(want)))
    by_name = {c.get("name"): c for c in cases}
    n_fail = 0
    for name, r in results.items():
        case = by_name[name]
        failure = case.find("failure")
        if r["verdict"] == "fail":
            n_fail += 1
            if failure is None:
                fail("%s: %s fails but has no <failure>" % (label, name))
            if failure.get("message") != r["diagnosis"]:
                fail("%s: %s: failure message %r, diagnosis %r" % (
                    label, name, failure.get("message"), r["diagnosis"]))
        elif failure is not None or case.find("skipped") is not None:
            fail("%s: passing %s has a <failure> or <skipped>" % (label, name))
        out = case.find("system-out")
        if out is None or "p-value" not in out.text or \
                any(t["name"] not in out.text for t in r["tests"]):
            fail("%s: %s has no test table in <system-out>" % (label, name))
    for name, s in not_checked.items():
        case = by_name[name]
        kind = "failure" if report["strict"] and s["status"] != "skipped" else "skipped"
        if case.find(kind) is None:
            fail("%s: %s (%s) is not a <%s>" % (label, name, s["status"], kind))
    print("%s: %d testcases (%d failures, %d skipped), counts consistent" % (
        label, counts["tests"], counts["failures"], counts["skipped"]))
    return counts


def main():
    if len(sys.argv) != 4:
        fail("usage: junit_check.py INITCHECK DATA_DIR WORK_DIR")
    cli, data, work = sys.argv[1:]
    torch = os.path.join(data, "torch")
    choices = ["--rule", "linear_nobias.weight=@Linear", "--rule", "bilinear.*=@Bilinear",
               "--rule", "conv1d.*=@Conv1d", "--rule", "embedding*.weight=@Embedding",
               "--rule", "prelu.weight=@PReLU"]
    model = os.path.join(torch, "default_modules.safetensors")
    # A passing model: one testcase per tensor, no failure, no skipped.
    c = validate(cli, model, ["--preset", "pytorch", "--strict"] + choices, "strict pass")
    if c["tests"] != 126 or c["failures"] or c["skipped"]:
        fail("strict pass: %s, want 126 testcases, none failed or skipped" % c)
    # Ambiguous tensors: skipped without --strict, failures with it; an
    # unused rule is a failed testcase under --strict.
    c = validate(cli, model, ["--preset", "pytorch"], "ambiguous")
    if c["skipped"] != 8 or c["failures"]:
        fail("ambiguous: %s, want 8 skipped" % c)
    c = validate(cli, model, ["--preset", "pytorch", "--strict", "--rule", "nope.*=zeros"],
                 "strict ambiguous")
    if c["failures"] != 9 or c["tests"] != 127:
        fail("strict ambiguous: %s, want 127 testcases, 9 failures" % c)
    # Failing checks: the bugs, with the manifest's intended schemes.
    manifest = json.load(open(os.path.join(torch, "manifest.json")))
    bugs = [f for f in manifest["files"] if f["file"] == "bugs.safetensors"][0]
    rules = []
    for t in bugs["tensors"]:
        rules += ["--rule", t["name"] + "=" + t["scheme"]]
    c = validate(cli, os.path.join(torch, "bugs.safetensors"), rules, "bugs")
    if c["failures"] != sum(t["expect"] == "fail" for t in bugs["tensors"]):
        fail("bugs: %s failures" % c)
    # A sharded checkpoint and an .npz: the stems.
    validate(cli, os.path.join(torch, "sharded", "model.safetensors.index.json"),
             ["--preset", "hf", "--strict"], "sharded")
    validate(cli, os.path.join(torch, "default_modules_compressed.npz"),
             ["--preset", "pytorch", "--strict"] + choices, "npz")
    # A single .npy: the testcase is named after the file.
    validate(cli, os.path.join(torch, "npy", "conv2d.weight.npy"),
             ["kaiming_uniform(a=sqrt(5))"], "npy")
    print("junit_check: all reports valid")


if __name__ == "__main__":
    main()
