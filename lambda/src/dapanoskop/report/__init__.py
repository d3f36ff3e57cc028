"""`dapanoskop report`: one self-contained HTML page from the pipeline's published files."""

from dapanoskop.report.cli import report_command, write_report

__all__ = ["report_command", "write_report"]
