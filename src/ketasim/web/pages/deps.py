"""Page dependencies: the signed-in user with the request's database session at hand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ketasim.web.deps import DbDep, Signed, signed_in

__all__ = ["FormDep", "PageDep"]


def page_user(request: Request, db: DbDep, signed: Annotated[Signed, Depends(signed_in)]) -> Signed:
    """The signed-in user of a page; the session is kept for the page's own queries."""
    request.state.db = db
    return signed


PageDep = Annotated[Signed, Depends(page_user)]


async def form_data(request: Request) -> dict[str, Any]:
    """The submitted form, read before the database transaction opens."""
    return dict(await request.form())


FormDep = Annotated[dict[str, Any], Depends(form_data)]
