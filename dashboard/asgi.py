"""ASGI entry point: HTTP goes to Django, WebSockets to Channels.

Every socket passes the origin check (live/origin.py: the page's own scheme, host and port
only, as Django's CSRF check; cross-site WebSocket hijacking gets no socket) and session authentication (live/auth.py, Django's own
``get_user()`` without channels' per-socket session machinery) before it reaches a consumer.
An HTTP request declaring a body over ``MAX_REQUEST_BYTES`` is refused before it is read
(dashboard/body_limit.py). Every socket's log lines carry its route and user id, and its
opening and end are logged (dashboard/logs.py).
"""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
django_asgi_app = get_asgi_application()  # set up Django before importing consumers

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from dashboard.body_limit import BodyLimit  # noqa: E402
from dashboard.logs import SocketLog  # noqa: E402
from dashboard.routing import websocket_urlpatterns  # noqa: E402
from live.auth import SessionAuthMiddleware  # noqa: E402
from live.origin import SameOriginValidator  # noqa: E402

# Import every view now (the URLconf pulls in the API, its schema tools, the admin), not in
# the first request or the first handshakes of each worker process, which would wait for it.
get_resolver().url_patterns  # noqa: B018

# Everything loaded so far lives as long as the process: keep it out of the garbage
# collector's full passes. With a thousand sockets open, a full pass over all of it stalled
# the event loop (and every page's updates) for 65-130 ms (docs/performance.md).
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_asgi_app, settings.MAX_REQUEST_BYTES),
        "websocket": SocketLog(SameOriginValidator(SessionAuthMiddleware(URLRouter(websocket_urlpatterns)))),
    }
)
