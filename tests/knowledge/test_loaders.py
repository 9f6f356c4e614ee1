"""Loaders read Markdown, text and HTML into one Markdown form and reject bad files."""

from __future__ import annotations

import pytest

from core.errors import IngestError
from knowledge.loaders import clean_scraped, collect_files, load_document, load_documents
from tests.knowledge.conftest import FIXTURES


def test_markdown_front_matter_becomes_metadata():
    doc = load_document(FIXTURES / "lessons" / "tiny-lesson.md")
    assert doc.lesson_id == "tiny-lesson"
    assert doc.title == "Counting sheep in order"
    assert doc.meta["track"] == 99 and doc.meta["order"] == 1
    assert doc.text.lstrip().startswith("# Counting sheep in order")
    assert "summary:" not in doc.text
    assert doc.source == "tiny-lesson.md"


@pytest.mark.parametrize(
    ("text", "meta", "body"),
    [
        (
            "---\nid: tiny\ntitle: Tiny bits\n---\n# Tiny bits\n\nsmall text\n",
            {"id": "tiny", "title": "Tiny bits"},
            "# Tiny bits\n\nsmall text\n",
        ),
        ("---  \nid: x\n---\n\n\n# X\n\ntext\n", {"id": "x"}, "# X\n\ntext\n"),
        ("# Rule below\n\n---\n\ntext\n", {}, "# Rule below\n\n---\n\ntext\n"),
        ("---\ntitle: open\n# No closing fence\n", {}, "---\ntitle: open\n# No closing fence\n"),
    ],
    ids=["tiny", "blank-lines-after-the-fence", "horizontal-rule", "no-closing-fence"],
)
def test_front_matter_is_split_from_the_body(tmp_path, text, meta, body):
    path = tmp_path / "lesson.md"
    path.write_text(text)
    doc = load_document(path)
    assert doc.meta == meta and doc.text == body


def test_front_matter_that_is_not_a_mapping_is_an_ingest_error(tmp_path):
    path = tmp_path / "list.md"
    path.write_text("---\n- id\n- title\n---\n# T\n\ntext\n")
    with pytest.raises(IngestError, match="must be a YAML mapping") as info:
        load_document(path)
    assert "list.md" in info.value.message


def test_html_keeps_headings_and_drops_tags_scripts_and_artifacts():
    doc = load_document(FIXTURES / "page.html")
    lines = doc.text.splitlines()
    assert "# Tide tables" in lines
    assert "## Spring tides" in lines and "## Neap tides" in lines
    assert "- New moon" in lines
    assert "spring tide range is at its largest" in doc.text
    for junk in ("<", "console.log", "color: red", "Home", "Copyright", "Section titled"):
        assert junk not in doc.text


def test_scraped_seed_page_loses_artifacts_and_gains_headings(seed_page):
    doc = load_document(seed_page)
    assert "Section titled" not in doc.text
    lines = doc.text.splitlines()
    assert lines[0] == "# Why sequences need memory"
    for heading in ("What you’ll learn", "Where this fits", "By the end, you’ll be able to"):
        assert f"## {heading}" in lines
    # text that followed an artifact on the same line is kept as body text
    assert any(line.startswith("This is the first stop") for line in lines)


def test_artifact_glued_to_its_heading_on_one_line():
    text = "Page\nIntroSection titled “Intro”Body text here.\n"
    lines = [ln for ln in clean_scraped(text, markdown=False).splitlines() if ln]
    assert lines == ["# Page", "## Intro", "Body text here."]


def test_folder_expands_to_supported_files(tmp_path):
    (tmp_path / "a.md").write_text("# A\n\nalpha text\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("beta text\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00\x00")
    assert [p.name for p in collect_files([tmp_path])] == ["a.md", "b.txt"]
    assert [d.source for d in load_documents([tmp_path])] == ["a.md", "b.txt"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"  \n\n\t\n", "empty"),
        ("binary.txt", b"abc\x00\x01\x02def", "binary"),
        ("latin1.md", "caf\u00e9 au lait".encode("latin-1"), "not UTF-8"),
        ("badyaml.md", b"---\ntitle: [unclosed\n---\n# T\n\ntext\n", "front matter is invalid"),
        ("onlymeta.md", b"---\ntitle: x\n---\n\n", "no lesson text"),
        ("lesson.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_bad_files_raise_ingest_error_naming_the_file(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as info:
        load_documents([path])
    assert name in info.value.message and expected in info.value.message


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(IngestError, match="no such file or folder") as info:
        load_documents([tmp_path / "nope.md"])
    assert "nope.md" in info.value.message
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="holds no lesson files"):
        load_documents([tmp_path / "empty"])


def test_two_files_with_one_name_are_refused(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.md").write_text(f"# {sub}\n\ntext {sub}\n")
    with pytest.raises(IngestError, match="same name"):
        load_documents([tmp_path / "x" / "same.md", tmp_path / "y" / "same.md"])
