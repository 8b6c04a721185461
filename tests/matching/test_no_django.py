"""The matching library is pure: importing all of it never imports Django."""

import pkgutil
import subprocess
import sys

import matching


def test_importing_every_matching_module_does_not_import_django():
    modules = sorted(f"matching.{info.name}" for info in pkgutil.iter_modules(matching.__path__))
    assert {"matching.candidates", "matching.allocation", "matching.success"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""
