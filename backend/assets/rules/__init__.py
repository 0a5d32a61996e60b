"""The 三资 risk rules, registered with the risk engine when the app is built (the engine imports
no feature): contracts that are owed money, priced or paid below their floor, or expired and still
running; idle assets that still get maintenance money; finished projects whose asset was never
registered."""
from ...risks.rules import register
from . import (asset_idle_spending, contract_below_floor, contract_expired_active, contract_overdue,  # noqa: E402
               project_asset_unregistered)

RULES = (contract_overdue, contract_below_floor, contract_expired_active, asset_idle_spending,
         project_asset_unregistered)
ASSET_RULES = tuple(rule.CODE for rule in RULES)
register(*RULES)
