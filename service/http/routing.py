"""The app's routes in one flat list.

FastAPI's `include_router` (0.16x) keeps an included router as a single entry of the app's list
and matches it twice a request, once to pick it and once to pick a route inside it, with
bookkeeping in the scope for every candidate. With thirteen routers ahead of and around the FHIR
routes that came to about 0.35 ms of a 1.4 ms read (`bench/routing.py`). So each router is built
by `router()`, which gives its routes the dependencies every route needs when they are created,
and `include()` appends those routes to the app's own list, in order, as Starlette matches them:
once, by regular expression.
"""

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute

from service.http.url import check_url

EVERY_ROUTE = (Depends(check_url),)


def router(**options: Any) -> APIRouter:
    """An APIRouter whose routes carry EVERY_ROUTE's dependencies."""
    return APIRouter(dependencies=list(EVERY_ROUTE), **options)


def include(app: FastAPI, routes: APIRouter) -> None:
    """Append the router's routes to the app's list; a route built without `router()` stops
    start-up, since it would skip what every route must check."""
    for route in routes.routes:
        if isinstance(route, APIRoute | APIWebSocketRoute):
            missing = [d for d in EVERY_ROUTE if d.dependency not in _dependencies(route)]
            if missing:
                raise ValueError(
                    f"route {route.path} lacks {missing}: build its router with router()"
                )
    app.router.routes.extend(routes.routes)


def _dependencies(route: APIRoute | APIWebSocketRoute) -> list[Any]:
    return [d.dependency for d in route.dependencies]
