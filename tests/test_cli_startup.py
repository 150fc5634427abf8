"""`ler` starts at once: `ler --help` imports no command module and no heavy library, a command
imports only what it needs, and the help lists exactly what the commands are. The figures are in
benchmarks/startup.py; these tests keep the structure that gives them from eroding."""

from __future__ import annotations

import json
import subprocess
import sys

import os

import click

from issuer.cli import COMMANDS, main, unlisted_modules

from factories import open_badge

# Libraries that cost tenths of a second each to import, none of which `ler --help` needs.
HEAVY = ("sqlalchemy", "flask", "pyld", "cryptography", "jsonschema", "alembic", "rfc3987_syntax", "requests",
         "PIL", "fpdf", "rq")


def run_ler(args: list[str], env=None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """`ler ARGS` in a fresh interpreter; also which modules it had imported when it finished."""
    code = ("import atexit, json, sys\n"
            "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
            "from issuer.cli import main\n"
            "main(sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    return done, set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_command_and_no_heavy_library():
    done, modules = run_ler(["--help"])
    assert done.returncode == 0, done.stderr
    assert {m for m in modules if m.startswith("issuer.cli.")} == set()
    assert {m.split(".")[0] for m in modules} & set(HEAVY) == set()
    for name in COMMANDS:
        assert f"\n  {name} " in done.stdout


def test_help_is_what_the_loaded_commands_say():
    """The table's help texts are the commands' own: the listing is the same with every module loaded."""
    lazy, _ = run_ler(["--help"])
    code = ("import importlib, pkgutil, issuer.cli as c\n"
            "for m in pkgutil.iter_modules(c.__path__): importlib.import_module('issuer.cli.' + m.name)\n"
            "c.main(['--help'])\n")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    assert lazy.stdout == loaded.stdout


def _modules_of(command: click.Command) -> set[str]:
    found = {command.callback.__module__} if command.callback else set()
    for sub in getattr(command, "commands", {}).values():
        found |= _modules_of(sub)
    return found


def test_every_command_module_is_listed_with_what_it_defines():
    assert unlisted_modules() == [], "name these modules in issuer.cli.COMMANDS so that `ler --help` stays lazy"
    for name, (modules, _) in COMMANDS.items():
        command = main.get_command(click.Context(main), name)
        assert command is not None, f"no module defines `ler {name}`"
        defined_in = {m.rsplit(".", 1)[-1] for m in _modules_of(command) if m.startswith("issuer.cli.")}
        assert defined_in <= set(modules), f"`ler {name}` has parts in {defined_in - set(modules)}"
    assert set(main.commands) == set(COMMANDS)


def test_a_group_gets_its_subcommands_from_every_module_even_when_one_was_imported_already():
    code = ("import issuer.cli.records\n"   # defines `credentials`; `credentials revoke` is in issuer.cli.status
            "from issuer.cli import main\n"
            "main(['credentials', '--help'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "revoke" in done.stdout and "list" in done.stdout


def test_a_command_missing_from_the_table_still_runs_and_is_listed(monkeypatch, cli):
    """A module added without its row (a merge) keeps working; it is only imported eagerly."""
    monkeypatch.delitem(COMMANDS, "verify")
    monkeypatch.delitem(COMMANDS, "sign")
    assert "signing" in unlisted_modules()
    listing = cli("--help").output
    assert "\n  verify " in listing and "\n  sign " in listing
    assert cli("verify", "/no/such/file").exit_code == 2


def test_verify_loads_neither_flask_nor_migrations_nor_the_reference_schema_validator(services, tmp_path):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(services.identity.sign(open_badge(services.identity.did))))
    done, modules = run_ler(["verify", str(path)], env=dict(os.environ))  # the `env` fixture's settings
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("verified")
    top = {m.split(".")[0] for m in modules}
    assert top & {"flask", "werkzeug", "alembic", "jsonschema", "rfc3987_syntax", "PIL", "fpdf", "rq"} == set()
    assert "issuer.app" not in modules
    # Only the module of `ler verify` among the commands.
    assert {m for m in modules if m.startswith("issuer.cli.")} == {"issuer.cli.signing"}


def test_the_script_keeps_exit_status_output_and_exit_handlers():
    """`ler` (issuer.cli:run) leaves without the interpreter's teardown, but as a normal exit would."""
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
            "from issuer.cli import run\n"
            "run()\n")
    for args, status, stdout, stderr in ((["--help"], 0, "Commands:", ""),
                                         (["verify", "/no/such/file"], 2, "", "cannot read /no/such/file"),
                                         (["no-such-command"], 2, "", "No such command")):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == status, (args, done.stderr)
        assert stdout in done.stdout and stderr in done.stderr
        assert done.stderr.rstrip().endswith("exit handler ran")
