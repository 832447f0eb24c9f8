"""JUnit XML of the gates, for CI test views."""

from __future__ import annotations

from losscli.report.model import Report


def junit_xml(
    reports: list[tuple[str, Report]], *, errors: list[tuple[str, str]] | None = None
) -> bytes:
    """JUnit XML for CI test views: a testsuite per report (a file, or ``overall``), a
    testcase per ``--check`` and per baseline figure, failures carrying value and bound.
    A report with no gate gets one passing ``evaluate`` testcase; files skipped with
    ``--skip-errors`` appear as errored testcases."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="losscli")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for where, rep in reports:
        cases = [
            (f"check {c.expr}", None if c.passed else c.message, c.message) for c in rep.checks
        ]
        cases += [
            (f"baseline {b['name']}", b["message"] if b["worse"] else None, b["message"])
            for b in rep.baseline
        ]
        skipped = {f"baseline {b['name']}" for b in rep.baseline if b.get("comparable") is False}
        if not cases:
            cases.append(("evaluate", None, f"{rep.n_samples} samples; {rep.signature}"))
        failures = sum(f is not None for _, f, _ in cases)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"losscli {where}",
            tests=str(len(cases)),
            failures=str(failures),
            errors="0",
            skipped=str(len(skipped)),
        )
        if rep.notes:  # what the run assumed (column roles, alignment): never a failure
            props = ET.SubElement(suite, "properties")
            for n in rep.notes:
                ET.SubElement(props, "property", name="note", value=n)
        for name, failure, output in cases:
            tc = ET.SubElement(suite, "testcase", classname=f"losscli.{where}", name=name)
            if failure is not None:
                ET.SubElement(tc, "failure", message=failure, type="GateFailed").text = failure
            elif name in skipped:  # a figure of another definition than the baseline's
                ET.SubElement(tc, "skipped", message=output)
            ET.SubElement(tc, "system-out").text = output
        totals["tests"] += len(cases)
        totals["failures"] += failures
    if errors:
        suite = ET.SubElement(root, "testsuite", name="losscli skipped")
        suite.set("tests", str(len(errors)))
        suite.set("errors", str(len(errors)))
        suite.set("failures", "0")
        for file, message in errors:
            tc = ET.SubElement(suite, "testcase", classname="losscli.input", name=file)
            ET.SubElement(tc, "error", message=message, type="InputError").text = message
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
