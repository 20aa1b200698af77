"""Messages in the user's language, through gettext message catalogs.

The loaders find problems deep inside, long before anyone has said which language the
problems should be read in (``ngodong validate --lang``, ``build(lang=)``,
``problems_frame(..., lang=)``). So a message is kept *lazily*: a :class:`Message` holds its
msgid — the English source text with named ``{placeholders}`` — and its arguments, and is
rendered in a language only when it is read.

- ``msg("unknown rating {label}", label="'Khá'")`` makes a message; ``nmsg(singular,
  plural, n, ...)`` one whose wording depends on a count (``{n}`` is always an argument).
  Both names are the keywords ``pybabel extract`` looks for (``babel.cfg``); the msgid must
  be a plain string literal (adjacent literals are joined), never an f-string.
- Values and places are arguments, never part of the msgid: a label as written ('Khá'), a
  cell ("D7"), a sheet name, a number stay exactly as they are in every language. An
  argument that is itself a :class:`Message` is rendered in the same language.
- ``render(text, lang)`` gives the text of a message (a plain ``str`` passes unchanged, so
  ``Problem(..., "any text")`` still works).
- The language: ``lang=`` where a function takes it; otherwise the default — the one given
  to :func:`set_language` (``nd.set_language("en")``), else the environment variable
  ``NGODONG_LANG`` (``vi`` or ``en``), else Vietnamese.

Catalogs: ``ngodong_analysis/locale/messages.pot`` is extracted from the code;
``locale/{vi,en}/LC_MESSAGES/ngodong.po`` hold the translations (the English catalog starts
as a copy of the msgids, so wording can be corrected without touching code) and the
compiled ``ngodong.mo`` next to them is what is read at run time by the standard library's
:mod:`gettext` (Babel is needed only to extract and compile). ``python
scripts/update_catalogs.py`` extracts, updates both catalogs and compiles them; the test
suite fails when a message of the code is missing from a catalog, a Vietnamese translation
is empty or fuzzy, a translation's placeholders differ from its msgid's, or a ``.mo`` is
stale against its ``.po``.
"""

from __future__ import annotations

import contextlib
import gettext
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

DOMAIN = "ngodong"
LANGUAGES = ("vi", "en")
DEFAULT = "vi"
ENV = "NGODONG_LANG"
LOCALE_DIR = Path(__file__).with_name("locale")

_chosen: str | None = None


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else a ValueError naming them."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def language() -> str:
    """The default language: :func:`set_language`'s, else ``NGODONG_LANG``, else ``vi``."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get(ENV, "").strip().lower()
    return check_language(env) if env else DEFAULT


def set_language(lang: str | None) -> None:
    """Make ``lang`` the language of messages read without a ``lang=`` (``str(problem)``,
    ``problem.message``, a DataError).

    Parameters
    ----------
    lang : {"vi", "en"} or None
        The language; ``None`` goes back to ``NGODONG_LANG``, else Vietnamese.
    """
    global _chosen
    _chosen = None if lang is None else check_language(lang)


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[None]:
    """Within the block, messages read without ``lang=`` are in ``lang`` (no change for
    ``None``)."""
    global _chosen
    before = _chosen
    if lang is not None:
        set_language(lang)
    try:
        yield
    finally:
        _chosen = before


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang``; the msgids themselves if it is missing."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[check_language(lang)], fallback=True)


class Message:
    """A message to be rendered later, in the language asked for then."""

    __slots__ = ("id", "plural", "n", "args")

    def __init__(
        self, id: str, args: dict[str, object], plural: str | None = None, n: int | None = None
    ):
        self.id, self.args, self.plural, self.n = id, args, plural, n

    def render(self, lang: str | None = None) -> str:
        lang = check_language(lang) if lang else language()
        cat = translation(lang)
        if self.plural is None:
            text = cat.gettext(self.id)
        else:
            text = cat.ngettext(self.id, self.plural, self.n or 0)
        args = {k: render(v, lang) if isinstance(v, Message) else v for k, v in self.args.items()}
        return text.format(**args)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"msg({self.id!r}, **{self.args!r})"

    def _key(self) -> tuple:
        return (self.id, self.plural, self.n, tuple(sorted(self.args.items(), key=str)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.id, self.plural, self.n))

    def __getstate__(self) -> tuple:
        return (self.id, self.args, self.plural, self.n)

    def __setstate__(self, state: tuple) -> None:
        self.id, self.args, self.plural, self.n = state


def msg(text: str, /, **args: object) -> Message:
    """A message: ``text`` is the English msgid with ``{name}`` placeholders for ``args``."""
    return Message(text, args)


def nmsg(singular: str, plural: str, n: int, /, **args: object) -> Message:
    """A message whose wording depends on the count ``n`` (given to it as ``{n}``)."""
    return Message(singular, {"n": n, **args}, plural, int(n))


def render(text: str | Message, lang: str | None = None) -> str:
    """The text of a message in ``lang`` (default: :func:`language`); ``str`` unchanged."""
    return text.render(lang) if isinstance(text, Message) else str(text)


def either(items: list[object]) -> Message | str:
    """'A', 'A or B', 'A, B or C' in the language of the message that holds it."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return items[0] if items else ""
    return msg("{items} or {last}", items=", ".join(items[:-1]), last=items[-1])


def reason(exc: BaseException) -> Message | str:
    """What an exception says, kept as a :class:`Message` if it was raised with one
    (``raise Refused(msg(...))``), so it is rendered in the language of the message that
    quotes it."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Message):
        return exc.args[0]
    return str(exc)
