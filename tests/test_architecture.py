"""Guards on the shape of the project: things that break quietly if someone forgets them."""

import re
import subprocess
import sys
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
