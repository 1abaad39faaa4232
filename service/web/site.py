"""Mounting the pages on the application (service/rest/app.py calls `mount`)."""

from fastapi import FastAPI

from service.rest.services import Services
from service.web import cooperation, followup, invoice, overview, pages, stay
from service.web.csrf import Csrf


def mount(app: FastAPI) -> None:
    """Serve the pages under /app/; statistics_routes.mount has put the statistics basis on
    app.state already."""
    services: Services = app.state.services
    app.state.csrf = Csrf(services.store)
    for module in (overview, followup, stay, cooperation, invoice, pages):
        app.include_router(module.router)
