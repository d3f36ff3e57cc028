"""A local Cost Explorer: answers Cost Explorer requests from a table of line items.

It sits behind a real boto3 `ce` client, so botocore still validates every request and parses
every answer; the tests, the offline demo and the benchmarks all use it.

    lce = LocalCostExplorer(items, today=date(2026, 11, 26))
    ce = lce.client()
    ce.get_cost_and_usage(...)
    lce.request_count("GetCostAndUsage")

Operations: GetCostAndUsage (`cost_and_usage`), GetCostCategories (`cost_categories`),
GetCostForecast (`forecast`, whose docstring records what the real forecast covers), and
ListCostCategoryDefinitions / DescribeCostCategoryDefinition (`cost_category_definitions`:
versioned definitions with their split-charge rules, passed in as `definitions=`). Anything
else is refused with `UnsupportedOperationException`.
"""

from dapanoskop.localce.cost_category_definitions import (
    CostCategoryDefinition,
    CostCategoryVersion,
)
from dapanoskop.localce.explorer import LocalCostExplorer
from dapanoskop.localce.ledger import LineItem

__all__ = ["CostCategoryDefinition", "CostCategoryVersion", "LineItem", "LocalCostExplorer"]
