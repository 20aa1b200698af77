"""The ``ngodong`` command: build, validate, template.

Exit codes: 0 success, 1 data problems, 2 usage, 70 an internal error (a bug: please report
it). No traceback is shown unless ``--debug``.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from .i18n import ENV, LANGUAGES, msg, nmsg, render, use_language
from .problems import Problem

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
# a bug in this package, not in the data or the command line (sysexits' EX_SOFTWARE)
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors; keep that
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def format_problems(problems: Sequence[Problem], lang: str | None = None) -> str:
    """Problems grouped by file, errors first, with a one-line count at the end, in
    ``lang`` (default: the default language, see :mod:`ngodong_analysis.i18n`)."""
    if not problems:
        return render(msg("No problems found."), lang)
    severities = {"error": msg("ERROR"), "warning": msg("WARNING")}
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_file[p.file or "(dataset)"].append(p)
    lines = []
    for file in sorted(by_file):
        lines.append(file)
        for p in sorted(by_file[file], key=lambda p: (not p.is_error, p.sheet or "")):
            place = " › ".join(x for x in (p.sheet, p.cell) if x)
            where = f"{place}: " if place else ""
            severity = render(severities.get(p.severity, p.severity.upper()), lang)
            lines.append(f"  {severity:8s}{where}{p.render(lang)}")
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    lines.append(
        render(
            msg(
                "{errors}, {warnings} in {files}.",
                errors=nmsg("{n} error", "{n} errors", errors),
                warnings=nmsg("{n} warning", "{n} warnings", warnings),
                files=nmsg("{n} file", "{n} files", len(by_file)),
            ),
            lang,
        )
    )
    return "\n".join(lines)


def _cmd_validate(args: argparse.Namespace) -> int:
    from .config import raw_data_dir
    from .load import load

    paths = args.paths or [raw_data_dir(strict=True)]
    problems: list[Problem] = []
    for path in paths:
        # counts and time left on stderr (a bar on a terminal, lines in a log): stdout is
        # the problems list, which scripts may parse
        problems += load(path, committee=args.committee, progress=not args.quiet).problems
    print(format_problems(problems, args.lang))
    return EXIT_DATA if any(p.is_error for p in problems) else EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build
    from .config import processed_data_dir, raw_data_dir

    def say(msg: str) -> None:
        if not args.quiet:
            print(f"· {msg}", file=sys.stderr, flush=True)

    result = build(
        args.raw or raw_data_dir(strict=True),
        args.out or processed_data_dir(strict=True),
        lang=args.lang,
        force=args.force,
        notebooks=args.notebooks,
        progress=say,
        meter=not args.quiet,
        committee=args.committee,
    )
    if result.status == "failed":
        print(format_problems(result.problems, args.lang))
        print("Build stopped: fix the errors above; nothing was written.", file=sys.stderr)
        return EXIT_DATA
    warnings = [p for p in result.problems if not p.is_error]
    if warnings and not args.quiet:
        print(format_problems(warnings, args.lang))
    if result.status == "unchanged":
        print(f"Up to date: {result.out} ({result.seconds:.2f} s)")
    else:
        print(f"Built {len(result.outputs)} file(s) in {result.out} ({result.seconds:.1f} s)")
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from .config import raw_data_dir
    from .outputs.template import write_templates

    out = args.out.expanduser().resolve()
    raw = raw_data_dir()
    if out == raw or raw in out.parents:
        print(
            f"ngodong: templates are not written into {raw} (data/raw is never written); "
            "choose another --out, fill the files in, then copy them there",
            file=sys.stderr,
        )
        return EXIT_USAGE
    paths = write_templates(
        out, args.year, lang=args.lang, overwrite=args.force, committee=args.committee
    )
    for path in paths:
        print(path)
    return EXIT_OK


_COMMITTEE_HELP = (
    "the committee of workbooks that name none, e.g. 'Đảng bộ xã Giao Tiến' (default: the "
    "one the other workbooks name)"
)


def _default_lang() -> str:
    """The commands' default ``--lang``: ``NGODONG_LANG`` if it names a language, else vi."""
    env = os.environ.get(ENV, "").strip().lower()
    return env if env in LANGUAGES else "vi"


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="ngodong",
        description="Tidy tables, charts and reports from the "
        "workbooks of a grassroots Party committee.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("build", help="load data/raw and write every output to data/processed")
    b.add_argument("--raw", type=Path, help="input folder (default: data/raw)")
    b.add_argument("--out", type=Path, help="output folder (default: data/processed)")
    b.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=_default_lang(),
        help=f"language of the charts, the report and the problems (default: ${ENV} or vi)",
    )
    b.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    b.add_argument("--committee", help=_COMMITTEE_HELP)
    b.add_argument(
        "--notebooks",
        action="store_true",
        help="also run the notebooks on the data and save them as HTML",
    )
    b.add_argument("-q", "--quiet", action="store_true", help="no progress messages or counts")
    b.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    b.set_defaults(func=_cmd_build)

    v = sub.add_parser("validate", help="list every problem in the input workbooks")
    v.add_argument("paths", nargs="*", type=Path, help="files or folders (default: data/raw)")
    v.add_argument("--committee", help=_COMMITTEE_HELP)
    v.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=_default_lang(),
        help=f"language of the problems (default: ${ENV} or vi)",
    )
    v.add_argument(
        "-q", "--quiet", action="store_true", help="no count of the files read (on stderr)"
    )
    v.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    v.set_defaults(func=_cmd_validate)
    t = sub.add_parser("template", help="write blank input workbooks the loaders read back")
    t.add_argument(
        "--out",
        type=Path,
        default=Path("templates"),
        help="folder to write to (default: ./templates)",
    )
    t.add_argument("--year", type=int, help="year the workbooks are for (default: this year)")
    t.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the help")
    t.add_argument("--force", action="store_true", help="overwrite existing templates")
    t.add_argument("--committee", help="the committee whose workbooks these are (its heading)")
    t.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    t.set_defaults(func=_cmd_template)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        # every message the command prints (problems, DataError listings) is in --lang
        with use_language(getattr(args, "lang", None) if args.command != "template" else None):
            return args.func(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except (FileNotFoundError, FileExistsError, NotADirectoryError, ValueError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"ngodong: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # the CLI never shows a bare traceback unless asked
        from .build import BuildLocked

        if isinstance(exc, BuildLocked):  # another build holds the output folder
            print(f"ngodong: {exc}", file=sys.stderr)
            return EXIT_DATA
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"ngodong: unexpected error: {type(exc).__name__}: {exc}\n"
                "Run again with --debug for details, and report it with the input that "
                "caused it.",
                file=sys.stderr,
            )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
