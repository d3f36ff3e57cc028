"""The numbers the report derives, against values computed by hand in the comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dapanoskop.model import Status
from dapanoskop.report import derive
from dapanoskop.report.records import (
    CostCenter,
    StorageClass,
    StorageMetrics,
    Summary,
    TaggingCoverage,
    Totals,
    UsageTypeRow,
    Workload,
)

GIB = 2**30


def make_summary(
    period: str = "2026-10",
    *,
    is_mtd: bool = False,
    totals: Totals | None = None,
    centers: tuple[CostCenter, ...] = (),
    status: dict[str, Status] | None = None,
    tagged_pct: str = "50",
    collected_at: datetime | None = None,
    storage: StorageMetrics | None = None,
) -> Summary:
    year, month = int(period[:4]), int(period[5:])
    prev = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
    return Summary(
        period=period,
        is_mtd=is_mtd,
        collected_at=collected_at or datetime(2026, 11, 1, 6, tzinfo=UTC),
        labels={"current": period, "prev_month": prev, "yoy": f"{year - 1:04d}-{month:02d}"},
        status=status or {},
        cost_metric="UnblendedCost",
        workload_tag_key="App",
        cost_category_name=None,
        include_efs=False,
        include_ebs=False,
        totals=totals or Totals(Decimal(0), Decimal(0), Decimal(0)),
        storage=storage
        or StorageMetrics(Decimal(0), Decimal(0), 0, None, Decimal(0), None, Decimal(0), None),
        cost_centers=centers,
        tagging=TaggingCoverage(Decimal(0), Decimal(0), Decimal(tagged_pct)),
        mtd_window=None,
    )


def workload(name: str, current: str, prev: str, yoy: str = "0", prior: str | None = None):
    return Workload(
        name,
        Decimal(current),
        Decimal(prev),
        Decimal(yoy),
        None if prior is None else Decimal(prior),
    )


# ---------------------------------------------------------------- change


def test_change_in_dollars_and_percent_of_the_baseline() -> None:
    # 1200 - 1000 = 200; 200 / 1000 x 100 = 20 %
    assert derive.change(Decimal("1200"), Decimal("1000")) == derive.Change(
        Decimal("200"), Decimal("20")
    )
    # 850 - 1000 = -150; -150 / 1000 x 100 = -15 %
    assert derive.change(Decimal("850"), Decimal("1000")) == derive.Change(
        Decimal("-150"), Decimal("-15")
    )


def test_change_from_zero_has_an_amount_but_no_percentage() -> None:
    assert derive.change(Decimal("40"), Decimal("0")) == derive.Change(Decimal("40"), None)


def test_change_against_a_negative_baseline_keeps_the_direction() -> None:
    # credits: -50 -> -25 is an increase of 25, i.e. 25 / |-50| x 100 = +50 %
    assert derive.change(Decimal("-25"), Decimal("-50")) == derive.Change(
        Decimal("25"), Decimal("50")
    )


def test_change_against_an_unavailable_month_is_unavailable() -> None:
    result = derive.change(Decimal("10"), Decimal("0"), Status.UNAVAILABLE)
    assert result == derive.UNAVAILABLE
    assert not result.available
    assert derive.change(Decimal("10"), None) == derive.UNAVAILABLE


def test_estimated_baseline_still_compares() -> None:
    assert derive.change(Decimal("11"), Decimal("10"), Status.ESTIMATED).pct == Decimal("10")


# ---------------------------------------------------------------- headline


def test_headline_of_a_complete_month() -> None:
    summary = make_summary(
        totals=Totals(Decimal("1200.00"), Decimal("1000.00"), Decimal("1500.00"))
    )
    head = derive.headline(summary)
    # MoM: 1200 - 1000 = +200 = +20 %; YoY: 1200 - 1500 = -300 = -20 %
    assert (head.mom.amount, head.mom.pct) == (Decimal("200.00"), Decimal("20"))
    assert (head.yoy.amount, head.yoy.pct) == (Decimal("-300.00"), Decimal("-20"))
    assert head.mom_baseline == Decimal("1000.00")


def test_headline_of_a_month_to_date_period_compares_like_for_like() -> None:
    totals = Totals(
        current=Decimal("500"),
        prev_month=Decimal("1000"),  # whole previous month: not the baseline
        yoy=Decimal("1000"),
        mtd_prior_partial=Decimal("400"),
        forecast=Decimal("1100"),
        prev_complete=Decimal("1000"),
        forecast_delta_pct=Decimal("10.0"),
    )
    head = derive.headline(make_summary(is_mtd=True, totals=totals))
    # like-for-like: 500 - 400 = 100 = +25 %
    assert (head.mom.amount, head.mom.pct) == (Decimal("100"), Decimal("25"))
    # year over year uses the forecast: 1100 - 1000 = +100 = +10 %
    assert (head.yoy.amount, head.yoy.pct) == (Decimal("100"), Decimal("10"))
    assert head.forecast_pct == Decimal("10.0")


def test_headline_without_forecast_has_no_year_over_year_for_a_partial_month() -> None:
    totals = Totals(
        Decimal("500"), Decimal("1000"), Decimal("1000"), mtd_prior_partial=Decimal("400")
    )
    assert not derive.headline(make_summary(is_mtd=True, totals=totals)).yoy.available


def test_headline_with_unavailable_last_year() -> None:
    summary = make_summary(
        totals=Totals(Decimal("100"), Decimal("80"), Decimal("0")),
        status={"yoy": Status.UNAVAILABLE},
    )
    head = derive.headline(summary)
    assert not head.yoy.available
    assert head.mom.pct == Decimal("25")  # (100 - 80) / 80 x 100


# ---------------------------------------------------------------- cost rows and movers


def _centers() -> tuple[CostCenter, ...]:
    research = CostCenter(
        "Research",
        Decimal("900"),
        Decimal("700"),
        Decimal("300"),
        (
            workload("genome", "600", "400", "200"),  # +200, +50 %
            workload("imaging", "250", "280", "100"),  # -30, -10.714... %
            workload("new-thing", "50", "0"),  # +50, no percentage
            workload("steady", "0", "20"),  # -20, -100 %
        ),
    )
    platform = CostCenter(
        "Platform",
        Decimal("400"),
        Decimal("400"),
        Decimal("350"),
        (
            workload("ci", "300", "250"),  # +50 (ties with new-thing; Platform sorts first)
            workload("vpc", "100", "150"),  # -50, -33.3 %
        ),
    )
    return research, platform


def test_cost_rows_compare_each_line_with_its_previous_month() -> None:
    rows = derive.cost_rows(make_summary(centers=_centers()))
    assert [r.name for r in rows] == ["Research", "Platform"]
    research = rows[0]
    # 900 - 700 = 200 = 28.571... % of 700
    assert research.mom.amount == Decimal("200")
    assert research.mom.pct.quantize(Decimal("0.001")) == Decimal("28.571")
    # 900 - 300 = 600 = +200 % year over year
    assert research.yoy.pct == Decimal("200")
    genome = research.workloads[0]
    assert (genome.mom.amount, genome.mom.pct, genome.yoy.pct) == (
        Decimal("200"),
        Decimal("50"),
        Decimal("200"),
    )


def test_movers_are_the_largest_dollar_increases_and_decreases() -> None:
    ups, downs = derive.movers(derive.cost_rows(make_summary(centers=_centers())))
    # increases: genome +200, then the +50 tie ordered by cost center name (Platform < Research)
    assert [(m.workload, m.delta) for m in ups] == [
        ("genome", Decimal("200")),
        ("ci", Decimal("50")),
        ("new-thing", Decimal("50")),
    ]
    assert ups[2].pct is None  # from zero
    # decreases: vpc -50, imaging -30, steady -20
    assert [(m.workload, m.cost_center, m.delta) for m in downs] == [
        ("vpc", "Platform", Decimal("-50")),
        ("imaging", "Research", Decimal("-30")),
        ("steady", "Research", Decimal("-20")),
    ]


def test_movers_limit() -> None:
    ups, downs = derive.movers(derive.cost_rows(make_summary(centers=_centers())), limit=1)
    assert [m.workload for m in ups] == ["genome"]
    assert [m.workload for m in downs] == ["vpc"]


def test_movers_of_a_month_to_date_period_use_the_like_for_like_window() -> None:
    center = CostCenter(
        "Research",
        Decimal("300"),
        Decimal("1000"),
        Decimal("0"),
        (
            workload("genome", "200", "700", prior="150"),  # +50 like for like
            workload("imaging", "100", "300", prior="130"),  # -30 like for like
            workload("new", "0", "0"),  # not in mtd_comparison: prior 0, no move
        ),
        prior_partial=Decimal("280"),
    )
    summary = make_summary(is_mtd=True, centers=(center,))
    rows = derive.cost_rows(summary)
    assert rows[0].mom.amount == Decimal("20")  # 300 - 280
    assert not rows[0].yoy.available  # partial month against a whole one: not shown
    ups, downs = derive.movers(rows)
    assert [(m.workload, m.delta) for m in ups] == [("genome", Decimal("50"))]
    assert [(m.workload, m.delta) for m in downs] == [("imaging", Decimal("-30"))]


def test_no_movers_when_the_previous_month_is_unavailable() -> None:
    summary = make_summary(centers=_centers(), status={"prev_month": Status.UNAVAILABLE})
    assert derive.movers(derive.cost_rows(summary)) == ([], [])


# ---------------------------------------------------------------- averages and trend


def test_trailing_average_needs_three_consecutive_months() -> None:
    totals = {
        "2025-12": Decimal("100"),
        "2026-01": Decimal("200"),
        "2026-02": Decimal("600"),
        "2026-03": Decimal("100"),
        "2026-05": Decimal("50"),  # 2026-04 missing
        "2026-06": Decimal("70"),
        "2026-07": Decimal("90"),
    }
    assert derive.trailing_average(totals) == {
        "2026-02": Decimal("300"),  # (100 + 200 + 600) / 3, across the year boundary
        "2026-03": Decimal("300"),  # (200 + 600 + 100) / 3
        "2026-07": Decimal("70"),  # (50 + 70 + 90) / 3; 05 and 06 lack a complete window
    }


def _month(period: str, total: str, centers: dict[str, str], **kwargs) -> Summary:
    return make_summary(
        period,
        totals=Totals(
            Decimal(total), Decimal(0), Decimal(0), forecast=kwargs.pop("forecast", None)
        ),
        centers=tuple(
            CostCenter(n, Decimal(v), Decimal(0), Decimal(0), ()) for n, v in centers.items()
        ),
        **kwargs,
    )


def test_trend_stacks_cost_centers_and_leaves_month_to_date_out_of_the_average() -> None:
    summaries = [
        _month("2026-08", "100", {"A": "60", "B": "40"}),
        _month("2026-09", "130", {"A": "70", "B": "60"}),
        _month("2026-10", "160", {"A": "80", "B": "50", "C": "30"}),
        _month("2026-11", "90", {"A": "50", "C": "40"}, is_mtd=True, forecast=Decimal("200")),
    ]
    result = derive.trend(reversed(summaries))
    # ranked by cost over all periods: A 260, B 150, C 70
    assert result.series == ("A", "B", "C")
    assert [p.period for p in result.points] == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert result.points[2].by_series == (Decimal("80"), Decimal("50"), Decimal("30"))
    assert result.points[3].by_series == (Decimal("50"), Decimal("0"), Decimal("40"))
    # (100 + 130 + 160) / 3 = 130; the MTD month gets none and no forecast elsewhere
    assert [p.average for p in result.points] == [None, None, Decimal("130"), None]
    assert [p.forecast for p in result.points] == [None, None, None, Decimal("200")]


def test_trend_puts_small_cost_centers_into_one_bucket() -> None:
    summaries = [_month("2026-10", "100", {"A": "50", "B": "30", "C": "15", "D": "5"})]
    result = derive.trend(summaries, max_series=3)
    assert result.series == ("A", "B", derive.OTHERS_LABEL)
    assert result.points[0].by_series == (Decimal("50"), Decimal("30"), Decimal("20"))  # 15 + 5


# ---------------------------------------------------------------- categories


def _row(usage_type: str, category: str, period: str, cost: str, quantity: str = "0"):
    return UsageTypeRow("w", usage_type, category, period, Decimal(cost), Decimal(quantity))


def test_category_split_with_shares_and_changes() -> None:
    rows = [
        _row("BoxUsage:m5.large", "Compute", "2026-10", "600"),
        _row("USE2-BoxUsage:c5.large", "Compute", "2026-10", "150"),
        _row("TimedStorage-ByteHrs", "Storage", "2026-10", "200"),
        _row("Tax", "Support", "2026-10", "50"),
        _row("BoxUsage:m5.large", "Compute", "2026-09", "500"),
        _row("TimedStorage-ByteHrs", "Storage", "2026-09", "250"),
        _row("BoxUsage:m5.large", "Compute", "2025-10", "9999"),  # last year: ignored
    ]
    split = derive.category_split(rows, "2026-10", "2026-09")
    # total 1000: Storage 200 (20 %), Compute 750 (75 %), Support 50 (5 %), Other 0
    assert [(c.category, c.cost, c.share_pct) for c in split] == [
        ("Storage", Decimal("200"), Decimal("20")),
        ("Compute", Decimal("750"), Decimal("75")),
        ("Support", Decimal("50"), Decimal("5")),
        ("Other", Decimal("0"), Decimal("0")),
    ]
    # Storage 200 vs 250 = -20 %; Compute 750 vs 500 = +50 %; Support 50 vs 0: no percentage
    assert [c.change.pct for c in split] == [Decimal("-20"), Decimal("50"), None, None]


def test_category_split_without_baseline() -> None:
    split = derive.category_split([_row("Tax", "Support", "2026-11", "10")], "2026-11", None)
    assert all(not c.change.available for c in split)


# ---------------------------------------------------------------- storage classes


S3_NAME, EFS_NAME = "Amazon Simple Storage Service", "Amazon Elastic File System"


def storage_class(
    service: str, usage_type: str, name: str, gib: int, prev_gib: int
) -> StorageClass:
    return StorageClass(
        service, usage_type, name, gib * GIB, Decimal(0), prev_gib * GIB, Decimal(0)
    )


def test_storage_classes_come_from_the_summary_scoped_by_service() -> None:
    summary = replace(
        make_summary("2026-10"),
        storage_classes=(
            storage_class(S3_NAME, "TimedStorage-ByteHrs", "S3 Standard", 1500, 1200),
            storage_class(EFS_NAME, "TimedStorage-ByteHrs", "EFS Standard", 300, 0),
            storage_class(S3_NAME, "TimedStorage-GDA-ByteHrs", "S3 Glacier Deep Archive", 200, 0),
            storage_class(S3_NAME, "TimedStorage-INT-FA-ByteHrs", "S3 INT FA", 0, 100),
        ),
    )
    classes = derive.storage_class_volumes(summary)
    assert classes is not None
    # total 2000 GiB: 75 %, 15 %, 10 %, 0 %. S3 Standard and EFS Standard share a usage type
    # and stay two classes; both are hot.
    assert [(c.name, c.avg_bytes, c.share_pct, c.is_hot) for c in classes] == [
        ("S3 Standard", Decimal(1500 * GIB), Decimal("75"), True),
        ("EFS Standard", Decimal(300 * GIB), Decimal("15"), True),
        ("S3 Glacier Deep Archive", Decimal(200 * GIB), Decimal("10"), False),
        ("S3 INT FA", Decimal(0), Decimal(0), True),
    ]
    # Standard 1500 vs 1200 = +25 %; from 0: no percentage; INT-FA 0 vs 100: -100 %.
    assert [c.change.pct for c in classes] == [Decimal("25"), None, None, Decimal("-100")]


def test_a_schema_1_summary_has_no_storage_classes() -> None:
    assert derive.storage_class_volumes(make_summary("2026-10")) is None


def test_month_to_date_days_run_through_data_through() -> None:
    # Collected on 26 November with 1 settle day: data through the 24th = 24 days.
    summary = replace(
        make_summary("2026-11", is_mtd=True, collected_at=datetime(2026, 11, 26, 6, tzinfo=UTC)),
        data_through=date(2026, 11, 24),
    )
    assert derive.elapsed_days(summary) == 24
    # Schema 1 (no data_through): the window ended on the day of the run, 25 days.
    schema_1 = make_summary(
        "2026-11", is_mtd=True, collected_at=datetime(2026, 11, 26, 6, tzinfo=UTC)
    )
    assert derive.elapsed_days(schema_1) == 25
    assert derive.elapsed_days(make_summary("2026-10")) == 31


def test_storage_changes_in_percent_and_points() -> None:
    storage = StorageMetrics(
        cost=Decimal("110"),
        prev_cost=Decimal("100"),
        volume_bytes=3 * 2**40,
        prev_volume_bytes=2 * 2**40,
        hot_pct=Decimal("40.5"),
        prev_hot_pct=Decimal("42.0"),
        cost_per_tib=Decimal("36.67"),
        prev_cost_per_tib=Decimal("50.00"),
    )
    result = derive.storage_changes(make_summary(storage=storage))
    assert result.cost.pct == Decimal("10")  # 110 vs 100
    assert result.volume.pct == Decimal("50")  # 3 TiB vs 2 TiB
    assert result.cost_per_tib.pct == Decimal("-26.66")  # (36.67 - 50) / 50 x 100
    assert (result.hot_share.amount, result.hot_share.pct) == (Decimal("-1.5"), None)  # points


def test_storage_changes_without_comparison_values() -> None:
    result = derive.storage_changes(make_summary())
    assert not result.volume.available
    assert not result.hot_share.available


# ---------------------------------------------------------------- tagging


def test_tagging_trend_and_change_in_points() -> None:
    october = make_summary("2026-10", tagged_pct="91.4")
    september = make_summary("2026-09", tagged_pct="89.9")
    trend = derive.tagging_trend([october, september])
    assert [(p.period, p.tagged_pct) for p in trend] == [
        ("2026-09", Decimal("89.9")),
        ("2026-10", Decimal("91.4")),
    ]
    assert derive.tagging_change(october, september).amount == Decimal("1.5")  # 91.4 - 89.9
    assert not derive.tagging_change(october, None).available


@pytest.mark.parametrize(("period", "previous"), [("2026-01", "2025-12"), ("2026-10", "2026-09")])
def test_previous_month(period: str, previous: str) -> None:
    assert derive.previous_month(period) == previous
