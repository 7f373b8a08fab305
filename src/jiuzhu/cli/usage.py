"""The command line's own texts in the user's language: help pages and usage errors (unknown option, bad value).

Typer and Click write these in English. The command classes here translate a command's help (its description,
its options' help and the panel titles) when the help is shown, and ``usage_error_text`` turns Click's usage
errors into one line naming the option or argument. ``JiuzhuGroup`` is the command group of ``jiuzhu``: it
runs every command inside the error edge (``context.reports_errors_here``) and in the chosen language.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any

import typer
from typer import rich_utils
from typer.core import TyperCommand, TyperGroup

from jiuzhu.i18n import N_, language, t, translate, use_language

try:
    from typer._click import exceptions as click_errors  # Typer ≥ 0.2x carries its own Click
except ImportError:  # pragma: no cover - older Typer on the real Click
    from click import exceptions as click_errors

# Typer's own words on a help page, translated while the page is drawn (the module's constants).
_RICH_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
}
_CLICK_HELP = {"Show this message and exit.": N_("Show this message and exit.")}


@contextlib.contextmanager
def translated_help(command: Any, ctx: Any = None) -> Iterator[None]:
    """While the help of ``command`` is drawn: its texts, its options' and its subcommands' in the language."""
    saved: list[tuple[Any, str, Any]] = []

    def swap(obj: Any, attr: str) -> None:
        text = getattr(obj, attr, None)
        if isinstance(text, str) and text:
            saved.append((obj, attr, text))
            setattr(obj, attr, translate(_CLICK_HELP.get(text, text)))

    for attr in ("help", "short_help", "epilog"):
        swap(command, attr)
    params = command.get_params(ctx) if ctx is not None else getattr(command, "params", [])
    for param in params:  # with the --help option, which Click adds while the help is drawn
        swap(param, "help")
    for sub in getattr(command, "commands", {}).values():
        swap(sub, "help")
        swap(sub, "short_help")
    for name, msgid in _RICH_TEXTS.items():
        saved.append((rich_utils, name, getattr(rich_utils, name)))
        setattr(rich_utils, name, translate(msgid))
    try:
        yield
    finally:
        for obj, attr, text in reversed(saved):
            setattr(obj, attr, text)


class JiuzhuCommand(TyperCommand):
    """A command whose help is shown in the user's language."""

    def format_help(self, ctx, formatter) -> None:
        with translated_help(self, ctx):
            return super().format_help(ctx, formatter)


class JiuzhuGroup(TyperGroup):
    """A group of commands (``jiuzhu``, ``jiuzhu household``…): help in the user's language, every command
    inside the error edge, usage errors translated, and an exit code for every outcome."""

    def format_help(self, ctx, formatter) -> None:
        with translated_help(self, ctx):
            return super().format_help(ctx, formatter)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise click_errors.UsageError(t("there is no command {name}; the commands are: {names}", name=name,
                                            names=", ".join(self.list_commands(ctx))), ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):
        """The command inside the edge too: Typer's own main turns a KeyboardInterrupt raised by a command into a
        silent exit 130 (and a broken pipe into exit 1) before ``main``'s edge below could say anything; the
        edge in ``main`` is for what happens before the command runs (parsing, ``--lang``)."""
        from jiuzhu.cli.context import reports_errors_here

        with reports_errors_here():
            return super().invoke(ctx)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from jiuzhu.cli.context import flush_stdout, reports_errors_here

        with use_language(language()):  # a --lang of this run does not outlive it (tests run many in one process)
            try:
                with reports_errors_here():
                    result = super().main(args, "jiuzhu", complete_var, standalone_mode=False,
                                          **extra)
                code = result if isinstance(result, int) else 0
            except typer.Exit as exc:
                code = exc.exit_code
        flush_stdout()
        if standalone_mode:
            sys.exit(code)
        return code


def usage_error_text(exc: Exception) -> str:
    """A usage error of Click or Typer as one line in the user's language, naming the option or argument."""
    if isinstance(exc, click_errors.NoArgsIsHelpError):
        return exc.format_message().strip() or t("a command is needed; see the list above")
    text = _usage_text(exc)
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += t("; see {command} --help", command=ctx.command_path)
    return text


def _usage_text(exc: Exception) -> str:
    if isinstance(exc, click_errors.NoSuchOption):
        text = t("unknown option {option}", option=exc.option_name)
        if exc.possibilities:
            text += t(" (did you mean {options}?)", options=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, click_errors.MissingParameter):
        return t("{name} is missing", name=param_name(exc.param))
    if isinstance(exc, click_errors.BadParameter):
        return t("{name}: {reason}", name=param_name(exc.param), reason=_bad_value_reason(exc))
    if isinstance(exc, click_errors.BadOptionUsage) and "requires an argument" in exc.message:
        return t("option {option} needs a value", option=exc.option_name)
    if isinstance(exc, click_errors.UsageError):
        extra = re.match(r"Got unexpected extra arguments? \((.*)\)", exc.message)
        if extra:
            return t("unexpected argument: {args}", args=extra.group(1))
        if exc.message.startswith("No such command"):  # a subgroup's own check, before resolve_command
            return t("there is no such command: {message}", message=exc.message)
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    return t("the command was not used correctly: {message}", message=message)


def param_name(param: Any) -> str:
    """``--month`` for an option, ``PATH`` for an argument."""
    if param is None:
        return "?"
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")] or getattr(param, "opts", [])
    if getattr(param, "param_type_name", "") == "option" and opts:
        return opts[0]
    return (getattr(param, "name", None) or "?").upper()


def _bad_value_reason(exc: Exception) -> str:
    """Typer checks values with Pydantic: its error (the cause) is translated like any field's."""
    from pydantic import ValidationError

    from jiuzhu.messages import reason

    # Click's DateTime (--as-of, --on …), which Typer's checks wrap as a Pydantic "Value error"
    date = re.search(r"'([^']*)' does not match the formats? '%Y-%m-%d'", exc.message)
    if date:
        return t("'{value}' is not a date: write year-month-day, e.g. 2025-08-31", value=date.group(1))
    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        error = cause.errors()[0]
        text, value = reason(error), str(error.get("input"))
        return text if value in text else t("'{value}' {reason}", value=value, reason=text)
    return exc.message
