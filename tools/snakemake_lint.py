"""Run ``snakemake --lint`` on the workflow and fail on every lint but one.

The one lint left out is "Specify a conda environment or container for each rule": this project
installs one pinned environment (``make install``) that every rule runs in, and the machines it
is developed and tested on reach no conda channel or container registry, so per-rule
environments could be neither built nor tested there (docs/development.md). Every other lint
fails the check. ``snakemake --lint json`` prints text in Snakemake 9, so the text is parsed.
"""

import re
import subprocess
import sys
from pathlib import Path

ACCEPTED = {"Specify a conda environment or container for each rule."}
REPOSITORY = Path(__file__).resolve().parents[1]


def main() -> int:
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--lint",
        "--workflow-profile",
        "none",
        "--directory",
        str(REPOSITORY),
    ]
    result = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    output = result.stdout + result.stderr
    lints, where = [], None
    for line in output.splitlines():
        if line.startswith("Lints for "):
            where = line.removeprefix("Lints for ").rstrip(":")
        elif match := re.match(r"^    \* (.+?):$", line):
            if match[1] not in ACCEPTED:
                lints.append(f"{where}: {match[1]}")
    if result.returncode != 0 and "Lints for" not in output:
        print(output, file=sys.stderr)
        print("snakemake --lint failed before linting", file=sys.stderr)
        return 1
    for lint in lints:
        print(lint, file=sys.stderr)
    print(f"snakemake --lint: {len(lints)} lint(s) besides the per-rule environment")
    return 1 if lints else 0


if __name__ == "__main__":
    sys.exit(main())
