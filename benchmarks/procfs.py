"""What the benchmarks read from /proc (Linux; psutil is not a dependency): a process's memory and CPU,
the whole machine's, Chromium's (only the processes a benchmark started), and the training threads'
schedule, which the runner names for the OS (gan_core.runs.worker._name_os_thread)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from gan_core.runs.worker import THREAD_PREFIX

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def rss_mib(pid: int) -> float:
    """Resident set size of `pid` in MiB (VmRSS from /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds `pid` has used (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    total = sum(parts[:8])
    return total - idle, total


def _descendants(root: int) -> set[int]:
    """`root` and every process below it (from /proc/PID/stat's parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def chromium_cpu_seconds(root: int | None = None) -> float:
    """CPU seconds of the Chromium processes started below `root` (default: this process, which
    drives Playwright), so other people's browsers on a shared machine are not counted; root 0:
    every Chromium on the machine."""
    mine = _descendants(os.getpid() if root is None else root) if root != 0 else None
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (mine is not None and int(entry.name) not in mine):
            continue
        try:
            if (entry / "comm").read_text().strip() in ("chromium", "chrome", "headless_shell"):
                total += cpu_seconds(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return total


class CpuMeter:
    """CPU use of one process, of Chromium and of the whole machine between start() and stop()."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid

    def start(self) -> CpuMeter:
        self._t0 = time.monotonic()
        self._p0 = cpu_seconds(self.pid) if self.pid else 0.0
        self._m0 = machine_busy()
        self._c0 = chromium_cpu_seconds()
        return self

    def stop(self) -> dict[str, float]:
        dt = max(time.monotonic() - self._t0, 1e-9)
        busy, total = machine_busy()
        out = {
            "machine_busy_fraction": (busy - self._m0[0]) / max(total - self._m0[1], 1),
            "chromium_cpu_cores": (chromium_cpu_seconds() - self._c0) / dt,
        }
        if self.pid:
            out["process_cpu_fraction"] = (cpu_seconds(self.pid) - self._p0) / dt  # 1.0 = one full core
        return out


def training_thread_times(pid: int, prefix: str = THREAD_PREFIX) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) summed over the training threads
    of `pid`, from /proc/PID/task/TID/schedstat. The runner names its threads for the OS
    (gan_core.runs.worker._name_os_thread), so they can be told from the server's own threads."""
    on_cpu = waiting = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if not (task / "comm").read_text().startswith(prefix):
                continue
            run_ns, wait_ns, _ = (int(x) for x in (task / "schedstat").read_text().split())
        except (OSError, ValueError):
            continue  # the thread ended while we looked
        on_cpu += run_ns
        waiting += wait_ns
    return on_cpu / 1e9, waiting / 1e9


class TrainerMeter:
    """How much CPU the training threads of `pid` got over a window (cores: 1.0 = one full
    core, summed over threads), and how much they spent runnable but waiting for a CPU.

    A browser on the same cores costs training in two ways this separates: the trainer gets
    less CPU (its share), and each CPU second it gets does less work (steps/s ÷ trainer cores:
    cores that share caches or vector units with the browser's rendering run its kernels slower)."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()

    def start(self) -> TrainerMeter:
        self._t0 = time.monotonic()
        self._cpu0, self._wait0 = training_thread_times(self.pid)
        return self

    def stop(self) -> dict[str, float]:
        dt = max(time.monotonic() - self._t0, 1e-9)
        cpu, wait = training_thread_times(self.pid)
        return {"trainer_cpu_cores": (cpu - self._cpu0) / dt, "trainer_wait_cores": (wait - self._wait0) / dt}
