"""The application factory: settings in, a ready FastAPI app out (schema migrated at start-up)."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI

from fhir_profiles import CANONICAL, VERSION
from service import background
from service.delivery.config import DeliveryConfig
from service.delivery.worker import start_in_background
from service.fhirtime import Clock, utc_now
from service.hl7v2 import mllp
from service.hl7v2 import routes as hl7v2
from service.http import errors, routing
from service.http.authentication import Authentication
from service.rest import audit_routes, export_routes, smart, statistics_routes, websocket
from service.rest.routes import router
from service.rest.services import Services
from service.settings import Settings
from service.storage.database import engine_for, migrate
from service.storage.store import Store
from service.validation import validator
from service.web import site

log = logging.getLogger(__name__)
OPERATIONS = {
    "validate": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
    "process-message": "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message",
    "delivery-status": f"{CANONICAL}/OperationDefinition/delivery-status",
}


def settle_heap() -> None:
    """Move what start-up built (the guide's profiles, the validator, routes) out of the
    collector's reach. Otherwise every full collection walks those 240,000 objects again:
    0.1–0.4 s with every request waiting, the p99 of a read. The garbage is collected first so
    none of it is kept for good."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings()
    engine = engine_for(settings.database())
    migrate(engine)
    services = Services(settings, Store(engine, clock), clock, dict(OPERATIONS))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        validator().warm_up()
        for start in app.state.after_start:  # e.g. serve --demo's simulated history
            start()
        settle_heap()
        if settings.run_worker:
            worker = start_in_background(
                services.store, services.workflow.deviation, DeliveryConfig.from_settings(settings)
            )
            jobs = background.start(services.workflow, settings)
        with ExitStack() as listeners:
            if settings.mllp_shared:  # serve --workers: each process takes MLLP connections
                listeners.enter_context(mllp.listening(services, settings.mllp_host, shared=True))
            yield
        if settings.run_worker:
            worker.stop()
            jobs.stop()
        services.audit.stop()
        services.store.dispose()

    app = FastAPI(
        title="lus-fhir",
        version=VERSION,
        description="FHIR R4 service for the Swedish discharge process (LUS).",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.after_start = []  # callables run once start-up is done, before serving
    errors.install(app)
    app.add_middleware(Authentication)
    routing.include(app, smart.router)
    statistics_routes.mount(app)
    export_routes.mount(app)  # before the generic /fhir/{type}/{id} routes
    routing.include(app, audit_routes.router)  # before the generic /fhir/{type} routes
    routing.include(app, router)
    routing.include(app, websocket.router)
    routing.include(app, hl7v2.router)
    site.mount(app)  # the pages under /app/, matched after the API; they read the statistics basis
    return app
