"""Page dependencies: the signed-in user with the request's database session at hand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ketasim.web.deps import DbDep, Signed, signed_in

__all__ = ["FormDep", "FormListsDep", "PageDep"]


def page_user(request: Request, db: DbDep, signed: Annotated[Signed, Depends(signed_in)]) -> Signed:
    """The signed-in user of a page; the session is kept for the page's own queries."""
    request.state.db = db
    return signed


PageDep = Annotated[Signed, Depends(page_user)]


async def form_data(request: Request) -> dict[str, Any]:
    """The submitted form, read before the database transaction opens."""
    return dict(await request.form())


FormDep = Annotated[dict[str, Any], Depends(form_data)]


async def form_lists(request: Request) -> dict[str, list[str]]:
    """The submitted form with every value of a repeated field (check-box groups)."""
    out: dict[str, list[str]] = {}
    for key, value in (await request.form()).multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


FormListsDep = Annotated[dict[str, list[str]], Depends(form_lists)]
