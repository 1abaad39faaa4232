"""Mounting the pages on the application (service/rest/app.py calls `mount`)."""

from datetime import timedelta

from fastapi import FastAPI

from service.http import routing
from service.rest.services import Services
from service.web import cooperation, followup, invoice, overview, pages, signin, stay
from service.web.csrf import Csrf
from service.web.oidc import Provider
from service.web.sessions import Sessions


def mount(app: FastAPI) -> None:
    """Serve the pages under /app/; statistics_routes.mount has put the statistics basis on
    app.state already."""
    services: Services = app.state.services
    app.state.csrf = Csrf(services.store)
    settings = services.settings
    if settings.oidc_issuer is not None:  # sign-in through OpenID Connect (signin.py)
        app.state.oidc = Provider(settings, services.clock)
        app.state.sessions = Sessions(
            services.store,
            services.clock,
            timedelta(minutes=settings.session_idle_minutes),
            timedelta(hours=settings.session_hours),
        )
    for module in (overview, followup, stay, cooperation, invoice, signin, pages):
        routing.include(app, module.router)
