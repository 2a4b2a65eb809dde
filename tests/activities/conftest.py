"""Fixtures shared by the agenda's tests."""

import pytest

from activities import printing


@pytest.fixture
def printed(monkeypatch):
    """The HTML of every PDF made during the test, in order (the PDF is still made)."""
    documents: list[str] = []
    real = printing.render_document

    def spy(html: str):
        documents.append(html)
        return real(html)

    monkeypatch.setattr(printing, "render_document", spy)
    return documents
