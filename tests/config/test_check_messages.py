""".ci/check_messages.py (run by `make check`) fails when a Dutch entry is empty or fuzzy:
Dutch pages would show English there. Run on a temporary copy of the catalogues."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ENTRY = 'msgid "Register"\nmsgstr "Aanmelden"\n'


def copy_of_the_project(tmp_path: Path) -> Path:
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "check_messages.py", tmp_path / ".ci")
    for folder in ("locale", "locale_overrides"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def edit_dutch(project: Path, old: str, new: str) -> None:
    """Change the Dutch catalogue and compile it again, so only the change itself is wrong."""
    po = project / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    text = po.read_text(encoding="utf-8")
    assert text.count(old) == 1
    po.write_text(text.replace(old, new), encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(po.with_suffix(".mo")), str(po)], check=True)


def check(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(project / ".ci" / "check_messages.py")],
        capture_output=True,
        text=True,
    )


def test_the_real_entry_is_translated(tmp_path):
    result = check(copy_of_the_project(tmp_path))
    assert '"Register"' not in result.stderr


def test_an_empty_dutch_entry_fails(tmp_path):
    project = copy_of_the_project(tmp_path)
    edit_dutch(project, ENTRY, 'msgid "Register"\nmsgstr ""\n')
    result = check(project)
    assert result.returncode == 1
    assert 'empty entry: msgid "Register"' in result.stderr
    assert "out of date" not in result.stderr  # it is the emptiness that fails


def test_a_fuzzy_dutch_entry_fails(tmp_path):
    project = copy_of_the_project(tmp_path)
    edit_dutch(project, ENTRY, "#, fuzzy\n" + ENTRY)
    result = check(project)
    assert result.returncode == 1
    assert 'fuzzy entry: msgid "Register"' in result.stderr
    assert "out of date" not in result.stderr


@pytest.mark.parametrize(
    ("entry", "passes"),
    [
        ('msgid "Hello"\nmsgstr "Hallo"\n', True),
        ('msgid "Hello"\nmsgstr ""\n', False),
        ('#, fuzzy\nmsgid "Hello"\nmsgstr "Hallo"\n', False),
        (
            'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s dag"\nmsgstr[1] ""\n',
            False,
        ),
        ('msgid ""\n"Long "\n"text"\nmsgstr ""\n"Lange "\n"tekst"\n', True),
        ('#~ msgid "Gone"\n#~ msgstr ""\n', True),
    ],
)
def test_complete_dutch_passes_and_english_may_stay_empty(tmp_path, entry, passes):
    header = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
    )
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "check_messages.py", tmp_path / ".ci")
    for language, body in (("nl", entry), ("en", 'msgid "Hello"\nmsgstr ""\n')):
        folder = tmp_path / "locale" / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "django.po").write_text(header + body, encoding="utf-8")
        subprocess.run(
            ["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True
        )
    result = check(tmp_path)
    assert (result.returncode == 0) == passes, result.stderr
