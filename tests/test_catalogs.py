"""The message catalogs agree with the code: every message is in both catalogs, translated
into Vietnamese, with the msgid's placeholders, and compiled; every problem message goes
through them."""

from __future__ import annotations

import ast
import contextlib
import io
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ngodong_analysis"
LOCALE = PACKAGE / "locale"
LANGS = ("vi", "en")


def _catalog(lang: str):
    with (LOCALE / lang / "LC_MESSAGES" / "ngodong.po").open("rb") as f:
        return read_po(f, locale=lang)


def _code_msgids() -> set:
    with contextlib.redirect_stderr(io.StringIO()):
        found = extract_from_dir(
            str(PACKAGE), [("**.py", "python")], keywords={"msg": None, "nmsg": (1, 2)}
        )
        return {m if isinstance(m, str) else tuple(m) for _, _, m, _, _ in found}


def _key(m) -> str | tuple:
    return m.id if isinstance(m.id, str) else tuple(m.id)


def _fields(text: str) -> list[tuple[str, str, str]]:
    """The placeholders of a format string: (name, conversion, spec), sorted."""
    return sorted(
        (name, conv or "", spec or "")
        for _, name, spec, conv in string.Formatter().parse(text)
        if name is not None
    )


def test_the_code_has_messages_to_translate():
    ids = _code_msgids()
    # hand-picked: the problem the issue names, a plural, and one from deep in the guard
    assert (
        "unknown rating {label}; the ratings of {year}, as the template lists them: {labels}"
        in ids
    )
    assert ("{n} data error:", "{n} data errors:") in ids
    assert "part {part} is damaged ({error}); the file may be truncated" in ids


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_the_code_is_in_the_catalog_and_nothing_else(lang):
    in_code = _code_msgids()
    in_catalog = {_key(m) for m in _catalog(lang) if m.id}
    assert sorted(map(str, in_code - in_catalog)) == [], "run scripts/update_catalogs.py"
    assert sorted(map(str, in_catalog - in_code)) == [], "run scripts/update_catalogs.py"


def test_every_vietnamese_translation_is_written_and_not_fuzzy():
    entries = [m for m in _catalog("vi") if m.id]
    empty = [
        m.id for m in entries if not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in entries if m.fuzzy]
    assert empty == [] and fuzzy == []


def test_the_vietnamese_catalog_has_one_plural_form():
    catalog = _catalog("vi")
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    plurals = [m for m in catalog if m.id and not isinstance(m.id, str)]
    assert plurals and all(len(m.string) == 1 for m in plurals)


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_the_placeholders_of_their_msgid(lang):
    wrong = []
    for m in _catalog(lang):
        if not m.id:
            continue
        if isinstance(m.id, str):
            pairs = [(m.id, m.string)]
        else:  # every form against the plural msgid (a form may drop a singular's {n})
            wanted = _fields(m.id[1])
            pairs = [(m.id[1], s) for s in m.string]
            assert _fields(m.id[0]) in (wanted, [f for f in wanted if f[0] != "n"])
        for source, text in pairs:
            if text and _fields(text) != _fields(source):
                wrong.append((source, text))
    assert wrong == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalog_matches_its_po(lang):
    folder = LOCALE / lang / "LC_MESSAGES"
    with (folder / "ngodong.mo").open("rb") as f:
        compiled = {_key(m): m.string for m in read_mo(f) if m.id}
    written = {
        _key(m): m.string if isinstance(m.string, str) else tuple(m.string)
        for m in _catalog(lang)
        if m.id and not m.fuzzy
    }
    compiled = {k: v if isinstance(v, str) else tuple(v) for k, v in compiled.items()}
    assert compiled == written, "run scripts/update_catalogs.py to compile"


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            yield node, f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_msgids_are_string_literals(path):
    """An f-string or a variable as msgid cannot be extracted: it would never be translated."""
    bad = []
    for node, name in _calls(ast.parse(path.read_text(encoding="utf-8"))):
        if name in ("msg", "nmsg"):
            n = 1 if name == "msg" else 2
            for arg in node.args[:n]:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    bad.append((node.lineno, ast.unparse(arg)[:60]))
    assert bad == []


# where each call takes its message: log.error/warning(file, sheet, cell, MESSAGE),
# log_at(log, place, severity, MESSAGE), log.add(file, sheet, cell, severity, MESSAGE),
# Problem(file, sheet, cell, severity, MESSAGE), Refused(MESSAGE)
_MESSAGE_ARG = {"error": 3, "warning": 3, "log_at": 3, "Problem": 4, "Refused": 0}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_problem_messages_go_through_the_catalogs(path):
    """A problem made with text written in place (an f-string, a literal) would be English
    in every language: the message must be a msg()/nmsg() (or something built from one)."""
    bad = []
    for node, name in _calls(ast.parse(path.read_text(encoding="utf-8"))):
        index = _MESSAGE_ARG.get(name, 4 if name == "add" and len(node.args) >= 5 else None)
        if index is None or len(node.args) <= index:
            continue
        arg = node.args[index]
        if isinstance(arg, (ast.JoinedStr, ast.Constant, ast.BinOp)):
            bad.append((node.lineno, ast.unparse(arg)[:60]))
    assert bad == []
