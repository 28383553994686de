"""junit.xml for CI test-result viewers: one <testsuite> per target with a
<testcase> per check (fuzz, property, enumerate, triage) and one per
finding. A new finding is a <failure>, a known one passes (details in
<system-out>), a check that could not run is an <error>, a skipped check is
<skipped>. A check whose status is "findings" passes: its findings are
judged by their own test cases, so the failure count equals the number of
new findings. Job-level errors go to a suite of their own, "mapfuzz.job"."""

import re
import xml.etree.ElementTree as ET

# Characters XML 1.0 cannot carry at all (even escaped).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text):
    """text as a str XML 1.0 can hold: control characters other than tab and
    newline become U+FFFD (ElementTree escapes & < > and quotes itself)."""
    return _INVALID_XML.sub("\ufffd", "" if text is None else str(text))


def _case(suite, classname, name, seconds=None):
    """A <testcase> appended to suite."""
    attrs = {"classname": clean(classname), "name": clean(name)}
    attrs["time"] = f"{seconds or 0:.3f}"
    return ET.SubElement(suite, "testcase", attrs)


def _check_case(suite, target, check):
    """The test case of one check, with <error>/<skipped> by status."""
    case = _case(suite, f"mapfuzz.{target}", check["check"], check["seconds"])
    details = [check["message"]] if check["message"] else []
    for key in ("executions", "seed", "log"):
        if check.get(key) is not None:
            details.append(f"{key}: {check[key]}")
    if check["status"] == "error":
        ET.SubElement(case, "error", {"message": clean(check["message"] or "harness error"),
                                      "type": "harness-error"}).text = clean("\n".join(details))
    elif check["status"] == "skipped":
        ET.SubElement(case, "skipped", {"message": clean(check["message"] or "skipped")})
    elif details:
        ET.SubElement(case, "system-out").text = clean("\n".join(details))
    return case


def finding_details(f):
    """The lines that describe a finding: what, count, sources, reproducer,
    replay and add commands, known entry (those present)."""
    lines = [f"signature: {f['signature']}", f"kind: {f['kind']}"]
    if f["what"]:
        lines.append(f"what: {f['what']}")
    lines.append(f"seen {f['count']} time(s) in: {', '.join(f['sources']) or '-'}"
                 + (" (flaky: does not reproduce every time)" if f["flaky"] else ""))
    for label, key in (("known as", "known_as"), ("reproducer", "reproducer"),
                       ("replay", "replay"), ("add to the regression corpus", "add_command")):
        if f[key]:
            lines.append(f"{label}: {f[key]}")
    return lines


def _finding_case(suite, f):
    """The test case of one finding: <failure> if new, passing if known."""
    prefix = "new finding" if f["status"] == "new" else "known finding"
    case = _case(suite, f"mapfuzz.{f['target'] or 'job'}.findings", f"{prefix}: {f['signature']}")
    text = clean("\n".join(finding_details(f)))
    if f["status"] == "new":
        ET.SubElement(case, "failure", {"message": clean(f"new finding: {f['signature']}"),
                                        "type": clean(f["kind"])}).text = text
    else:
        ET.SubElement(case, "system-out").text = text


def _count(suite):
    """Set tests/failures/errors/skipped/time on a <testsuite> from its cases."""
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(attr, str(sum(c.find(tag) is not None for c in cases)))
    suite.set("time", f"{sum(float(c.get('time')) for c in cases):.3f}")


def _suite(root, name, results):
    """A <testsuite> appended to root, stamped with the job's start and host."""
    attrs = {"name": clean(name)}
    if results["started"]:
        attrs["timestamp"] = clean(results["started"].rstrip("Z"))
    if results["host"]:
        attrs["hostname"] = clean(results["host"])
    return ET.SubElement(root, "testsuite", attrs)


def build(results):
    """The <testsuites> element of normalized results (see report_data)."""
    root = ET.Element("testsuites", {"name": "mapfuzz nightly"})
    for t in results["targets"]:
        suite = _suite(root, f"mapfuzz.{t['name']}", results)
        for c in t["checks"]:
            _check_case(suite, t["name"], c)
        for f in results["findings"]:
            if f["target"] == t["name"]:
                _finding_case(suite, f)
        if not suite.findall("testcase"):
            ET.SubElement(_case(suite, f"mapfuzz.{t['name']}", "checks"), "skipped",
                          {"message": "no check ran for this target"})
        _count(suite)
    orphans = [f for f in results["findings"] if not f["target"]]
    if results["errors"] or orphans:
        suite = _suite(root, "mapfuzz.job", results)
        for i, e in enumerate(results["errors"], 1):
            case = _case(suite, "mapfuzz.job", f"error {i}" + (f" ({e['target']})" if e["target"] else ""))
            ET.SubElement(case, "error", {"message": clean(e["message"]), "type": "harness-error"}).text = clean(e["message"])
        for f in orphans:
            _finding_case(suite, f)
        _count(suite)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr)) for s in root.findall("testsuite"))))
    root.set("time", f"{results['elapsed_s'] or 0:.3f}")
    return root


def write(results, path):
    """Write junit.xml for normalized results to path (UTF-8, with XML
    declaration). Raises OSError if the file cannot be written."""
    root = build(results)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path

