"""Writing the report to a file (`-o FILE`, or `output:` in the configuration) safely.

The report never replaces a file being linted, never writes through a symbolic link, and an
`output:` from a configuration file (which comes with the repository, not from the user) is
relative to that file and must stay inside the project, the configuration file's folder.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


class ReportFileError(Exception):
    pass


def configured_output(output: str, config_file: str) -> str:
    """`output:` from `config_file`: relative to it, and inside its folder."""
    root = Path(config_file).resolve().parent
    target = Path(os.path.normpath(root / output))  # absolute outputs stay as they are
    resolved = target.parent.resolve() / target.name
    if not resolved.is_relative_to(root):
        raise ReportFileError(
            f"{config_file}: output {output!r} is outside the project ({root}); "
            "name it with -o to write there"
        )
    return str(target)


def write_report(output: str, report: str, inputs: Iterable[str]) -> None:
    path = Path(output)
    if path.is_symlink():
        raise ReportFileError(f"cannot write the report to {output}: it is a symbolic link")
    if path.is_dir():
        raise ReportFileError(f"cannot write the report to {output}: it is a folder")
    if path.exists():
        real = os.path.realpath(path)
        if any(os.path.realpath(f) == real for f in inputs if os.path.exists(f)):
            raise ReportFileError(
                f"cannot write the report to {output}: it is one of the files being linted"
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a new file renamed over the target: a link or hard link planted there in the
        # meantime is replaced, never written through
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(report)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ReportFileError(
            f"cannot write the report to {output}: {exc.strerror or exc}"
        ) from None
