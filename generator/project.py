"""Where a certgen repository keeps its parts: schemas/, data/ and requests/ under one root."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from generator.errors import UsageError

MARKER = Path("schemas") / "request.schema.json"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def schema_dir(self) -> Path:
        return self.root / "schemas"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def requests_dir(self) -> Path:
        return self.root / "requests"

    @property
    def signing_dir(self) -> Path:
        """The certifier's signing certificates (public; never a private key): data/signing/."""
        return self.data_dir / "signing"

    @cached_property  # asked for once a request file a check
    def records_dir(self) -> Path:
        """Issued certificates' records, frozen as issued: ``records/<year>/<id>.json``."""
        return self.root / "records"

    def frozen_record(self, request_id: str) -> Path:
        """Where the record of ``request_id`` (``XX-<year>-<n>``) is kept once issued."""
        year = request_id.split("-")[1] if request_id.count("-") == 2 else "other"
        return self.records_dir.joinpath(year, f"{request_id}.json")

    @property
    def cache_dir(self) -> Path:
        """Where builds keep their caches: outside the repository, so that nothing a pull
        request commits can be taken for a cached result. ``CERTGEN_CACHE_DIR`` (else
        ``$XDG_CACHE_HOME/certgen``, else ``~/.cache/certgen``) holds one folder a repository."""
        name = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        return self.caches / name

    @property
    def index_dir(self) -> Path:
        """Where the register index is kept (generator/check/register_index.py)."""
        return self.cache_dir / "index"

    @property
    def cache_outside(self) -> bool:
        """Whether the cache folder lies outside the repository, where nothing a pull request
        commits can be taken for a cached result (a check uses no cache otherwise; a build
        refuses to run)."""
        root, cache = self.root.resolve(), self.cache_dir.resolve()
        return root != cache and root not in cache.parents

    @property
    def caches(self) -> Path:
        """The folder of every repository's caches (``cache_dir`` is this one's)."""
        return cache_home()

    @property
    def reserved_outputs(self) -> tuple[Path, ...]:
        """Folders no build writes into: the caches (every repository's, MkDocs' among them),
        and build/cache, where caches were once kept and a cached file could still lie."""
        return (self.caches, self.root / "build" / "cache")

    def check_output_folder(self, out_dir: Path) -> None:
        """Refuse an output folder that overlaps the caches, or lies in the repository but not
        in a folder under build/: a build removes the files it no longer makes, and must not
        touch what it is built from. Links and ``..`` are resolved first."""
        out, root = out_dir.resolve(), self.root.resolve()
        if out == root or out in root.parents:
            what = "is the repository itself" if out == root else "holds the whole repository"
            raise UsageError(f"{out_dir} {what}; choose a folder such as build/site")
        builds = root / "build"  # by name: a link named build leads elsewhere
        if out == builds:
            raise UsageError(
                f"{out_dir} is build/ itself; a build writes into a folder under it, with its "
                "lock and staging folder beside that folder: choose one such as build/site"
            )
        for reserved in map(Path.resolve, self.reserved_outputs):
            if out == reserved or reserved in out.parents or out in reserved.parents:
                raise UsageError(
                    f"{out_dir} overlaps {self._shown(reserved)}, where certgen keeps its "
                    "caches; choose another output folder, such as build/site"
                )
        if root in out.parents and builds not in out.parents:
            raise UsageError(
                f"{out_dir} lies in the repository ({self._shown(out)}), where a build writes "
                "only into a folder under build/; choose one such as build/site, or a folder "
                "outside the repository"
            )

    def _shown(self, folder: Path) -> str:
        root = self.root.resolve()
        return f"{folder.relative_to(root)}/" if root in folder.parents else f"{folder}/"

    @classmethod
    def find(cls, start: Path) -> Project:
        """The repository holding ``start``: the nearest folder with schemas/request.schema.json."""
        start = start.resolve()
        for folder in (start, *start.parents):
            if (folder / MARKER).is_file():
                return cls(folder)
        raise UsageError(
            f"{start} is not inside a certgen repository (no {MARKER} found); "
            "run certgen from the repository or pass --project"
        )


def cache_home() -> Path:
    """The folder of certgen's caches: ``CERTGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/certgen``,
    else ``~/.cache/certgen``."""
    base = os.environ.get("CERTGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "certgen"
    )
    return Path(os.path.expanduser(base))
