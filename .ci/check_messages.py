"""Fails when a message catalogue is invalid or its committed .mo is out of date with its .po.

Compiles every .po with msgfmt --check into a temporary file and compares its messages with
the committed .mo (by content, so another gettext version's byte layout does not matter).
"""

import gettext
import subprocess
import sys
import tempfile
from pathlib import Path


def _messages(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


root = Path(__file__).resolve().parent.parent
problems = []
for po in sorted((root / "locale").glob("*/LC_MESSAGES/*.po")):
    mo = po.with_suffix(".mo")
    with tempfile.NamedTemporaryFile(suffix=".mo") as tmp:
        result = subprocess.run(
            ["msgfmt", "--check", "-o", tmp.name, str(po)], capture_output=True, text=True
        )
        if result.returncode:
            problems.append(f"{po}: {result.stderr.strip()}")
        elif not mo.exists() or _messages(mo) != _messages(Path(tmp.name)):
            problems.append(f"{mo} is out of date: run `make messages`")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("message catalogues: compiled and up to date")
