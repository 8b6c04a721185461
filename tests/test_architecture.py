"""Guards on the shape of the project: things that break quietly if someone forgets them."""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_is_a_source_folder_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_standard_library_platform_module_still_works():
    # Run from the project root, where a package named `platform` would shadow the stdlib.
    code = "import platform, bangfu, cms, matching; print(platform.system())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() in {"Linux", "Darwin", "Windows"}


def test_no_code_edits_sys_path():
    # Packages are declared in pyproject.toml; an import that needs a path edit is a bug.
    edits = re.compile(r"sys\.path\.(insert|append)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("platform", "cms", "matching", "bench", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if edits.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- floors: which app may import which (pyproject.toml, [tool.importlinter]) -------------------

APPS = sorted(
    path.name for path in (ROOT / "platform" / "bangfu").iterdir() if (path / "apps.py").exists()
)


def _app_of(module: str) -> str | None:
    """The app (``bangfu.<app>``), the site (``cms``) or the library (``matching``) a module
    belongs to; None for the project's own wiring and for anything else."""
    parts = module.split(".")
    if parts[0] == "bangfu" and len(parts) > 1 and parts[1] in APPS:
        return f"bangfu.{parts[1]}"
    if parts[0] in {"cms", "matching"}:
        return parts[0]
    return None


def hidden_imports(source: str, module: str) -> list[str]:
    """Imports of another app made inside a function of ``module``: the way a cycle hides from
    a reader. Registrations in ``AppConfig.ready`` are the one place an app imports at run time
    (its own modules, or a lower floor's registry)."""
    home = _app_of(module)
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready" and module.endswith(".apps"):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                target = _app_of(name)
                if target is not None and target != home:
                    found.append(f"{module}:{node.lineno} {function.name}() imports {name}")
    return found


def _modules() -> list:
    found = []
    for folder, prefix in ((ROOT / "platform" / "bangfu", "bangfu"), (ROOT / "cms", "cms")):
        for path in folder.rglob("*.py"):
            relative = path.relative_to(folder).with_suffix("")
            if "migrations" in relative.parts:
                continue
            found.append((path, ".".join((prefix, *relative.parts)).removesuffix(".__init__")))
    # A scan that found nothing would pass every check below.
    assert len(found) > 100, found
    return found


def test_no_app_imports_another_inside_a_function():
    found = [hit for path, module in _modules() for hit in hidden_imports(path.read_text(), module)]
    assert found == []


def test_hidden_import_check_finds_an_import_inside_a_function():
    # Positive control: the check above must see what it forbids.
    source = "def rank(need):\n    from bangfu.matching_runs.services import rank_need\n"
    assert hidden_imports(source, "bangfu.referrals.selectors") == [
        "bangfu.referrals.selectors:2 rank() imports bangfu.matching_runs.services"
    ]
    assert hidden_imports(source, "bangfu.matching_runs.views") == []
    ready = "class C:\n    def ready(self):\n        from bangfu.providers import kinds\n"
    assert hidden_imports(ready, "bangfu.procurement.apps") == []


def _floors() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    return [[name.strip() for name in re.split(r"[|:]", floor)] for floor in layers]


def test_every_app_has_a_floor():
    # An app left out of the contract could import anything: each must be placed.
    placed = {name for floor in _floors() for name in floor}
    assert {f"bangfu.{app}" for app in APPS} | {"cms"} <= placed


def test_import_contracts_fail_on_two_apps_importing_each_other(tmp_path):
    """Positive control for `lint-imports`: a copy of the floors over a tiny package in which
    one floor imports the floor above it must break the contract."""
    package = tmp_path / "house"
    for name, imports in (("low", "import house.high\n"), ("high", "import house.low\n")):
        (package / name).mkdir(parents=True)
        (package / name / "__init__.py").write_text(imports)
    (package / "__init__.py").write_text("")
    config = tmp_path / ".importlinter"
    config.write_text(
        "[importlinter]\nroot_package = house\n\n[importlinter:contract:floors]\n"
        "name = floors\ntype = layers\nlayers =\n    house.high\n    house.low\n"
    )
    command = [str(Path(sys.executable).with_name("lint-imports")), "--config", str(config)]
    broken = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert broken.returncode == 1, broken.stdout
    assert "house.low is not allowed to import house.high" in broken.stdout
    (package / "low" / "__init__.py").write_text("")
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 0


def test_inside_an_area_is_asked_one_way():
    # regions.models.within / within_any / overlapping build the one prefix query on the path.
    raw = re.compile(r"path__startswith|\.path\.startswith\(")
    offenders = [
        module
        for path, module in _modules()
        if module != "bangfu.regions.models" and raw.search(path.read_text())
    ]
    assert offenders == []
