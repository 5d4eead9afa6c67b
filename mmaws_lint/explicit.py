"""Files named on the command line that are not CloudFormation templates.

pre-commit passes every YAML and JSON file it selects: Helm templates, workflows, empty files.
A named file that does not look like a template (no `AWSTemplateFormatVersion`, no `Resources`
key, no resource `Type: AWS::…`) and cannot be linted is a note, not an error; `--strict` keeps
it an error.
A file that looks like a template and cannot be read stays an error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from .engine import Result
from .template.load import MAX_FILE_BYTES, LoadProblem

_LOOKS_LIKE_TEMPLATE = re.compile(
    rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Custom)::[A-Za-z0-9]+::"
    rb"|(^|[{,])\s*[\"']?Resources[\"']?\s*:",  # a top-level Resources key is a marker too
    re.MULTILINE,
)


def looks_like_template(file: str) -> bool:
    """True when the file has CloudFormation markers, or cannot be read to tell."""
    try:
        with open(file, "rb") as handle:
            return bool(_LOOKS_LIKE_TEMPLATE.search(handle.read(MAX_FILE_BYTES)))
    except OSError:
        return True


def notes_for_non_templates(result: Result, named: Iterable[str]) -> None:
    """Turn the load errors of named files without CloudFormation markers into notes."""
    files = {os.path.normpath(f) for f in named if os.path.isfile(f)}
    verdicts: dict[str, bool] = {}
    problems = []
    for problem in result.problems:
        file = os.path.normpath(problem.file)
        if not problem.skipped and file in files and not problem.message.startswith("internal"):
            if file not in verdicts:
                verdicts[file] = looks_like_template(file)
            if not verdicts[file]:
                problem = LoadProblem(
                    problem.file,
                    f"skipped: not a CloudFormation template ({problem.message})",
                    problem.line,
                    skipped=True,
                )
        problems.append(problem)
    result.problems = problems
