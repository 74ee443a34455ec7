"""The dashboard's charts as SVG (and PNG, for reports and for looking at them), drawn with matplotlib.

Each function takes the dashboard's rows and returns a matplotlib `Figure` (object API, no pyplot, so
nothing global is shared between requests); `to_svg`/`to_png` render it. Labels are Indonesian, long
unit names are wrapped, and the figure grows with the number of bars so labels never overlap.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure  # the object API: no pyplot, no global backend state
from matplotlib.ticker import MaxNLocator

from review.dashboard import (
    AgeBucket,
    Dashboard,
    GroupCount,
    MaladministrationCount,
    ResponseTime,
    UnitCount,
    WeekCount,
)

STYLE: dict[Any, Any] = {  # matplotlib types its keys as a Literal of every rc name
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#8a94a3",
    "axes.labelcolor": "#1d2330",
    "xtick.color": "#1d2330",
    "ytick.color": "#1d2330",
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, sharp, the page's font
    "svg.hashsalt": "narahubung",  # the same figures give the same SVG
}
BLUE = "#0b5cad"
LIGHT = "#9cc3ea"
AGE_COLOURS = ("#2e7d32", "#7cb342", "#f9a825", "#ef6c00", "#b3261e")
GROUP_NAMES = {
    "pemerintah_daerah": "Pemerintah daerah",
    "instansi_vertikal": "Instansi vertikal",
    "bumn_bumd": "BUMN/BUMD",
    "lainnya": "Lainnya",
}
WIDTH = 8.0  # inches; at 100 dpi the PNG is 800 px wide


def _wrap(label: str, width: int = 42, lines: int = 2) -> str:
    wrapped = textwrap.wrap(label, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def _title(fig: Figure, title: str) -> None:
    """At the figure's left edge (an axes title would be cut off when the labels are wide)."""
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")


def _empty(fig: Figure, title: str) -> Figure:
    ax = fig.add_subplot()
    _title(fig, title)
    ax.text(0.5, 0.5, "Belum ada data pada periode ini", ha="center", va="center", color="#5f6b7a",
            transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _hbars(title: str, labels: Sequence[str], values: Sequence[float], xlabel: str,
           colours: Sequence[str] | str = BLUE, fmt: Callable[[float], str] = lambda v: f"{v:g}",
           note: str = "") -> Figure:
    """Horizontal bars, largest on top, each with its value at its end."""
    with rc_context(STYLE):
        wrapped = [_wrap(label) for label in labels]
        lines = sum(label.count("\n") + 1 for label in wrapped)
        fig = Figure(figsize=(WIDTH, max(1.6, 0.8 + 0.21 * lines + 0.09 * len(labels))), layout="constrained")
        if not values or not any(values):
            return _empty(fig, title)
        ax = fig.add_subplot()
        positions = range(len(values))[::-1]
        bars = ax.barh(list(positions), values, color=colours, height=0.65)
        ax.set_yticks(list(positions), wrapped)
        _title(fig, title)
        ax.set_xlabel(xlabel + (f"\n{note}" if note else ""))
        ax.xaxis.set_major_locator(MaxNLocator(integer=all(float(v).is_integer() for v in values)))
        ax.bar_label(bars, labels=[fmt(v) for v in values], padding=3, fontsize=9)
        ax.set_xlim(0, max(values) * 1.15)
        ax.margins(y=0.02)
        ax.tick_params(axis="y", length=0)
        return fig


def weeks_chart(weeks: Sequence[WeekCount]) -> Figure:
    """Cases per ISO week, complaints and the rest stacked."""
    title = "Kasus masuk per minggu"
    with rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
        if not weeks or not any(w.cases for w in weeks):
            return _empty(fig, title)
        ax = fig.add_subplot()
        x = list(range(len(weeks)))
        complaints = [w.complaints for w in weeks]
        others = [w.cases - w.complaints for w in weeks]
        ax.bar(x, complaints, color=BLUE, label="Pengaduan dan tindak lanjut", width=0.7)
        top = ax.bar(x, others, bottom=complaints, color=LIGHT, label="Pesan lain", width=0.7)
        ax.bar_label(top, labels=[str(w.cases) if w.cases else "" for w in weeks], padding=2, fontsize=8)
        every = max(1, round(len(weeks) / 13))  # at most ~13 labels across 8 inches
        ax.set_xticks(x[::every], [f"{w.monday:%d/%m}\nM{w.monday.isocalendar().week}" for w in weeks][::every],
                      fontsize=8)
        ax.set_xlabel("Minggu (tanggal Senin, nomor minggu ISO)")
        ax.set_ylabel("Kasus")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(w.cases for w in weeks) * 1.18)
        _title(fig, title)
        ax.legend(loc="upper left", frameon=False, fontsize=9, ncols=2)
        return fig


def groups_chart(groups: Sequence[GroupCount]) -> Figure:
    return _hbars("Pengaduan per kelompok instansi", [GROUP_NAMES.get(g.group, g.group) for g in groups],
                  [g.cases for g in groups], "Pengaduan")


def units_chart(units: Sequence[UnitCount], top: int = 15) -> Figure:
    """The `top` units with most complaints; the rest are summed in a note (a bar would dwarf the others)."""
    counted = [u for u in units if u.cases]
    shown = counted[:top]
    rest = counted[top:]
    note = f"{len(rest)} unit lain: {sum(u.cases for u in rest)} pengaduan (lihat tabel)" if rest else ""
    title = "Pengaduan per unit" + (f" ({top} terbanyak)" if rest else "")
    return _hbars(title, [u.unit_name for u in shown], [u.cases for u in shown], "Pengaduan", note=note)


def maladministration_chart(rows: Sequence[MaladministrationCount]) -> Figure:
    return _hbars("Kasus per jenis maladministrasi", [r.name for r in rows], [r.cases for r in rows], "Kasus")


def open_age_chart(buckets: Sequence[AgeBucket]) -> Figure:
    """Open cases by days since routing, green to red, the overdue ones last."""
    title = "Kasus terbuka menurut lama sejak diteruskan"
    with rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 3.2), layout="constrained")
        if not any(b.cases for b in buckets):
            return _empty(fig, title)
        ax = fig.add_subplot()
        x = list(range(len(buckets)))
        bars = ax.bar(x, [b.cases for b in buckets], color=AGE_COLOURS[: len(buckets)], width=0.65)
        ax.bar_label(bars, padding=2, fontsize=9)
        ax.set_xticks(x, [b.label for b in buckets])
        ax.set_xlabel("Hari sejak diteruskan (belum dijawab); lewat tenggat: melewati batas waktu kasus")
        ax.set_ylabel("Kasus")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(b.cases for b in buckets) * 1.18)
        _title(fig, title)
        return fig


def response_chart(rows: Sequence[ResponseTime], top: int = 20) -> Figure:
    """The `top` slowest units (the table has them all)."""
    shown = list(rows)[:top]
    rest = len(rows) - len(shown)
    return _hbars(
        "Median waktu tanggapan narahubung per unit" + (f" ({top} terlama)" if rest else ""),
        [f"{r.unit_name} (n={r.answered})" for r in shown],
        [r.median_days for r in shown],
        "Hari sejak surat penerusan terkirim (n = kasus yang dijawab)",
        fmt=lambda v: f"{v:.1f}".replace(".", ","),
        note=f"{rest} unit lain lebih cepat (lihat tabel)" if rest else "",
    )


CHARTS: dict[str, tuple[str, Callable[[Dashboard], Figure]]] = {
    "per-minggu": ("Kasus per minggu", lambda d: weeks_chart(d.weeks)),
    "per-kelompok": ("Per kelompok instansi", lambda d: groups_chart(d.groups)),
    "per-unit": ("Per unit", lambda d: units_chart(d.units)),
    "per-maladministrasi": ("Per jenis maladministrasi", lambda d: maladministration_chart(d.maladministration)),
    "terbuka-per-umur": ("Kasus terbuka", lambda d: open_age_chart(d.open_age)),
    "waktu-tanggapan": ("Waktu tanggapan", lambda d: response_chart(d.response)),
}


def to_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    with rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def to_png(fig: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    with rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
