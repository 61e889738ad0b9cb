import random
import string
from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, HTTPException
from pydantic import BaseModel, EmailStr
from sqlalchemy import select

from app.db import SessionDep
from app.email import send_email
from app.models import PasswordReset, User
from app.security import hash_password

router = APIRouter(prefix="/auth/password-reset", tags=["auth"])


class ResetRequest(BaseModel):
    email: EmailStr


class ResetConfirm(BaseModel):
    token: str
    new_password: str


def _make_token(length: int = 6) -> str:
    return "".join(random.choices(string.digits, k=length))


@router.post("/request")
async def request_reset(body: ResetRequest, session: SessionDep, tasks: BackgroundTasks):
    user = await session.scalar(select(User).where(User.email == body.email))
    if user is None:
        raise HTTPException(status_code=404, detail="No account with that email")
    token = _make_token()
    session.add(PasswordReset(user_id=user.id, token=token, created_at=datetime.utcnow()))
    await session.commit()
    link = f"https://shop.example.com/reset?token={token}&email={user.email}"
    tasks.add_task(send_email, user.email, "Reset your password", f"Open {link} to choose a new password.")
    return {"status": "sent"}


@router.post("/confirm")
async def confirm_reset(body: ResetConfirm, session: SessionDep):
    reset = await session.scalar(select(PasswordReset).where(PasswordReset.token == body.token))
    if reset is None:
        raise HTTPException(status_code=400, detail="Invalid token")
    user = await session.get(User, reset.user_id)
    user.password_hash = hash_password(body.new_password)
    await session.commit()
    return {"status": "ok"}
