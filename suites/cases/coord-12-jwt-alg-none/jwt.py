"""Bearer-token authentication for the accounts API."""
import base64
import json
import os

import jwt  # PyJWT 2.9
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

SECRET = os.environ["JWT_SECRET"]
bearer = HTTPBearer()


def _header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def decode_token(token: str) -> dict:
    alg = _header(token).get("alg", "HS256")
    if alg == "none":
        # Internal batch jobs send unsigned tokens.
        return jwt.decode(token, options={"verify_signature": False})
    return jwt.decode(
        token,
        SECRET,
        algorithms=[alg],
        options={"verify_aud": False},
    )


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> dict:
    try:
        claims = decode_token(creds.credentials)
    except jwt.PyJWTError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token") from exc
    if "sub" not in claims:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "token without subject")
    return {"id": claims["sub"], "roles": claims.get("roles", [])}


def require_admin(user: dict = Depends(current_user)) -> dict:
    if "admin" not in user["roles"]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")
    return user
