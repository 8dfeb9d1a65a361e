"""pip-audit over the installed environment, as a CI gate (bin/test runs it before the tests).

Exit 1 on any known vulnerability, and on any pip-audit failure we cannot explain. Exit 0 with a
loud warning only when the vulnerability service could not be asked: a connection error, or
every single dependency skipped because the service had no answer for it. docs/security.md
explains the choice.

    python bin/pip_audit_gate.py            # audits the environment this python runs in
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

# pip-audit's own traceback when it cannot reach PyPI or OSV.
UNREACHABLE_MARKERS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "NameResolutionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "SSLError",
)
WARNING = "WARNING pip-audit: the vulnerability service could not be reached; NOTHING WAS AUDITED."


def verdict(status: int, report_text: str, stderr: str) -> tuple[int, list[str]]:
    """The gate's exit code and the lines to print, from pip-audit's exit code, JSON and stderr."""
    try:
        dependencies = json.loads(report_text)["dependencies"]
    except (ValueError, KeyError, TypeError):
        dependencies = None
    if dependencies is not None:
        findings = [
            f"{dep['name']} {dep.get('version', '?')}: {vuln['id']} "
            f"(fixed in {', '.join(vuln.get('fix_versions') or []) or 'no release yet'})"
            for dep in dependencies
            for vuln in dep.get("vulns", [])
        ]
        if findings:
            return 1, ["pip-audit found known vulnerabilities:", *findings]
        audited = [dep for dep in dependencies if "skip_reason" not in dep]
        if dependencies and not audited:
            return 0, [WARNING, f"({len(dependencies)} dependencies skipped, e.g. {dependencies[0]['skip_reason']})"]
        if status == 0:
            skipped = sorted(dep["name"] for dep in dependencies if "skip_reason" in dep)
            return 0, [
                f"pip-audit: {len(audited)} dependencies audited, no known vulnerabilities"
                + (f"; not on PyPI, not audited: {', '.join(skipped)}" if skipped else "")
            ]
    if any(marker in stderr for marker in UNREACHABLE_MARKERS):
        return 0, [WARNING, stderr.strip().splitlines()[-1] if stderr.strip() else ""]
    return status or 1, ["pip-audit failed:", stderr.strip()]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--skip-editable",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        report_text = report.read_text(encoding="utf-8") if report.exists() else ""
    code, lines = verdict(run.returncode, report_text, run.stderr)
    print("\n".join(line for line in lines if line), file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
