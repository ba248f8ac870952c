"""`citizen-bot …` run in the test process: the same ``bot.cli.main``, environment,
working directory, standard streams and exit status as the real command, without
paying a new interpreter, the imports and the model training for every call
(about 5 s of CPU each; the CLI tests made ~40 such calls).

What a child process would see is rebuilt for the call and put back afterwards:

* the environment: every variable a :class:`~bot.config.Settings` field reads is
  removed, then ``env`` is applied (``.env`` in ``cwd`` is read as usual);
* the working directory, ``sys.stdin``/``stdout``/``stderr``;
* log records at the configured ``LOG_LEVEL`` and above are written to stderr in the
  format ``main`` configures (``logging.basicConfig`` does nothing under pytest,
  whose handlers are already on the root logger);
* the exit status: ``main``'s return value, or the code of a ``SystemExit`` (argparse).

An exception escaping ``main`` propagates (a real process would print a traceback and
exit 1; a test then fails with the traceback itself). ``tests/bot/test_cli.py`` still
runs ``python -m bot.cli`` as a real process, so the entry point stays covered.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as bot.cli.main


def _settings_variables() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.upper() in _settings_variables():
                del os.environ[name]
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _log_records_to(stream: io.StringIO, level: str) -> Iterator[None]:
    from bot.safety import log_secrets

    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level.upper())
    root = logging.getLogger()
    saved = (root.level, logging.getLogRecordFactory(), log_secrets._secrets,
             log_secrets._installed)
    root.addHandler(handler)
    root.setLevel(level.upper())
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        logging.setLogRecordFactory(saved[1])
        log_secrets._secrets, log_secrets._installed = saved[2], saved[3]


def run_cli(args: Sequence[str], *, env: Mapping[str, str], cwd: Path, stdin: str = ""
            ) -> subprocess.CompletedProcess[str]:
    """``citizen-bot ARGS`` with ``env`` and ``cwd``, as a finished process."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_cwd = Path.cwd()
    saved_stdin = sys.stdin
    with _environment(env):
        level = os.environ.get("LOG_LEVEL", "INFO")
        try:
            os.chdir(cwd)
            sys.stdin = io.StringIO(stdin)
            with _log_records_to(err, level), contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exc:
                    if isinstance(exc.code, str):
                        print(exc.code, file=sys.stderr)
                    code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            sys.stdin = saved_stdin
            os.chdir(saved_cwd)
    return subprocess.CompletedProcess(["citizen-bot", *args], code, out.getvalue(),
                                       err.getvalue())
