"""Production settings live in deploy.env, the developer's in .env: two files, never mixed.

deploy.env.example is what an operator copies, so it names every variable the settings read.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _read(name: str) -> str:
    return (ROOT / name).read_text()


def test_example_names_every_variable_the_settings_read():
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', _read("config/settings/base.py")))
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_TIMEOUT"} <= read  # the pattern still matches
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", _read("deploy.env.example"), re.M))
    assert not read - listed, "add these to deploy.env.example (and README.md)"


def test_compose_reads_deploy_env_and_neither_file_reaches_git_or_the_image():
    compose = _read("docker-compose.yml")
    assert "env_file: deploy.env" in compose
    assert "env_file: .env" not in compose
    for ignore in (".gitignore", ".dockerignore"):
        lines = _read(ignore).split()
        assert "deploy.env" in lines and ".env" in lines, ignore
