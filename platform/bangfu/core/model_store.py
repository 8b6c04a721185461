"""Versioned files of fitted models (the referral success model, the warnings' risk model).

Each model has a folder ``VAR_DIR/models/<name>/``; a training saves the next version
(``<name>-v0001``, ``<name>-v0002`` …) as two files: the fitted estimator (``.joblib``) and its
metadata (``.json``: when, on what, how well it did; readable without loading the model). The
newest version is the one in use, until a newer one is saved.

The folder is ``VAR_DIR``'s, not ``PRIVATE_ROOT``'s: a model holds coefficients and rates per
category, no person's data. Loading runs pickled code, so the folder is writable by the
platform alone.

Saving is safe alongside readers and other trainings: the version's name is taken with an
exclusive create, the estimator is written aside and renamed into it, and the metadata comes
last, so a version without its metadata is unfinished and no reader sees it.
"""

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
from django.conf import settings

# Loaded models, by folder: (newest version, its metadata's mtime, (model, metadata)).
_loaded: dict[str, tuple[str, int, tuple[Any, dict] | None]] = {}


class ModelStore:
    """The saved versions of the model called ``name``.

    ``compatible(metadata)`` says whether a saved version can serve the running code (same
    features, same format); ``latest`` passes over one that cannot, until a new training.
    """

    def __init__(self, name: str, *, compatible: Callable[[dict], bool] | None = None):
        self.name = name
        self.compatible = compatible
        self._version = re.compile(rf"{re.escape(name)}-(v\d{{4,}})\.json")

    @property
    def directory(self) -> Path:
        return Path(settings.VAR_DIR) / "models" / self.name

    def path(self, version: str) -> Path:
        """The estimator's file of ``version`` ("v0001"); ValueError for anything else."""
        if not re.fullmatch(r"v\d{4,}", version):
            raise ValueError(f"not a model version: {version!r}")
        return self.directory / f"{self.name}-{version}.joblib"

    def versions(self) -> list[str]:
        """The finished versions, oldest first."""
        if not self.directory.is_dir():
            return []
        found = [m.group(1) for p in self.directory.iterdir() if (m := self._version.match(p.name))]
        return sorted(found, key=lambda version: int(version[1:]))

    def save(self, model, metadata: dict | None = None) -> str:
        """Store ``model`` as the next version, with ``metadata`` (JSON) plus its version and
        time; return the version."""
        directory = self.directory
        directory.mkdir(parents=True, exist_ok=True)
        number = max((int(v[1:]) for v in self.versions()), default=0)
        while True:
            number += 1
            version = f"v{number:04d}"
            try:  # a version another training took (finished or not) is passed over
                os.close(os.open(self.path(version), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                continue
            break
        _write_aside(self.path(version), lambda handle: joblib.dump(model, handle))
        meta = {
            **(metadata or {}),
            "version": version,
            "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        text = json.dumps(meta, indent=2, ensure_ascii=False).encode("utf-8")
        _write_aside(self._meta_path(version), lambda handle: handle.write(text))
        return version

    def load(self, version: str | None = None) -> tuple[Any, dict] | None:
        """(model, metadata) of ``version``, by default the newest; None when there is none."""
        if version is None:
            versions = self.versions()
            if not versions:
                return None
            version = versions[-1]
        try:
            meta = json.loads(self._meta_path(version).read_text(encoding="utf-8"))
            return joblib.load(self.path(version)), meta
        except FileNotFoundError:
            return None

    def latest(self) -> tuple[Any, dict] | None:
        """The model in use: the newest version, if ``compatible``; read again only when a
        newer version is saved."""
        versions = self.versions()
        if not versions:
            return None
        newest = versions[-1]
        stamp = self._meta_path(newest).stat().st_mtime_ns
        cached = _loaded.get(str(self.directory))
        if cached is not None and cached[:2] == (newest, stamp):
            return cached[2]
        loaded = self.load(newest)
        if loaded is not None and self.compatible is not None and not self.compatible(loaded[1]):
            loaded = None
        _loaded[str(self.directory)] = (newest, stamp, loaded)
        return loaded

    def delete(self, version: str) -> None:
        """Remove ``version`` (a demo's model, when the demo is reset)."""
        self._meta_path(version).unlink(missing_ok=True)
        self.path(version).unlink(missing_ok=True)

    def _meta_path(self, version: str) -> Path:
        return self.path(version).with_suffix(".json")


def _write_aside(path: Path, write: Callable) -> None:
    """Write into a file beside ``path``, then rename it over ``path`` in one step."""
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        write(handle)
    os.replace(handle.name, path)
