from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from .auth import current_user
from .store import find_invoices

router = APIRouter(prefix="/v2")


class Invoice(BaseModel):
    id: str = Field(examples=["inv_8HqZ2"])
    amount_cents: int = Field(ge=0)
    currency: Literal["EUR", "USD", "GBP"]
    status: Literal["draft", "open", "paid", "void"]
    issued_at: datetime


class InvoicePage(BaseModel):
    items: list[Invoice]
    next_cursor: str | None = None


@router.get("/invoices", response_model=InvoicePage)
def list_invoices(
    status: Literal["draft", "open", "paid", "void"] | None = None,
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = None,
    user=Depends(current_user),
):
    if cursor is not None and not cursor.startswith("c_"):
        raise HTTPException(status_code=400, detail="invalid cursor")
    items, next_cursor = find_invoices(user.account_id, status=status, limit=limit, cursor=cursor)
    return InvoicePage(items=items, next_cursor=next_cursor)
