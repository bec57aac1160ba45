#!/usr/bin/env python3
"""Summarize a test run: every *.trx (VSTest/xunit) and python-*.log (unittest -v) in a results folder.

Prints one line per test project / python interpreter, the failed and skipped test names, then a final
plain line `N passed, N failed, N skipped`. Exit status: 1 if anything failed (or a run crashed, or no
results were found), 1 if anything was skipped and CI=true, else 0. Stdlib only.

usage: summarize_trx.py RESULTS_DIR
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
FAILED_OUTCOMES = {"Failed", "Error", "Timeout", "Aborted"}
SKIPPED_OUTCOMES = {"NotExecuted", "Inconclusive", "NotRunnable", "Pending", "Disconnected"}


def unfinished_tests(results_dir, finished):
    """Tests the blame collector saw start (Sequence_*.xml) that have no result: on a hang or crash, the culprits."""
    names = []
    for seq in glob.glob(os.path.join(results_dir, "**", "Sequence_*.xml"), recursive=True):
        try:
            root = ET.parse(seq).getroot()
        except ET.ParseError:
            continue
        for el in root.iter():
            name = el.get("DisplayName") or el.get("Name")
            if name and el.get("Completed", "False") != "True" and name not in finished and name not in names:
                names.append(name)
    return names


def trx_summary(path, results_dir):
    root = ET.parse(path).getroot()
    storage = {}
    for ut in root.iterfind("t:TestDefinitions/t:UnitTest", NS):
        storage[ut.get("id")] = os.path.basename(ut.get("storage") or "")
    name = None
    passed = failed = skipped = 0
    failed_names, skipped_names = [], []
    for r in root.iterfind("t:Results/t:UnitTestResult", NS):
        outcome = r.get("outcome")
        name = name or storage.get(r.get("testId"))
        test = r.get("testName")
        if outcome == "Passed":
            passed += 1
        elif outcome in FAILED_OUTCOMES:
            failed += 1
            msg = r.find("t:Output/t:ErrorInfo/t:Message", NS)
            failed_names.append((test, (msg.text or "").strip().splitlines() if msg is not None else []))
        else:
            skipped += 1
            skipped_names.append(test)
    summary = root.find("t:ResultSummary", NS)
    out_text = ""
    so = summary.find("t:Output/t:StdOut", NS) if summary is not None else None
    if so is not None and so.text:
        out_text = so.text
    m = re.search(r"Discovering: (\S+)", out_text)  # proper case; TRX storage paths are lower-cased
    if m:
        name = m.group(1)
    name = name or os.path.basename(path)
    name = re.sub(r"\.dll$", "", name)
    run_outcome = summary.get("outcome") if summary is not None else "Unknown"
    crash = None
    if run_outcome not in ("Completed", "Passed", "Warning") and failed == 0:
        infos = [ri.findtext("t:Text", default="", namespaces=NS).strip() for ri in summary.iterfind("t:RunInfos/t:RunInfo", NS)]
        crash = "; ".join(i for i in infos if i)[:600] or out_text.strip()[:600] or run_outcome
        finished = {r.get("testName") for r in root.iterfind("t:Results/t:UnitTestResult", NS)}
        unfinished = unfinished_tests(results_dir, finished)
        failed += 1
        failed_names.append(("<test run " + run_outcome + ">", [crash] + ["started, no result: " + n for n in unfinished]))
    return name, passed, failed, skipped, failed_names, skipped_names


def python_summary(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    m0 = re.match(r"interpreter: (.*)", text)
    name = m0.group(1).strip() if m0 else os.path.basename(path)[len("python-"):-len(".log")]
    rc_path = path[:-4] + ".rc"
    rc = int(open(rc_path).read().strip()) if os.path.exists(rc_path) else 0
    m = re.search(r"^Ran (\d+) tests? in", text, re.M)
    failed_names = [(m2.group(2) if m2.group(2).endswith(m2.group(1)) else m2.group(2) + "." + m2.group(1), []) for m2 in re.finditer(r"^(?:FAIL|ERROR): (\S+) \(([^)]+)\)", text, re.M)]
    skipped_names = [m2.group(1) for m2 in re.finditer(r"^(\S+ \([^)]+\)).*\.\.\. skipped", text, re.M)]
    if not m:
        return name, 0, 1, 0, [("<unittest did not run; exit " + str(rc) + ">", [text.strip()[-400:]])], []
    total = int(m.group(1))
    counts = {}
    status = re.search(r"^(OK|FAILED)(?: \((.*)\))?\s*$", text, re.M)
    if status and status.group(2):
        for part in status.group(2).split(","):
            k, _, v = part.strip().partition("=")
            counts[k] = int(v)
    failed = counts.get("failures", 0) + counts.get("errors", 0) + counts.get("unexpected successes", 0)
    skipped = counts.get("skipped", 0)
    passed = total - failed - skipped
    if rc != 0 and failed == 0:
        failed = 1
        failed_names.append(("<unittest exited " + str(rc) + ">", []))
    return name, passed, failed, skipped, failed_names, skipped_names


def detail_lines(lines, most=10, width=200):
    """The last lines of a failure message that say something, each cut to a readable width."""
    kept = [line.rstrip()[:width] for line in lines if line.strip() and not line.startswith("---")]
    return kept[-most:]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results_dir = sys.argv[1]
    ci = os.environ.get("CI", "").lower() in ("true", "1")
    rows = []
    for path in sorted(glob.glob(os.path.join(results_dir, "python-*.log"))):
        row = python_summary(path)
        rows.append(row)
    for path in sorted(glob.glob(os.path.join(results_dir, "*.trx"))):
        rows.append(trx_summary(path, results_dir))
    rows.sort(key=lambda r: (not r[0].startswith("Python"), r[0]))

    tp = tf = ts = 0
    details_left = 3
    print("")
    print("==== test summary ====")
    width = max([len(r[0]) for r in rows] + [10])
    for name, p, f, s, fnames, snames in rows:
        tp, tf, ts = tp + p, tf + f, ts + s
        print(f"  {name:<{width}}  {p:5d} passed, {f:3d} failed, {s:3d} skipped")
        for test, msg in fnames:
            print(f"      FAILED  {test}" + (f": {msg[0]}" if msg else ""))
            # CI shows only the end of the log: the first failures carry the tail of their message (the stderr
            # of a failed command, an assertion's actual value), so a failure there can be read without the trx.
            if details_left > 0 and len(msg) > 1:
                details_left -= 1
                for extra in detail_lines(msg[1:]):
                    print(f"              {extra}")
        for test in snames:
            print(f"      SKIPPED {test}")
    if not rows:
        print("  no test results found in " + results_dir)
        tf += 1
    line = f"{tp} passed, {tf} failed"
    if ts:
        line += f", {ts} skipped"
    print(line)
    if tf:
        return 1
    if ts and ci:
        print(f"CI=true: {ts} skipped test(s) count as a failure (CI runs with nothing skipped)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
