from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Invoice
from app.security import current_account

router = APIRouter(prefix="/v1/invoices")


class InvoiceOut(BaseModel):
    id: int
    number: str
    issued_on: date
    due_on: date
    total: Decimal
    currency: str
    status: str


@router.get("")
async def list_invoices(
    status: str | None = Query(None),
    session: AsyncSession = Depends(get_session),
    account=Depends(current_account),
):
    stmt = select(Invoice).where(Invoice.account_id == account.id)
    if status:
        stmt = stmt.where(Invoice.status == status)
    stmt = stmt.order_by(Invoice.issued_on.desc())
    rows = (await session.execute(stmt)).scalars().all()
    return [InvoiceOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/{invoice_id}")
async def get_invoice(
    invoice_id: int,
    session: AsyncSession = Depends(get_session),
    account=Depends(current_account),
):
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None or invoice.account_id != account.id:
        return {"detail": "not found"}
    return InvoiceOut.model_validate(invoice, from_attributes=True)
