"""An XSS corpus through every user-controlled field, pushed live to other people's browsers.

Hostile people, whose first and last names are payloads, are on the board and in its chat,
create, assign and complete tasks whose titles and descriptions are payloads, type and post
payloads, share files named with payloads and make rooms named with payloads. Bob and Maya (a
manager) watch in real browsers: the board, the home page, the bell, the board's chat, and
rooms whose composer the server pushes back after Bob posts.

Every payload carries a token (``xsstokNN``) in each id and attribute name it tries to create,
tries to set ``window.__xss``, to open a dialog, and to fetch a URL holding its token. A probe
put into every page before its own scripts (Playwright's init script, which the page's CSP
does not govern) records CSP violations and audits every element the page ever inserts (a
MutationObserver: an element that a later push replaced still counts). The pass: nothing ran,
nothing was fetched, no dialog opened, no id and no ``hx-*`` / ``data-hx-*`` / ``ws-*`` /
``on*`` attribute came from a payload, and every payload is on screen as the text typed.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from chat import actions as chat
from chat.models import BODY_MAX, Message, Room
from chat.selectors import seen_by
from notifications.selectors import latest, unread_count
from tasks import actions as tasks
from tasks.models import Task
from tasks.selectors import due_soon
from tests.browser.conftest import off_the_loop, shot
from tests.services import REDIS_TEST_URL, redis_layer, unavailable

pytestmark = pytest.mark.browser

TOKEN = "xsstok"
LIVE = "#live-status[data-state=live] .live-now"
WAIT = 15_000  # ms: the shared CI machines are often busy

# "TOK" stands for the payload's own token (xsstok00, xsstok01, ...): every id and attribute
# name a payload tries to create, and every URL it tries to reach, holds it.
CORPUS = [
    "<script>window.__xss='TOK';alert('TOK')</script>",
    "<img src=TOK.png id=TOK data-TOK onerror=\"window.__xss='TOK'\">",
    "<svg id=TOK data-TOK onload=\"window.__xss='TOK'\"><animate onbegin=alert('TOK') attributeName=x dur=1s>",
    '"><img src=TOK.png id=TOK data-TOK onerror="window.__xss=\'TOK\'">',
    "'><img src=TOK.png id=TOK data-TOK onerror='alert(1)'><p title='",
    "<a id=TOK data-TOK href=\"javascript:window.__xss='TOK'\">TOK</a> javascript:alert('TOK')",
    "<iframe id=TOK data-TOK srcdoc=\"<script>parent.__xss='TOK'</script>\"></iframe>",
    "<a id=TOK data-TOK hx-get=TOK.htmx hx-trigger=load hx-swap=outerHTML>TOK</a>",
    '<div id="notif-badge" data-TOK hx-swap-oob="true" data-count="99">TOK</div>',
    '<div data-TOK hx-swap-oob="beforeend:body"><p id=TOK>TOK</p></div>',
    "<div id=TOK data-TOK data-hx-get=TOK.data-hx data-hx-trigger=load data-hx-swap-oob=true>TOK</div>",
    "{{ request.user.password }}{% csrf_token %}{% debug %}{{ 7|add:42 }} TOK",
    "</textarea><img src=TOK.png id=TOK data-TOK onerror=\"window.__xss='TOK'\">",
    "</title><script>window.__xss='TOK'</script><img src=TOK.png data-TOK>",
    "\u202eTOK gnp.exe\u202c \u200b\u200d\ufeff<b id=TOK data-TOK>\u05e9\u05dc\u05d5\u05dd</b>",
    "<style>body{display:none}</style><link rel=stylesheet href=TOK.css data-TOK>",
    "<form id=task-form data-TOK hx-post=TOK.form hx-trigger=load><input name=action value=message.send></form>",
    "<div hx-ext=ws ws-connect=TOK.ws ws-send data-TOK id=TOK>TOK</div>",
    "<object data=TOK.obj data-TOK></object><embed src=TOK.embed data-TOK>",
    '<meta http-equiv=refresh content="0;url=TOK.meta" data-TOK><base href=TOK.base>',
    "<math><mtext><table><mglyph><style><img src=TOK.png data-TOK onerror=alert('TOK')>",
    "<noscript><p title=\"</noscript><img src=TOK.png data-TOK onerror=alert('TOK')>\">",
    "&lt;b id=TOK&gt; &amp;amp; &#60;script&#62;window.__xss='TOK'&#60;/script&#62;",
    "<div hx-on:htmx:load=\"window.__xss='TOK'\" hx-on::load=alert('TOK') data-TOK>TOK</div>",
    "<a data-TOK href=\"data:text/html,<script>alert('TOK')</script>\">TOK</a>",
    "<div hx-ws:connect=TOK.ws4 hx-ws:send hx-get:inherited=TOK.get4 hx-trigger=load data-TOK>TOK</div>",
    # past every field's limit: each field keeps as much as it may (title 200, name 150, ...)
    "<b id=TOK data-TOK onmouseover=alert('TOK')>TOK</b>" * 150,
]
PAYLOADS = [payload.replace("TOK", f"{TOKEN}{i:02d}") for i, payload in enumerate(CORPUS)]
TITLE_MAX, DESCRIPTION_MAX, ROOM_MAX, NAME_MAX, FILE_MAX = 200, 5000, 80, 150, 190
# Rooms Bob opens, posts in, and gets the composer pushed back (the room's name in an
# attribute): the breakouts of "- and '-quoted attributes and of <title>, and the longest
# name. (Every room's name is in the chat's rooms list, checked first.)
ROOM_PAGES = [3, 4, 13, 26]

# Runs in every page and frame before the page's own scripts. __SLUGS__: the slugs of the
# rooms (made from the payloads, so they hold tokens) that server-made URLs may contain.
PROBE = r"""
(() => {
  const TOKEN = "xsstok";
  const SLUGS = __SLUGS__;
  const found = (window.__xssFound = []);
  const violations = (window.__cspViolations = []);
  document.addEventListener("securitypolicyviolation", (e) =>
    violations.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sample})`));
  const FORBIDDEN = "script, iframe, frame, object, embed, style, link, meta, base, noscript, template, math";
  const URLISH = new Set(["href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcset"]);
  const fromPayload = (value) => SLUGS.reduce((v, slug) => v.split(slug).join(""), value).includes(TOKEN);
  function describe(el, why) {
    return `${why}: <${el.tagName.toLowerCase()} ${[...el.attributes].map((a) => a.name).join(" ")}>`;
  }
  function audit(el) {
    const bad = [];
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.toLowerCase();
      // The server's own delete button quotes the (escaped) title in its confirm text.
      const serverText = name === "hx-confirm" && el.matches("button[hx-post$='/delete/']");
      if (name.includes(TOKEN)) bad.push(describe(el, `attribute ${name} from a payload`));
      else if (name === "id" && value.includes(TOKEN)) bad.push(describe(el, `id ${value}`));
      else if (name.startsWith("on")) bad.push(describe(el, `event handler ${name}`));
      else if (/^(data-)?hx-|^ws-|^srcdoc$|^style$/.test(name) && fromPayload(value) && !serverText)
        bad.push(describe(el, `${name}=${value}`));
      else if (URLISH.has(name) && /^\s*(javascript|data|vbscript):/.test(value))
        bad.push(describe(el, `${name}=${value}`));
    }
    if (el.closest("body") && el.matches(FORBIDDEN)) bad.push(describe(el, "element in the body"));
    if (el.matches("img") && !/^\/(static|chat\/files)\//.test(new URL(el.src, location.href).pathname))
      bad.push(describe(el, `image from ${el.src}`));
    return bad;
  }
  window.__xssAudit = () => {
    const bad = [...document.querySelectorAll("*")].flatMap(audit);
    const ids = {};
    for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
    for (const [id, n] of Object.entries(ids)) if (n > 1) bad.push(`id ${id} is on ${n} elements`);
    return bad;
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "attributes" && record.target.nodeType === 1) found.push(...audit(record.target));
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        found.push(...audit(node), ...[...node.querySelectorAll("*")].flatMap(audit));
      }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true });
})();
"""


@pytest.fixture
def shared_layer(settings: Any) -> dict[str, str]:
    """Redis for the channel layer, here and in the server: the writes this test makes (the
    actions, off the loop) must reach the server's sockets. A prefix of its own: only its
    keys are cleared (a previous run's "who is here"), nobody else's."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
        for key in client.scan_iter("xsstest*"):
            client.delete(key)
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {REDIS_TEST_URL}: {exc}")
    settings.CHANNEL_LAYERS = redis_layer(REDIS_TEST_URL)
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "xsstest"
    return {"REDIS_URL": REDIS_TEST_URL, "REDIS_PREFIX": "xsstest"}


def session_key(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Watched:
    """Browser pages with the probe in, and every dialog, request and socket they make."""

    def __init__(self, browser: Any, server: Any, slugs: list[str]) -> None:
        self.browser, self.server = browser, server
        self.slugs = sorted(slugs, key=len, reverse=True)
        self.probe = PROBE.replace("__SLUGS__", json.dumps(self.slugs))
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.pages: list[Any] = []

    def open_all(self, visits: list[tuple[Any, str]]) -> list[Any]:
        """What conftest's ``open_as`` does for each (user, path), but with the probe in
        before the first byte, the pages loading side by side, and the logins off the loop
        (a login saves the user, and that publishes)."""
        sessions = off_the_loop(lambda: [session_key(user) for user, _path in visits])
        pages = []
        for (_user, path), session in zip(visits, sessions, strict=True):
            context = self.browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_init_script(self.probe)
            context.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
            context.on("request", lambda request: self.requests.append(request.url))
            context.add_cookies([{"name": "sessionid", "value": session, "url": self.server.url}])
            page = context.new_page()
            page.errors = []
            page.on("console", lambda m, errors=page.errors: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda error, errors=page.errors: errors.append(str(error)))
            page.sockets = []  # opened, and closed: a reconnect shows here
            page.on("websocket", lambda socket, seen=page.sockets: self._socket(socket, seen))
            page.goto(self.server.url + path, wait_until="commit")
            pages.append(page)
        for page in pages:
            try:
                expect(page.locator(LIVE)).to_be_visible(timeout=WAIT)
            except AssertionError:
                raise AssertionError(f"{page.url} never went live (sockets opened: {page.sockets})") from None
        self.pages += pages
        return pages

    @staticmethod
    def _socket(socket: Any, seen: list[str]) -> None:
        seen.append(socket.url)
        socket.on("close", lambda closed: seen.append(f"closed {closed.url}"))

    def unexpected_requests(self) -> list[str]:
        """Requests elsewhere than this server, or for a URL a payload made (the slugs of
        the rooms hold tokens, and the server's own room URLs hold the slugs: those are fine)."""
        own = (self.server.url + "/", self.server.url.replace("http", "ws", 1) + "/")

        def from_payload(url: str) -> bool:
            for slug in self.slugs:
                url = url.replace(slug, "")
            return TOKEN in url.lower()

        made = self.requests + [url for page in self.pages for url in page.sockets if url.startswith("ws")]
        return [url for url in made if not url.startswith(own) or from_payload(url)]

    def assert_nothing_ran(self) -> None:
        problems = {}
        for page in self.pages:
            report = page.evaluate(
                "() => ({marker: window.__xss ?? null, inserted: window.__xssFound,"
                " now: window.__xssAudit(), csp: window.__cspViolations})"
            )
            report["console"] = page.errors
            if any(report.values()):
                problems[page.url] = report
        assert problems == {}, f"payloads left marks: {problems}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"
        assert self.unexpected_requests() == []


class Present:
    """People "on a page" without a browser of their own: a plain socket each (the session
    cookie, the site's Origin) that reads and drops whatever the server pushes."""

    def __init__(self, server: Any, visits: list[tuple[str, str]]) -> None:
        self.server, self.visits = server, visits
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.held: list[asyncio.Task[None]] = []

    async def _hold(self, session: str, path: str) -> None:
        from websockets.asyncio.client import connect

        url = self.server.url.replace("http", "ws", 1) + path
        headers = {"Cookie": f"sessionid={session}"}
        async with connect(url, additional_headers=headers, origin=self.server.url, max_size=None) as socket:
            async for _frame in socket:
                pass

    async def _open(self) -> None:
        self.held = [asyncio.ensure_future(self._hold(session, path)) for session, path in self.visits]

    async def _close(self) -> None:
        for held in self.held:
            held.cancel()
        await asyncio.gather(*self.held, return_exceptions=True)

    def failures(self) -> list[str]:
        return [repr(held.exception()) for held in self.held if held.done() and not held.cancelled()]

    def __enter__(self) -> Present:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def text_of(page: Any, selector: str) -> str:
    return page.evaluate("(s) => document.querySelector(s)?.textContent ?? ''", selector)


def wait_for_text(page: Any, selector: str, expected: str) -> None:
    """Until the element's text holds ``expected`` exactly (no whitespace folding: the
    payloads' zero-width and direction characters must come through too)."""
    try:
        page.wait_for_function(
            "([s, t]) => (document.querySelector(s)?.textContent ?? '').includes(t)",
            arg=[selector, expected],
            timeout=WAIT,
        )
    except Exception:
        shown = text_of(page, selector)
        raise AssertionError(
            f"{expected!r} never shown in {selector}: {shown!r} (sockets: {page.sockets})"
        ) from None


def missing(page: Any, selector: str, expected: list[str]) -> list[str]:
    shown = text_of(page, selector)
    return [text for text in expected if text not in shown]


def fold(text: str) -> str:
    """What document.title does to whitespace (ASCII whitespace only)."""
    return re.sub(r"[\t\n\f\r ]+", " ", text).strip()


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def hostile_people(make_user: Any) -> list[Any]:
    """One person per two payloads: a payload for a first name, the next for a last name."""
    return [
        make_user(
            f"h{k:02d}",
            first_name=PAYLOADS[2 * k][:NAME_MAX],
            last_name=PAYLOADS[2 * k + 1][:NAME_MAX] if 2 * k + 1 < len(PAYLOADS) else "",
        )
        for k in range((len(PAYLOADS) + 1) // 2)
    ]


def test_an_xss_corpus_in_every_user_field_stays_text_on_other_peoples_live_pages(
    browser: Any,
    start_server: Any,
    shared_layer: dict[str, str],
    team: Any,
    bob: Any,
    manager: Any,
    make_user: Any,
) -> None:
    room = Room.objects.get(board=team)
    hostile = off_the_loop(hostile_people, make_user)
    names = [person.get_full_name() for person in hostile]
    rooms = [  # half of them private (Bob invited): their pages list the members
        off_the_loop(
            chat.room_create, by=hostile[i // 2], name=p[:ROOM_MAX], is_private=i % 2 == 1, members=[bob]
        )
        for i, p in enumerate(PAYLOADS)
    ]
    server = start_server(**shared_layer)
    watched = Watched(browser, server, [r.slug for r in rooms])
    board, home, room_page = watched.open_all(
        [(bob, f"/boards/{team.slug}/"), (manager, "/"), (bob, room.get_absolute_url())]
    )
    sessions = off_the_loop(lambda: [session_key(person) for person in hostile])
    here = [(s, path) for s in sessions for path in (f"/ws/boards/{team.pk}/", f"/ws/chat/{room.slug}/")]
    with Present(server, here) as present:
        for name in names:  # who is here, on the board and in the chat
            try:
                wait_for_text(board, f"#presence-board-{team.pk}", name)
                wait_for_text(room_page, f"#presence-room-{room.pk}", name)
            except AssertionError as exc:
                raise AssertionError(f"{exc}; sockets: {present.failures()}") from None

        shot(room_page, "xss-board-chat-presence")
        assert present.failures() == []

    today, image = timezone.localdate(), png()

    def write(by: Any, indices: list[int]) -> list[Task]:
        made = []
        for i in indices:
            payload, other = PAYLOADS[i], hostile[(i + 1) % len(hostile)]
            made.append(
                tasks.task_create(
                    board=team,
                    by=by,
                    title=payload[:TITLE_MAX],
                    description=payload[:DESCRIPTION_MAX],
                    assignee=other,
                    due_date=today,
                )
            )
            body = ("@maya " if i % 3 == 0 else "") + payload  # a mention: the manager's bell
            chat.message_send(room=room, by=by, body=body[:BODY_MAX])
            name = payload[:FILE_MAX] + (".png" if i % 2 else ".txt")  # images: alt and title too
            chat.attachment_share(
                room=room, by=other, upload=SimpleUploadedFile(name, image if i % 2 else b"plain text")
            )
        return made

    made: list[Task] = []
    for k, person in enumerate(hostile):  # "<name> is typing…"; their message stops it
        off_the_loop(chat.typing, room=room, user=person)
        wait_for_text(room_page, f"#typing-room-{room.pk}", f"{names[k]} is typing…")
        made += off_the_loop(write, person, list(range(len(PAYLOADS)))[k :: len(hostile)])
        expect(room_page.locator(f"#typing-room-{room.pk}")).to_have_text("", timeout=WAIT)
    made.sort(key=lambda task: task.pk)

    def complete_and_read() -> None:
        for i, task in enumerate(made):  # by someone else: "completed" lines, the Done list
            if i % 2 == 0:
                tasks.task_complete(task=task, by=hostile[(i + 1) % len(hostile)])
        seq = Room.objects.get(pk=room.pk).seq
        for person in hostile:  # "seen by"
            chat.read_upto(room=room, user=person, seq=seq)

    off_the_loop(complete_and_read)
    last = Task.objects.order_by("-version").first()
    wait_for_text(board, f"#board-{team.pk}-activity", f"completed ‘{last.title}’")
    wait_for_text(home, "#activity-feed", f"completed ‘{last.title}’")
    readers = [user.get_full_name() for user in seen_by(room.pk)[1][:6]]
    wait_for_text(room_page, f"#room-{room.pk}-seen", "Seen by " + ", ".join(readers))
    assert len(readers) == 6

    # The board: cards (title, description, assignee), activity lines (who, what), due soon.
    open_tasks = list(Task.objects.filter(board=team, completed=False).select_related("assignee"))
    done_tasks = list(Task.objects.filter(board=team, completed=True).select_related("assignee"))
    assert (len(open_tasks), len(done_tasks)) == (len(PAYLOADS) // 2, (len(PAYLOADS) + 1) // 2)
    assert missing(board, f"#board-{team.pk}-open", [t.title for t in open_tasks]) == []
    assert missing(board, f"#board-{team.pk}-open", [t.description for t in open_tasks]) == []
    assert missing(board, f"#board-{team.pk}-done", [t.title for t in done_tasks]) == []
    for which, listed in (("open", open_tasks), ("done", done_tasks)):  # the assignees
        assert missing(board, f"#board-{team.pk}-{which}", [t.assignee.get_full_name() for t in listed]) == []
    assert missing(board, f"#board-{team.pk}-activity", [f"‘{t.title}’" for t in made] + names) == []
    due = [t.title for t in due_soon(team.pk)]  # the first ten
    assert len(due) == 10 and missing(board, f"#board-{team.pk}-due-soon", due) == []
    expect(board.locator(f"#board-{team.pk}-open > li")).to_have_count(len(open_tasks))
    expect(board.locator(f"#board-{team.pk}-done > li")).to_have_count(len(done_tasks))
    # The home page: the board's card, the feed, and the bell (the manager follows the
    # board, and is mentioned): every notification in the panel, as text.
    newest_open = Task.objects.filter(board=team, completed=False).order_by("-version")[:5]
    assert missing(home, f"#board-{team.pk}-summary", [t.title for t in newest_open]) == []
    assert missing(home, "#activity-feed", [f"‘{t.title}’" for t in made] + names) == []
    panel = latest(manager.pk)[:20]
    wait_for_text(home, "#notif-list", panel[0].text)
    assert {n.kind for n in panel} == {"board", "mention"}
    assert (
        missing(home, "#notif-list", [n.text for n in panel] + [n.actor.get_full_name() for n in panel]) == []
    )
    expect(home.locator("#notif-badge")).to_have_attribute("data-count", str(unread_count(manager.pk)))
    # The chat: bodies, authors, file names (as text, and in the images' alt and title).
    messages = list(Message.objects.filter(room=room).select_related("attachment"))
    files = [m.attachment.name for m in messages if m.attachment]
    assert len(files) == len(PAYLOADS)
    assert missing(room_page, f"#room-{room.pk}-messages", [m.body for m in messages if m.body]) == []
    assert missing(room_page, f"#room-{room.pk}-messages", files + names) == []
    images = [m.attachment.name for m in messages if m.attachment and m.attachment.is_image]
    alts = room_page.locator(f"#room-{room.pk}-messages img").evaluate_all("els => els.map(e => e.alt)")
    titles = room_page.locator(f"#room-{room.pk}-messages a[title]").evaluate_all(
        "els => els.map(e => e.title)"
    )
    assert images and alts == images and titles == images
    # Every room's name in the rooms list.
    assert missing(room_page, "nav[aria-label=Rooms]", [r.name for r in rooms]) == []
    shot(board, "xss-board")
    shot(room_page, "xss-board-chat")

    # Rooms: Bob posts a payload in each; the server pushes his composer back, the room's
    # name in its placeholder. The heading, the window title and the members list too.
    chosen = [rooms[i] for i in ROOM_PAGES]
    pages = watched.open_all([(bob, r.get_absolute_url()) for r in chosen])
    for i, named, page in zip(ROOM_PAGES, chosen, pages, strict=True):
        assert text_of(page, "#room-heading") == f"# {named.name}"
        assert fold(page.title()) == fold(f"#{named.name} · Taskboard")
        if named.is_private:
            assert hostile[i // 2].get_full_name() in text_of(page, "main aside:last-of-type")
        client_id = page.locator(
            f"#room-{named.pk}-composer form[class*=live-when-socket] input[name=client_id]"
        )
        before = client_id.input_value()
        body = PAYLOADS[-1 - i][:BODY_MAX]
        page.fill("#message", body)
        page.press("#message", "Enter")
        wait_for_text(page, f"#room-{named.pk}-messages", body.strip())
        expect(client_id).not_to_have_value(before, timeout=WAIT)
        expect(page.locator("#message")).to_have_value("")
        assert page.get_attribute("#message", "placeholder") == f"Message {named.name}"
    shot(page, "xss-room")
    watched.assert_nothing_ran()
