"""Interactive API documentation that renders under the site's own CSP (issue 10, item 14).

drf-spectacular's stock pages run an inline script (and Redoc's pulls web fonts from a CDN),
which the CSP (script-src 'self' + nonce) rightly blocks: the pages were blank. Here every
script is a file served from this origin (Swagger UI's initialiser comes from the split view's
``?script`` URL, Redoc's from core/static). Both UIs build their layout with injected style
elements, so these two pages alone also allow inline *styles*, and Redoc runs its search
index in a worker made from a blob its own served script creates (``worker-src blob:``).
Scripts stay as strict as everywhere else. Neither page carries patient data.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

_DOCS_CSP = {"style-src": ["'unsafe-inline'"]}


class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "core/api_docs/swagger_ui.html"


class RedocDocsView(SpectacularRedocView):
    template_name = "core/api_docs/redoc.html"


def swagger_docs(url_name: str) -> Any:
    return csp_update(_DOCS_CSP)(SwaggerDocsView.as_view(url_name=url_name))


def redoc_docs(url_name: str) -> Any:
    return csp_update({**_DOCS_CSP, "worker-src": ["'self'", "blob:"]})(
        RedocDocsView.as_view(url_name=url_name))
