"""The htmx the pages run (``LIVE["HTMX"]``: 2 or 4) and how its attributes are spelled.

Both builds come from django-htmx: htmx 2 with htmx-ext-ws 2, or htmx 4 (4.0 beta) with its
own hx-ws extension. What differs between them, as these pages use them, is kept here;
templates ask through ``live_tags`` and consumers through :func:`reconnects_after`.

| what                         | htmx 2                           | htmx 4                         |
|------------------------------|----------------------------------|--------------------------------|
| open the page's socket       | ``hx-ext="ws" ws-connect="/ws/…"``| ``hx-ws:connect="/ws/…"``      |
| send a form or input over it | ``ws-send``                      | ``hx-ws:send``                 |
| the event when it closes     | ``htmx:wsClose``                 | ``htmx:ws:close``              |
| a request that got no answer | ``htmx:sendError``               | ``htmx:error``                 |
| reconnect delay              | random(0, 2^n s), up to 64 s     | ``ws.reconnect*`` (config)     |
| disable while a request runs | ``hx-disabled-elt``              | ``hx-disable``                 |
| headers for every request    | ``hx-headers`` (inherited)       | ``hx-headers:inherited``       |
| reconnects after             | 1006, 1011, 1012, 1013           | any close (4.0 beta)           |

Inbound frames differ too; ``live/protocol.py`` reads every shape. Outbound frames are the
same for both: top-level elements with an id and an explicit ``hx-swap-oob``.
"""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# htmx-ext-ws 2 reconnects only after these; htmx 4.0 beta's hx-ws after any close.
HTMX2_RETRIES = frozenset({1006, 1011, 1012, 1013})

# The page-wide htmx settings: no eval and no injected styles (the Content-Security-Policy
# allows neither), form errors (422) and refused bodies (413: an alert, dashboard/body_limit.py)
# swapped in. htmx 4 swaps 4xx by default and keeps a
# hidden tab's socket open here, as htmx 2 does (a wall screen's "who is here" stays true); its
# reconnect backoff doubles from 1 s but never waits more than 4 s (± half of it, at random:
# a restarted server is not hit by every page at once), so a page is live again within
# seconds of its server answering. htmx 2's ws extension takes only a function for that
# (JavaScript): there, the poller notices the server first (templates/live/status.html).
_CONFIG = {
    2: '{"allowEval": false, "allowScriptTags": false, "includeIndicatorStyles": false, '
    '"responseHandling": [{"code": "204", "swap": false}, {"code": "[23]..", "swap": true}, '
    '{"code": "422", "swap": true}, {"code": "413", "swap": true}, '
    '{"code": "[45]..", "swap": false, "error": true}]}',
    4: '{"includeIndicatorCSS": false, "ws": {"pauseOnBackground": false, '
    '"reconnectDelay": 1000, "reconnectMaxDelay": 4000, "reconnectJitter": 0.5}}',
}


def version() -> int:
    return settings.LIVE["HTMX"]


def scripts() -> SafeString:
    """The script tags of htmx and its ws extension, as django-htmx ships them (served by this
    site). Not django-htmx's ``{% htmx_script %}``: with DEBUG on it adds a helper that turns
    htmx 4's 4xx answers off (our forms answer 422 with their errors) and that evaluates
    scripts, which the Content-Security-Policy refuses."""
    files = (f"django_htmx/htmx-{version()}.min.js", f"django_htmx/ext/hx-ws-{version()}.min.js")
    # htmx 4.0 beta starts one task after its own script has run ("so extensions can
    # register"): with both deferred, that task can come before the extension's script has
    # loaded, and the page never opens its socket. Scripts that block the parser run in order,
    # and htmx 4 then waits for DOMContentLoaded.
    tag = '<script src="{}"></script>' if version() == 4 else '<script src="{}" defer></script>'
    return format_html_join("", tag, ((static(name),) for name in files))


def config() -> str:
    """The content of the page's ``<meta name="htmx-config">``."""
    return _CONFIG[version()]


def connect(path: str) -> SafeString:
    """The attributes that open the page's socket on its ``<main>`` element."""
    if version() == 4:
        return format_html('hx-ws:connect="{}" hx-swap="none"', path)
    return format_html('hx-ext="ws" ws-connect="{}" hx-swap="none"', path)


def send() -> SafeString:
    """The attribute that sends a form (or an input's form) over the page's socket."""
    return format_html("{}", "hx-ws:send" if version() == 4 else "ws-send")


def closed_event() -> str:
    """The event the ws extension fires on the page when its socket closes."""
    return "htmx:ws:close" if version() == 4 else "htmx:wsClose"


def send_error_event() -> str:
    """The event htmx fires on an element whose request got no answer (the server is down)."""
    return "htmx:error" if version() == 4 else "htmx:sendError"


def disable_while_sending(selector: str) -> SafeString:
    """Disable ``selector`` while the element's request is in flight."""
    name = "hx-disable" if version() == 4 else "hx-disabled-elt"
    return format_html('{}="{}"', name, selector)


def inherited(name: str) -> str:
    """An attribute that every element below inherits (htmx 4 inherits only when told)."""
    return f"{name}:inherited" if version() == 4 else name


def reconnects_after(code: int) -> bool:
    """Whether the page's socket reconnects by itself after closing with ``code``."""
    return version() == 4 or code in HTMX2_RETRIES
