"""A Python client for credits, the customer-credits ledger inside PostgreSQL.

    from decimal import Decimal
    from credits_client import CreditsClient, InsufficientCredits

    client = CreditsClient("dbname=app", tenant="default")
    client.create_account("user_123", name="Alice")
    client.add_credits("user_123", Decimal("10.00"), idempotency_key="order_42")
    try:
        client.deduct_credits("user_123", 25)
    except InsufficientCredits as e:
        print(e.detail, e.hint)
"""

from .client import CreditsClient
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _error_names
from .types import *  # noqa: F401,F403
from .types import __all__ as _type_names

__version__ = "0.1.0"

__all__ = ["CreditsClient", "__version__", *_error_names, *_type_names]
