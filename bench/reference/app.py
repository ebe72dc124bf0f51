"""REFERENCE ONLY, NEVER DEPLOYED: reference point (b) of `make bench`.

What many teams would build instead of one small function per route: a single FastAPI app (pydantic
models, dependency injection) behind Mangum, here serving the same GET /auth/me logic as
functions/me (the same hhl request authentication and users-table read), so the bench can show
what the framework costs at cold start. It is not in template.yaml, not in the layer, and not
packaged by `sam build`; its dependencies are installed only into .local/bench-runtime/reference.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from hhl.auth.request_auth import Identity, authenticate
from hhl.http import HttpError, as_http_error
from hhl.storage import users
from hhl.storage.errors import StorageError
from mangum import Mangum
from pydantic import BaseModel

app = FastAPI(title="Hedgehog Learn (benchmark reference, never deployed)")


class Profile(BaseModel):
    userId: str
    email: str | None = None
    displayName: str | None = None
    givenName: str | None = None
    familyName: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None
    hubspotContactId: str | None = None


def current_identity(request: Request) -> Identity:
    return authenticate(request.scope["aws.event"])


@app.exception_handler(HttpError)
def http_error(request: Request, exc: HttpError) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)


@app.exception_handler(StorageError)
def storage_error(request: Request, exc: StorageError) -> JSONResponse:
    return http_error(request, as_http_error(exc))


@app.get("/auth/me", response_model=Profile)
def me(identity: Annotated[Identity, Depends(current_identity)]) -> JSONResponse | Profile:
    profile = users.get_user(identity.user_id)
    if profile is None:
        return JSONResponse({"error": "User not found"}, status_code=404)
    return Profile(**profile)


handler = Mangum(app, lifespan="off")
