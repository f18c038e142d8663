"""The REST API under /api/v1: flask-smorest blueprints over actions/, as the panel's views
are. flask-smorest fits an existing Flask app (the panel stays a plain Flask + Flask-Admin
app), generates the OpenAPI 3.1 contract from the marshmallow schemas the views validate
with, and checks If-Match; Swagger UI's files come from the swagger-ui-py package, served
from this origin."""

from __future__ import annotations

import logging
import threading
from http import HTTPStatus
from pathlib import Path
from typing import Any

import swagger_ui
from flask import Blueprint, Flask, Response, render_template
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from admin.api.catalog import blp as products
from admin.api.common import ApiError, ProblemSchema
from admin.api.customers import blp as customers
from admin.api.customers import users_blp as customer_users
from admin.api.jobs import blp as jobs
from admin.api.order_activities import blp as order_activities
from admin.api.order_attachments import blp as order_attachments
from admin.api.order_emails import blp as order_emails
from admin.api.order_promotions import blp as order_promotions
from admin.api.orders import blp as orders
from admin.api.sales_documents import lists_blp as shopping_lists
from admin.api.sales_documents import rfqs_blp as rfqs
from admin.problems import PROBLEM_TYPE, domain_problem, http_problem, is_api_request
from admin.security import csp_nonce
from admin.url_ids import RecordIdConverter, id_parameter_schema

log = logging.getLogger(__name__)
RESOURCES = (
    orders,
    order_promotions,
    order_activities,
    order_attachments,
    order_emails,
    jobs,
    customers,
    customer_users,
    products,
    shopping_lists,
    rfqs,
)
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A personal API token (Account > API Tokens).",
}


class OrderDeskApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, writing each resource into the contract when the contract is first
    read rather than when the app is built: documenting 49 operations took about half a
    second, paid by every process start (and by every test, each of which builds an app)."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask) -> None:
        self._undocumented: list[tuple[Any, str]] = []
        self._documenting = threading.Lock()
        super().__init__(app)

    @property
    def spec(self) -> Any:
        """The contract, with every registered resource written into it."""
        with self._documenting:
            while self._undocumented:
                blueprint, name = self._undocumented.pop(0)
                blueprint.register_views_in_doc(self, self._app, self._spec, name=name, parameters=None)
                self._spec.tag({"name": name, "description": blueprint.description})
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp: Any, **options: Any) -> None:
        """Serve the resource now; write it into the contract when the contract is read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name))

    def _register_error_handlers(self) -> None:
        """Errors are answered by init_api's handlers, for /api/ only: the panel keeps its pages."""

    def _register_responses(self) -> None:
        """The error responses the contract names, as the problem documents they are."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def api_http_error(error: HTTPException) -> Any:
    """A problem document on the API; the panel's own answer elsewhere."""
    return http_problem(error) if is_api_request() else error


def api_refusal(error: ApiError) -> Response:
    return domain_problem(error.error)


def _docs() -> str:
    return render_template("api/docs.html", csp_nonce=csp_nonce)


def init_api(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "OrderDesk API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": "Orders and everything around them, as in the panel, for other systems."},
            "security": [{"bearerAuth": []}],
        },
    )
    api = OrderDeskApi(app)
    api.register_converter(RecordIdConverter, id_parameter_schema)
    api.spec.components.security_scheme("bearerAuth", SECURITY_SCHEME)
    for resource in RESOURCES:
        api.register_blueprint(resource)
    docs = Blueprint(
        "api_docs",
        __name__,
        static_folder=str(Path(swagger_ui.__file__).parent / "static"),
        static_url_path="/api/v1/docs/static",
    )
    docs.add_url_rule("/api/v1/docs", "docs", _docs)
    app.register_blueprint(docs)
    app.register_error_handler(ApiError, api_refusal)
    app.register_error_handler(HTTPException, api_http_error)
    return api
