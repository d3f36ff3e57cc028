"""The digest text, built from summary.json documents only, for hand-worked months.

November 2026 to date (data through the 25th), two cost centers:
  Research: genome $700 (same days of October: $500), Untagged $200 ($150)  -> $900 ($650)
  Platform: ci $400 ($450), genome $200 ($150)                               -> $600 ($600)
  total $1,500 vs $1,250 -> +$250 (+20.0%); forecast $1,860 vs October's $3,000 -> -38.0%
  workloads summed over cost centers: genome $900 vs $650 (+$250), Untagged +$50, ci -$50
  tagged $1,300 of $1,500 = 86.7%; October's summary said 80.0% -> +6.7 points
"""

from __future__ import annotations

from typing import Any

from dapanoskop.digest import build_digest, data_through


def november_to_date(**extra: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "schema_version": 2,
        "collected_at": "2026-11-26T06:00:03Z",
        "period": "2026-11",
        "is_mtd": True,
        "data_through": "2026-11-25",
        "periods": {"current": "2026-11", "prev_month": "2026-10", "yoy": "2025-11"},
        "period_status": {"current": "estimated", "prev_month": "final", "yoy": "final"},
        "workload_tag_key": "App",
        "totals": {
            "current_cost_usd": 1500.0,
            "prev_month_cost_usd": 3000.0,
            "yoy_cost_usd": 2000.0,
            "mtd_prior_partial_cost_usd": 1250.0,
            "forecast_total_usd": 1860.0,
            "prev_complete_total_usd": 3000.0,
            "forecast_month_end_delta_pct": -38.0,
        },
        "cost_centers": [
            {
                "name": "Research",
                "current_cost_usd": 900.0,
                "prev_month_cost_usd": 1800.0,
                "yoy_cost_usd": 1000.0,
                "workloads": [
                    {"name": "genome", "current_cost_usd": 700.0, "prev_month_cost_usd": 1000.0},
                    {"name": "Untagged", "current_cost_usd": 200.0, "prev_month_cost_usd": 800.0},
                ],
            },
            {
                "name": "Platform",
                "current_cost_usd": 600.0,
                "prev_month_cost_usd": 1200.0,
                "yoy_cost_usd": 1000.0,
                "workloads": [
                    {"name": "ci", "current_cost_usd": 400.0, "prev_month_cost_usd": 900.0},
                    {"name": "genome", "current_cost_usd": 200.0, "prev_month_cost_usd": 300.0},
                ],
            },
        ],
        "mtd_comparison": {
            "prior_partial_start": "2026-10-01",
            "prior_partial_end_exclusive": "2026-10-26",
            "cost_centers": [
                {
                    "name": "Research",
                    "prior_partial_cost_usd": 650.0,
                    "workloads": [
                        {"name": "genome", "prior_partial_cost_usd": 500.0},
                        {"name": "Untagged", "prior_partial_cost_usd": 150.0},
                    ],
                },
                {
                    "name": "Platform",
                    "prior_partial_cost_usd": 600.0,
                    "workloads": [
                        {"name": "ci", "prior_partial_cost_usd": 450.0},
                        {"name": "genome", "prior_partial_cost_usd": 150.0},
                    ],
                },
            ],
        },
        "tagging_coverage": {
            "tagged_cost_usd": 1300.0,
            "untagged_cost_usd": 200.0,
            "tagged_percentage": 86.7,
        },
    }
    summary.update(extra)
    return summary


OCTOBER_TAGGING = {
    "period": "2026-10",
    "tagging_coverage": {
        "tagged_cost_usd": 2400.0,
        "untagged_cost_usd": 600.0,
        "tagged_percentage": 80.0,
    },
}


def test_month_to_date_digest_whole() -> None:
    digest = build_digest(
        november_to_date(), OCTOBER_TAGGING, "https://costs.example.org/report.html"
    )

    assert digest.period == "2026-11"
    assert digest.subject == "AWS cost digest: November 2026 to date $1,500.00 (+20.0%)"
    assert digest.text == (
        "AWS cost digest: November 2026 to date (through 25 Nov)\n"
        "Month to date: $1,500.00, vs $1,250.00 for the same days of October 2026 (1-25): "
        "+$250.00 (+20.0%)\n"
        "Forecast for November 2026: $1,860.00, vs $3,000.00 for all of October 2026: "
        "-$1,140.00 (-38.0%)\n"
        "Tagging coverage: 86.7% of usage cost tagged App ($200.00 untagged), "
        "+6.7 points vs October 2026 (80.0%)\n"
        "\n"
        "Biggest movers, workloads (vs the same days of October 2026):\n"
        "  +$250.00  genome: $900.00 (was $650.00)\n"
        "   +$50.00  Untagged: $200.00 (was $150.00)\n"
        "   -$50.00  ci: $400.00 (was $450.00)\n"
        "Biggest movers, cost centers (vs the same days of October 2026):\n"
        "  +$250.00  Research: $900.00 (was $650.00)\n"
        "\n"
        "Report: https://costs.example.org/report.html\n"
    )


def october_final() -> dict[str, Any]:
    """October 2026, final: $3,000 vs September's $2,500 and October 2025's $2,000.

    Research: genome $1,000 ($700 in September), Untagged $800 ($800) -> $1,800 ($1,500)
    Platform: ci $900 ($800), genome $300 ($200)                      -> $1,200 ($1,000)
    workloads: genome $1,300 vs $900 (+$400), ci +$100, Untagged unchanged (left out)
    """
    return {
        "collected_at": "2026-11-04T06:00:00Z",
        "period": "2026-10",
        "is_mtd": False,
        "periods": {"current": "2026-10", "prev_month": "2026-09", "yoy": "2025-10"},
        "period_status": {"current": "final", "prev_month": "final", "yoy": "final"},
        "workload_tag_key": "CostApp",
        "totals": {
            "current_cost_usd": 3000.0,
            "prev_month_cost_usd": 2500.0,
            "yoy_cost_usd": 2000.0,
        },
        "cost_centers": [
            {
                "name": "Research",
                "current_cost_usd": 1800.0,
                "prev_month_cost_usd": 1500.0,
                "workloads": [
                    {"name": "genome", "current_cost_usd": 1000.0, "prev_month_cost_usd": 700.0},
                    {"name": "Untagged", "current_cost_usd": 800.0, "prev_month_cost_usd": 800.0},
                ],
            },
            {
                "name": "Platform",
                "current_cost_usd": 1200.0,
                "prev_month_cost_usd": 1000.0,
                "workloads": [
                    {"name": "ci", "current_cost_usd": 900.0, "prev_month_cost_usd": 800.0},
                    {"name": "genome", "current_cost_usd": 300.0, "prev_month_cost_usd": 200.0},
                ],
            },
        ],
        "tagging_coverage": {
            "tagged_cost_usd": 2200.0,
            "untagged_cost_usd": 800.0,
            "tagged_percentage": 73.3,
        },
    }


def test_complete_month_digest_whole_without_an_earlier_summary_or_report() -> None:
    digest = build_digest(october_final())

    assert digest.subject == "AWS cost digest: October 2026 $3,000.00 (+20.0%)"
    assert digest.text == (
        "AWS cost digest: October 2026 (final)\n"
        "October 2026: $3,000.00, vs $2,500.00 in September 2026: +$500.00 (+20.0%)\n"
        "A year earlier (October 2025): $2,000.00: +$1,000.00 (+50.0%)\n"
        "Tagging coverage: 73.3% of usage cost tagged CostApp ($800.00 untagged); "
        "no earlier summary to compare\n"
        "\n"
        "Biggest movers, workloads (vs September 2026):\n"
        "  +$400.00  genome: $1,300.00 (was $900.00)\n"
        "  +$100.00  ci: $900.00 (was $800.00)\n"
        "Biggest movers, cost centers (vs September 2026):\n"
        "  +$300.00  Research: $1,800.00 (was $1,500.00)\n"
        "  +$200.00  Platform: $1,200.00 (was $1,000.00)\n"
    )


def test_year_ago_month_outside_cost_explorer_is_said_not_shown_as_zero() -> None:
    summary = october_final()
    summary["period_status"]["yoy"] = "unavailable"
    summary["totals"]["yoy_cost_usd"] = 0.0
    assert "A year earlier (October 2025): not in Cost Explorer\n" in build_digest(summary).text


def test_no_forecast_is_said() -> None:
    summary = november_to_date()
    for key in ("forecast_total_usd", "prev_complete_total_usd", "forecast_month_end_delta_pct"):
        del summary["totals"][key]
    assert "Forecast: not available from Cost Explorer this time\n" in build_digest(summary).text


def test_only_the_five_biggest_movers_are_listed_biggest_first() -> None:
    summary = october_final()
    # Seven workloads in Platform that moved by $1..$7; genome (+$400) and ci (+$100) lead.
    summary["cost_centers"][1]["workloads"].extend(
        {"name": f"w{n}", "current_cost_usd": float(n), "prev_month_cost_usd": 0.0}
        for n in range(1, 8)
    )
    lines = build_digest(summary).text.splitlines()
    start = lines.index("Biggest movers, workloads (vs September 2026):")
    assert lines[start + 1 : start + 6] == [
        "  +$400.00  genome: $1,300.00 (was $900.00)",
        "  +$100.00  ci: $900.00 (was $800.00)",
        "    +$7.00  w7: $7.00 (was $0.00)",
        "    +$6.00  w6: $6.00 (was $0.00)",
        "    +$5.00  w5: $5.00 (was $0.00)",
    ]
    assert lines[start + 6].startswith("Biggest movers, cost centers")


def test_schema_1_summary_is_through_the_day_before_the_run() -> None:
    summary = november_to_date()
    del summary["data_through"]
    assert data_through(summary).isoformat() == "2026-11-25"
    summary["collected_at"] = "2026-11-20T06:00:00Z"
    assert build_digest(summary).text.startswith(
        "AWS cost digest: November 2026 to date (through 19 Nov)\n"
    )


def test_schema_2_data_through_wins_over_the_run_date() -> None:
    summary = november_to_date(data_through="2026-11-24")  # MTD_SETTLE_DAYS=2
    assert build_digest(summary).text.startswith(
        "AWS cost digest: November 2026 to date (through 24 Nov)\n"
    )


def test_subject_is_ascii_and_at_most_100_characters() -> None:
    summary = october_final()
    summary["period"] = "2026-10"
    subject = build_digest(summary).subject
    assert subject.isascii() and len(subject) <= 100


def test_untaggable_spend_of_schema_2_is_named_beside_the_coverage() -> None:
    summary = november_to_date()
    summary["tagging_coverage"]["untaggable_cost_usd"] = 42.5
    assert (
        "Tagging coverage: 86.7% of usage cost tagged App ($200.00 untagged; $42.50 of taxes, "
        "credits and fees cannot be tagged), +6.7 points vs October 2026 (80.0%)\n"
    ) in build_digest(summary, OCTOBER_TAGGING).text
