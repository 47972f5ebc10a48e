"""The repository stands alone: every document the code or the docs cite is in it.

- A ``*.md`` named anywhere in the source, the notebooks, the benchmarks and the
  scripts (docstrings, comments, data such as ``rates.csv``), in README.md or in
  docs/*.md exists in the repository, relative to the repository root or to the
  citing file; a document does not cite itself by name.
- A section named after it exists in that document: ``docs/canvas-facts.md §10.3``
  (a numbered heading, or a paragraph that starts with the bold number as in
  canvas-facts.md), ``docs/workload-research.md §2/§3``, ``rates.csv``'s
  "section 6", or a quoted heading, ``docs/lti.md "Canvas cloud platforms"``.
- Every relative link of a Markdown file (``[text](path#anchor)``) points to a
  file that exists and, with an anchor, to one of its headings (GitHub's slugs).
- Nothing names a path on the team's machines (``/work/...``).
- docs/hecvat.md answers a school's review with evidence: every row of its
  tables names a file or a test (``tests/x.py::test_name``) unless it says
  "Not yet", and every file, folder and test it names exists.

A URL (``https://github.com/.../README.md``) is not a citation of ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Where code, notebooks, benchmarks and scripts live; every text file there is read.
CODE_DIRS = ("feedserver", "muffin_analytics", "notebooks", "bench", "scripts")
TEXT_SUFFIXES = frozenset({".py", ".csv", ".sh", ".html", ".js", ".css", ".toml", ".txt", ".j2", ".md"})
SKIP_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints", "node_modules"})

# A path ending in .md that is not part of a longer path, word or URL.
_CITATION = re.compile(r"(?<![\w/.~:-])(?P<path>(?:\.{1,2}/|/)?(?:[\w.~-]+/)*[\w-]+\.md)(?![\w-])")
# What may follow a citation to name a section of it (also after a Markdown link: "[a.md](a.md) §2").
_SECTION = re.compile(
    r"""[`'*)]*\s*,?\s*(?:
        (?:§\s*|section\s+)(?P<numbers>\d+(?:\.\d+)*(?:\s*(?:/|,|and|or)\s*§?\s*\d+(?:\.\d+)*)*)
      | "(?P<title>[^"\n]{1,80})"
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*\s*$", re.MULTILINE)
_OUTSIDE = re.compile(r"/work/|\.\./shared/")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def code_files() -> Iterator[Path]:
    for top in CODE_DIRS:
        for path in sorted((REPO / top).rglob("*")):
            if path.suffix in TEXT_SUFFIXES and path.is_file() and not SKIP_DIRS & set(path.parts):
                yield path


def doc_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@cache
def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def prose_of_text(text: str) -> str:
    return _FENCE.sub("", text)


@cache
def prose_of(doc: Path) -> str:
    """The document without its fenced code blocks (a ``# comment`` there is no heading)."""
    return prose_of_text(text_of(doc))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def resolve(cited: str, citing: Path) -> Path | None:
    """The file `cited` names, from the repository root or the citing file's folder; None if neither."""
    for base in (REPO, citing.parent):
        candidate = (base / cited).resolve()
        if candidate.is_relative_to(REPO) and candidate.is_file():
            return candidate
    return None


def _plain(heading: str) -> str:
    """A heading without markup and without its number: "10. `OAuth2` keys" -> "oauth2 keys"."""
    text = re.sub(r"[`*_]", "", heading)
    text = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", text)
    return text.strip().lower()


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@cache
def anchors(doc: Path) -> frozenset[str]:
    found: set[str] = set()
    for match in _HEADING.finditer(prose_of(doc)):
        base = slug(match["text"])
        name, n = base, 0
        while name in found:  # GitHub numbers repeated headings: name, name-1, name-2...
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return frozenset(found)


def has_section(doc: Path, number: str) -> bool:
    """A heading numbered `number`, or a paragraph starting with it in bold (``**4.8 ...``)."""
    pattern = rf"^(?:#{{1,6}}\s+|\*\*){re.escape(number)}(?:\.?\s|\.?\*\*)"
    return re.search(pattern, prose_of(doc), re.MULTILINE) is not None


def has_heading(doc: Path, title: str) -> bool:
    wanted = _plain(title)
    return any(_plain(m["text"]).startswith(wanted) for m in _HEADING.finditer(prose_of(doc)))


def citation_problems(text: str, citing: Path) -> Iterator[str]:
    """Each citation in `text` (the contents of `citing`) that names no file or section of ours."""
    where = citing.relative_to(REPO) if citing.is_relative_to(REPO) else citing
    for match in _CITATION.finditer(text):
        cited, line = match["path"], _line(text, match.start())
        doc = resolve(cited, citing)
        if doc is None:
            yield f"{where}:{line}: cites {cited}, which is not a file in the repository"
            continue
        if doc == citing.resolve():
            yield f"{where}:{line}: cites itself by name ({cited}); name the section instead"
            continue
        section = _SECTION.match(text, match.end())
        if section is None:
            continue
        if section["numbers"]:
            for number in _NUMBER.findall(section["numbers"]):
                if not has_section(doc, number):
                    yield f"{where}:{line}: cites {cited} §{number}, which has no such section"
        elif not has_heading(doc, section["title"]):
            yield f"{where}:{line}: cites {cited} \"{section['title']}\", which has no such heading"


def link_problems(text: str, doc: Path) -> Iterator[str]:
    """Each relative link of the Markdown `text` (the contents of `doc`) to a missing file or heading."""
    where = doc.relative_to(REPO) if doc.is_relative_to(REPO) else doc
    for match in _LINK.finditer(text):
        target, line = match["target"], _line(text, match.start())
        if _SCHEME.match(target):
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc.resolve()
        if not (linked.is_relative_to(REPO) and linked.exists()):
            yield f"{where}:{line}: links to {target}, which does not exist"
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            yield f"{where}:{line}: links to {target}, but {linked.name} has no heading #{anchor}"


def outside_problems(text: str, citing: Path) -> Iterator[str]:
    where = citing.relative_to(REPO) if citing.is_relative_to(REPO) else citing
    for match in _OUTSIDE.finditer(text):
        yield f"{where}:{_line(text, match.start())}: names a path outside the repository"


# A backticked repository path (with a slash, or a file name with a suffix), optionally ``::test_name``;
# not a URL path (``/api/me``), a command (spaces) or a setting name.
_REFERENCE = re.compile(r"`(?P<path>[\w.-]+/[\w./-]*|[\w-]+\.[A-Za-z]\w*)(?:::(?P<test>\w+))?`")
_ROW = re.compile(r"^\|(?P<cells>.+)\|\s*$", re.MULTILINE)
_NOT_YET = re.compile(r"\*\*not (?:yet|by the application)", re.IGNORECASE)


def reference_problems(text: str, doc: Path) -> Iterator[str]:
    """Each file, folder or test `text` names that does not exist."""
    where = doc.relative_to(REPO) if doc.is_relative_to(REPO) else doc
    for match in _REFERENCE.finditer(prose_of_text(text)):
        path, test, line = match["path"], match["test"], _line(text, match.start())
        target = (REPO / path).resolve()
        if not (target.is_relative_to(REPO) and target.exists()):
            yield f"{where}:{line}: names {path}, which is not in the repository"
        elif test and not re.search(rf"^(?:async )?def {test}\(", text_of(target), re.MULTILINE):
            yield f"{where}:{line}: names {path}::{test}, which has no such test"


def evidence_problems(text: str, doc: Path) -> Iterator[str]:
    """Each table row of `text` whose last cell names no file or test, unless its answer says "Not yet"."""
    where = doc.relative_to(REPO) if doc.is_relative_to(REPO) else doc
    for match in _ROW.finditer(prose_of_text(text)):
        cells = [c.strip() for c in match["cells"].split("|")]
        if set("".join(cells)) <= set("-: ") or cells[0] == "question":
            continue  # the separator and the header
        if not _REFERENCE.search(cells[-1]) and not _NOT_YET.search(match["cells"]):
            yield f"{where}:{_line(text, match.start())}: \"{cells[0]}\" names no file or test"


def _all(check: Callable[[str, Path], Iterable[str]], files: Iterable[Path]) -> list[str]:
    return [problem for path in files for problem in check(text_of(path), path)]


# -- the repository --------------------------------------------------------------------------


def test_code_cites_only_documents_and_sections_in_the_repository() -> None:
    problems = _all(citation_problems, code_files())
    assert not problems, "\n".join(problems)


def test_docs_cite_only_documents_and_sections_in_the_repository() -> None:
    problems = _all(citation_problems, doc_files())
    assert not problems, "\n".join(problems)


def test_markdown_links_point_to_files_and_headings_that_exist() -> None:
    markdown = [*doc_files(), *(p for p in code_files() if p.suffix == ".md")]
    problems = _all(link_problems, markdown)
    assert not problems, "\n".join(problems)


def test_nothing_names_a_path_outside_the_repository() -> None:
    problems = _all(outside_problems, [*code_files(), *doc_files()])
    assert not problems, "\n".join(problems)


def test_every_hecvat_answer_names_evidence_that_exists() -> None:
    doc = REPO / "docs" / "hecvat.md"
    problems = [*reference_problems(text_of(doc), doc), *evidence_problems(text_of(doc), doc)]
    assert not problems, "\n".join(problems)
    assert len(list(_REFERENCE.finditer(text_of(doc)))) > 50


def test_the_checks_read_something() -> None:
    files = list(code_files())
    assert REPO / "feedserver" / "feeds" / "render.py" in files
    assert REPO / "muffin_analytics" / "data" / "rates.csv" in files
    assert "architecture" in {p.stem for p in doc_files()}


# -- the checks themselves -------------------------------------------------------------------

HERE = REPO / "feedserver" / "example.py"


@pytest.mark.parametrize("text", [
    "Canvas kills the old token (canvas.md §1).",
    "sources in /work/shared/canvas.md;",
    "see ../shared/ics.md",
    "Model (analytics.md §3).",
    "quiz,1,hours,assumed (analytics.md section 6),",
])
def test_a_citation_of_a_file_outside_the_repository_is_reported(text: str) -> None:
    assert list(citation_problems(text, HERE))


@pytest.mark.parametrize("text", [
    "see docs/architecture.md §99",
    "see ``docs/architecture.md`` §2.7",
    "(docs/architecture.md §1/§99)",
    "[architecture.md](docs/architecture.md) §3",
    'docs/architecture.md "No such heading"',
])
def test_a_missing_section_is_reported(text: str) -> None:
    assert list(citation_problems(text, HERE))


@pytest.mark.parametrize("text", [
    "see docs/architecture.md",
    'docs/architecture.md "Layers"',
    "https://github.com/instructure/canvas-lms/blob/master/doc/api/README.md",
    "matches *.md files",
])
def test_a_citation_of_the_repository_is_accepted(text: str) -> None:
    assert not list(citation_problems(text, HERE))


def test_numbered_sections_and_bold_paragraphs_count(tmp_path: Path) -> None:
    doc = tmp_path / "facts.md"
    doc.write_text("# Facts\n\n## 4. The feed\n\n**4.8 The URL — CONFIRMED.** text\n\n```toml\n# 9. not a heading\n```\n",
                   encoding="utf-8")
    assert has_section(doc, "4") and has_section(doc, "4.8")
    assert not has_section(doc, "4.9") and not has_section(doc, "8") and not has_section(doc, "9")
    assert has_heading(doc, "The feed") and not has_heading(doc, "The URL")


def test_a_document_citing_itself_by_name_is_reported() -> None:
    doc = REPO / "docs" / "analytics.md"
    assert list(citation_problems("as analytics.md §6 says", doc))


def test_broken_links_and_anchors_are_reported() -> None:
    doc = REPO / "docs" / "schools.md"
    assert list(link_problems("[x](missing.md)", doc))
    assert list(link_problems("[x](lti.md#no-such-heading)", doc))
    assert list(link_problems("[x](#no-such-heading)", doc))
    assert not list(link_problems("[x](lti.md) [y](https://example.com/a.md) [z](#scopes)", doc))


def test_missing_evidence_is_reported() -> None:
    doc = REPO / "docs" / "hecvat.md"
    table = "| question | answer | shown by |\n|---|---|---|\n"
    assert list(reference_problems("see `feedserver/no_such.py`", doc))
    assert list(reference_problems("see `tests/test_app.py::test_no_such_test`", doc))
    assert list(reference_problems("see `feedserver/nowhere/`", doc))
    assert not list(reference_problems("`feedserver/crypto.py`, `feedserver/retention/`, `/api/me`, "
                                       "`tests/test_app.py::test_unknown_pages_get_a_friendly_404`, "
                                       "`.ci/run`, `muffin-feed prune --dry-run`, `MUFFIN_SECRET_KEY`", doc))
    assert list(reference_problems("see `.ci/nothing`", doc))
    assert list(evidence_problems(table + "| Encrypted? | Yes. | the code |\n", doc))
    assert not list(evidence_problems(table + "| Encrypted? | Yes. | `feedserver/crypto.py` |\n", doc))
    assert not list(evidence_problems(table + "| Audited? | **Not yet.** | — |\n", doc))


def test_slugs_follow_github() -> None:
    assert slug("What Homework Muffin stores (HECVAT-style summary)") == "what-homework-muffin-stores-hecvat-style-summary"
    assert slug("For the Homework Muffin team: adding a school") == "for-the-homework-muffin-team-adding-a-school"
    assert slug("10. `OAuth2` and developer keys") == "10-oauth2-and-developer-keys"
