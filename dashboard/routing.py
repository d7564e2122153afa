"""All WebSocket routes, gathered from the apps that own them."""

from __future__ import annotations

from tasks.routing import websocket_urlpatterns as task_routes

websocket_urlpatterns = [*task_routes]
