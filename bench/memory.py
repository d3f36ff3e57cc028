"""Resident memory of this process, from /proc (Linux): what Lambda's memory limit counts.

`reset_peak_rss` lets one process measure several phases on their own: writing 5 to
/proc/self/clear_refs resets the peak (VmHWM) to the current RSS (Linux 4.0+).
"""

from __future__ import annotations

from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mib(field: str) -> float:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # the value is in kB
    raise RuntimeError(f"{field} not in {_STATUS}")


def rss_mib() -> float:
    """Current resident set size in MiB."""
    return _status_mib("VmRSS")


def peak_rss_mib() -> float:
    """Highest resident set size since the start or the last `reset_peak_rss`, in MiB."""
    return _status_mib("VmHWM")


def reset_peak_rss() -> bool:
    """Start measuring the peak anew; False when the kernel does not allow it."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True
