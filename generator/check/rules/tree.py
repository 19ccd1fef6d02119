"""Rules on what git tracks in the repository: nothing where the build writes."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.rules.registry import Problem, rule


@rule("W801", scope="tree")
def nothing_tracked_where_the_build_writes(path: str) -> Iterator[Problem]:
    """No file is committed in ``build/``, where certgen writes the site and its output.

    The build publishes only what it made from the sources. A file committed where it
    writes could be taken for its own output and published under a certificate's name; the
    build refuses an output folder it did not make, and this check names the file at once.
    Caches live outside the repository (``CERTGEN_CACHE_DIR``), where a pull request cannot
    write.

    Source: certgen: the build publishes only what it made (``build/`` is its output
    folder).

    Fix: remove the file from git (``git rm --cached <file>``) and commit; ``build/`` is in
    ``.gitignore``.
    """
    yield Problem(
        None,
        f"{path} is committed inside build/, where certgen writes its output; remove it "
        f"from git (git rm --cached {path}) and commit",
    )
