"""`mmaws-lint coverage PATH…`: which capacity of which finite resource an alarm watches."""

from .command import main
from .rows import Cell, Report, Row, Watcher, build_report

__all__ = ["Cell", "Report", "Row", "Watcher", "build_report", "main"]
