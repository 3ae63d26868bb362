"""The audit log: who did what to which object, and when (``audit_log`` layer)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from layers.store import Reader, Store, Transaction


def _row(*, user: str, action: str, obj: str | None, detail: dict[str, Any] | None
         ) -> pd.DataFrame:
    return pd.DataFrame([{"event_id": uuid.uuid4().hex, "time": datetime.now(UTC),
                          "user": user, "action": action, "object": obj,
                          "detail": detail or {}}])


def record(target: Store | Transaction, *, user: str, action: str, obj: str | None = None,
           detail: dict[str, Any] | None = None) -> None:
    """Append one event; pass an open transaction to make it land with the change it logs.

    Parameters
    ----------
    target
        The store (a transaction of its own) or an open transaction.
    user, action, obj
        Who, what (``plan.read``, ``plan.dispatch``, ``grid.commit`` …) and the object id.
    detail
        JSON-able context; never secrets, never a draft plan's contents.
    """
    target.append("audit_log", _row(user=user, action=action, obj=obj, detail=detail))


def events(store: Reader, *, user: str | None = None, action: str | None = None,
           limit: int = 100, offset: int = 0) -> pd.DataFrame:
    """Events, oldest first, filtered by user and action when given."""
    where = {k: v for k, v in (("user", user), ("action", action)) if v is not None}
    return store.read("audit_log", where=where or None, limit=limit, offset=offset)
