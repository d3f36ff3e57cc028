"""The processor: collected Cost Explorer lines in, one period's summary and Parquet rows out.

Pure and deterministic; `build_period_report` is the entry point.
"""

from dapanoskop.processor.period_report import PeriodReport, ReportOptions, build_period_report
from dapanoskop.processor.rows import UsageTypeRow, WorkloadRow

__all__ = ["PeriodReport", "ReportOptions", "UsageTypeRow", "WorkloadRow", "build_period_report"]
