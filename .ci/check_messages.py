"""Fails when a message catalogue is invalid, its committed .mo is out of date with its .po,
or a Dutch entry is empty or fuzzy.

Compiles every .po (our own in locale/ and the overrides of our dependencies' texts in
locale_overrides/) with msgfmt --check into a temporary file and compares its messages
with the committed .mo (by content, so another gettext version's byte layout does not
matter). Dutch comes first: an empty or fuzzy Dutch entry would show English (msgfmt
leaves both out of the .mo), so it fails here. English entries stay empty by design: the
msgid is the English text.
"""

import gettext
import subprocess
import sys
import tempfile
from pathlib import Path

CATALOGUES = ("locale", "locale_overrides")
#: Languages whose every entry must be translated (and not fuzzy).
COMPLETE = ("nl",)


def _messages(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def _entries(po: Path):
    """(msgid, translations, flags) of each entry; obsolete ones (#~) and the header left out.

    Enough of the PO format for catalogues that msgfmt --check accepted: keywords, quoted
    continuation lines, and the flags comment.
    """
    entry: dict = {"flags": set(), "fields": {}}
    field = None

    def finish():
        fields = entry["fields"]
        if fields.get("msgid"):
            translations = [v for k, v in fields.items() if k.startswith("msgstr")]
            yield fields["msgid"], translations, entry["flags"]

    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            yield from finish()
            entry, field = {"flags": set(), "fields": {}}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if field is not None:
                entry["fields"][field] += _unquote(line)
        else:
            field, _space, value = line.partition(" ")
            entry["fields"][field] = _unquote(value)


def _unquote(text: str) -> str:
    return text.strip()[1:-1].replace('\\"', '"')


def _untranslated(po: Path) -> list[str]:
    problems = []
    for msgid, translations, flags in _entries(po):
        if "fuzzy" in flags:
            problems.append(f'{po}: fuzzy entry: msgid "{msgid}"')
        elif not translations or not all(translations):
            problems.append(f'{po}: empty entry: msgid "{msgid}"')
    return problems


root = Path(__file__).resolve().parent.parent
problems = []
for folder in CATALOGUES:
    for po in sorted((root / folder).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        with tempfile.NamedTemporaryFile(suffix=".mo") as tmp:
            result = subprocess.run(
                ["msgfmt", "--check", "-o", tmp.name, str(po)], capture_output=True, text=True
            )
            if result.returncode:
                problems.append(f"{po}: {result.stderr.strip()}")
            elif not mo.exists() or _messages(mo) != _messages(Path(tmp.name)):
                problems.append(f"{mo} is out of date: run `make messages`")
        if po.parent.parent.name in COMPLETE:
            problems.extend(_untranslated(po))
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("message catalogues: compiled, up to date, and the Dutch complete")
