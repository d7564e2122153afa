"""Hostile frames at every socket route (issue 6; reliability plan A9, B11, B12).

Hypothesis throws at every action of every route, and at no action at all: random text and
bytes, broken and non-object JSON, JSON nested 10^4 to 10^5 deep, objects with thousands of
keys or one huge key, wrong types in every field, missing, forged and malformed headers in
the htmx 2 and htmx 4 shapes, forged identity fields, unknown actions and the names of
channel-layer message types and handler methods, unicode edge cases (RTL, NUL, lone
surrogates), binary frames, and frames over the 64 KiB cap.

Each frame must get what the protocol promises the user: an error fragment (or the route's
own form or composer showing what is wrong), nothing at all, or a documented close (1009 for
a frame over the cap, exactly then). Never a crash (no close 1011, no exception, no ERROR log
line) and never a changed row. The world is built so that no frame can be a legitimate
write: the fuzzing user (mallory) can see no task, has read all her notifications and has
read the room to its end; a create or send always carries something invalid. Rows written
are counted after every frame, and the whole database compared after every example.

The rate limit is lifted for the long runs (``LIVE["RATE"]``); a separate test shows that
the limiter still closes a socket flooded with the same hostile action frames with 4429, and
another (expected to fail until live/consumers.py changes) that frames the parser refuses
count against the limit too. A control shows the checks do see a write made through a socket.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from chat import actions as chat
from chat.consumers import RoomConsumer
from chat.models import Room
from live import protocol
from live.consumers import LiveConsumer
from live.protocol import CloseCode
from live.ratelimit import STRIKES_BEFORE_CLOSE
from notifications import actions as notes
from notifications.models import Kind
from tasks import actions as tasks
from tests import dbstate
from tests.frames import by_id, next_frame, parse

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async

EXAMPLES = 81  # per route
FRAMES_PER_EXAMPLE = 25  # 5 routes x 81 x 25 = 10,125 frames
CAP = 64 * 1024  # LIVE_MAX_FRAME_BYTES; the fixture pins it
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure names its frame (fast)
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one socket and one world serve every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

INBOX = ("mark_read", "mark_all_read", "get_notifications")
TASK_REFS = ("task.complete", "task.reopen", "task.delete")
CHAT = ("message.send", "typing", "read")
# Names a client might hope reach a handler or the channel layer: each is just an unknown action.
NOT_ACTIONS = (
    "websocket.disconnect",
    "websocket.receive",
    "websocket.close",
    "websocket.accept",
    "websocket_disconnect",
    "live.event",
    "force_disconnect",
    "chat.message",
    "inbox.changed",
    "message.created",
    "typing.start",
    "presence.changed",
    "topic.reset",
    "disconnect",
    "close",
    "accept",
    "connect",
    "receive",
    "refuse",
    "sign_out",
    "send_snapshot",
    "resync",
    "deliver",
    "send_error",
    "create_task",
    "delete_task",
    "mark_read_upto",
    "send_message",
    "_run",
    "_create",
    "__init__",
    "__class__",
    "TASK.CREATE",
    "task.create ",
    "task",
    "",
)
FORGED_KEYS = (
    "user",
    "user_id",
    "author",
    "author_id",
    "sender",
    "created_by",
    "recipient",
    "actor",
    "board",
    "board_id",
    "group",
    "groups",
    "topic",
    "room",
    "channel",
    "type",
)
EDGE_TEXT = (
    "",
    " ",
    "\t\n\r",
    "\u00a0\u2003",
    "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "\x00",
    "a\x00b",
    "\ufeff",
    "\ud800",
    "\udfff",
    "x\udc00y",
    "\ud83d\ude00",
    "\U0010ffff",
    "e\u0301\u0301\u0301",
    "\uffff\ufffe",
    "<script>alert(1)</script>",
    '"><div id="notif-badge" hx-swap-oob="true">0</div>',
    "<img src=x onerror=alert(1)>",
    "{{ request.user }}{% debug %}",
    "%(user)s %s",
    "../../etc/passwd",
    "\u0130\u0131\u017f",
    "\ufdfa" * 30,
)


@dataclass(frozen=True)
class Route:
    name: str
    actions: tuple[str, ...]
    replies: tuple[str, ...]  # ids (or prefixes ending in "-") of what a frame may be answered with

    def path(self, world: World) -> str:
        return {
            "board": f"/ws/boards/{world.board_id}/",
            "tasks": "/ws/tasks/",
            "activity": "/ws/notifications/",
            "inbox": "/ws/notifications/user/",
            "chat": f"/ws/chat/{world.room_slug}/",
        }[self.name]


ALWAYS = ("live-error", "live-status", "presence-", "notif-badge", "notif-list", "notif-more-")
ROUTES = (
    Route("board", (*INBOX, "task.create", *TASK_REFS), (*ALWAYS, "task-form")),
    Route("tasks", INBOX, ALWAYS),
    Route("activity", INBOX, ALWAYS),
    Route("inbox", INBOX, ALWAYS),
    Route("chat", (*INBOX, *CHAT), (*ALWAYS, "room-", "typing-room-")),
)
EVERY_ACTION = tuple(dict.fromkeys(a for route in ROUTES for a in route.actions))


# --- the world: nothing in it is the fuzzing user's to change ------------------------------


@dataclass(frozen=True)
class World:
    board_id: int
    room_slug: str
    ids: tuple[int, ...]  # every id of every kind of thing, most of them somebody else's
    victims: tuple[Any, ...]  # values a forged identity field might carry


@pytest.fixture
def world(team: Any, private: Any, alice: Any, bob: Any, mallory: Any) -> World:
    """Tasks only on a board mallory cannot see; her notifications all read, others' unread;
    the team room read to its end by her; a private room she is not in."""
    secret_tasks = [tasks.task_create(board=private, by=alice, title=f"Secret {i}") for i in range(3)]
    tasks.task_complete(task=secret_tasks[0], by=alice)
    theirs = notes.notify(recipients=[alice.pk, bob.pk], kind=Kind.ASSIGNED, text="theirs", actor_id=None)
    mine = notes.notify(recipients=[mallory.pk], kind=Kind.ASSIGNED, text="hers", actor_id=alice.pk)
    notes.mark_all_read(user=mallory)
    room = Room.objects.get(board=team)
    for i in range(3):
        chat.message_send(room=room, by=alice, body=f"hello {i}")
    chat.read_upto(room=room, user=mallory, seq=Room.objects.get(pk=room.pk).seq)
    secret = chat.room_create(by=alice, name="Secret", is_private=True, members=[bob])
    chat.message_send(room=secret, by=bob, body="classified")
    ids = (
        *(t.pk for t in secret_tasks),
        *(n.pk for n in theirs + mine),
        room.pk,
        secret.pk,
        team.pk,
        private.pk,
        alice.pk,
        bob.pk,
        mallory.pk,
    )
    victims = (alice.pk, bob.pk, "alice", f"user.{alice.pk}", f"board.{private.pk}", f"room.{secret.pk}")
    return World(team.pk, room.slug, tuple(sorted(set(ids))), (*victims, private.pk, secret.pk))


# --- hostile frames --------------------------------------------------------------------------

SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
TEXTS = st.one_of(
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=40),
    st.text(st.one_of(st.characters(), SURROGATE), max_size=12),
)
NUMBERS = st.one_of(
    st.integers(-5, 80),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=10**40),
    st.floats(),
    st.sampled_from([0, -0.0, 1.0, 1.5, 1e308, -1e308]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXTS)
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=4,
)


RARELY = st.sampled_from([False] * 9 + [True])  # hypothesis favours the first: about 1 in 10
MISSING = object()  # in a poison: take this field out


def poisoned(base: dict[str, Any], poison: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **poison}
    return {key: value for key, value in merged.items() if value is not MISSING}


def invalid_title() -> st.SearchStrategy[dict[str, Any]]:
    """A title the form must refuse (or no title at all)."""
    return st.one_of(
        st.sampled_from([MISSING, None, "", "   ", "\t\n", "\x00", "ok\x00", "\u00a0"]).map(
            lambda t: {"title": t}
        ),
        st.integers(201, 300).map(lambda n: {"title": "t" * n}),
        NESTED.filter(lambda v: isinstance(v, list | dict)).map(lambda v: {"title": v}),
    )


BAD_DATES = ("soon", "2024-02-30", "2024-13-01", "99999-01-01", "yesterday", "1/2/3/4", "\x00", "\ud800")
REF_FIELDS = {
    "task.complete": "task",
    "task.reopen": "task",
    "task.delete": "task",
    "mark_read": "notification_id",
    "get_notifications": "before",
    "read": "upto",
}
SHAPES = ("none", "htmx2", "htmx4-beta", "htmx4", "bad-headers", "both")


class Hostile:
    """The strategies for one route and world, built once (building them per frame costs more
    than drawing from them)."""

    def __init__(self, route: Route, world: World) -> None:
        self.route = route
        known = st.sampled_from(world.ids)
        # an id as JSON might carry it: someone else's, a missing one, in the wrong type
        self.ids = st.one_of(known, known.map(str), known.map(lambda i: f" {i} "), known.map(float), NUMBERS)
        self.value = st.one_of(SCALARS, NESTED, self.ids)
        self.values = {action: self._values(action) for action in (*EVERY_ACTION, "")}
        self.forged = st.dictionaries(st.sampled_from(FORGED_KEYS), st.sampled_from(world.victims))
        htmx = st.fixed_dictionaries(
            {},
            optional={
                "HX-Request": st.sampled_from(["true", "false", True, None]),
                "HX-Trigger": TEXTS,
                "HX-Trigger-Name": TEXTS,
                "HX-Target": st.sampled_from(["task-form", "notif-badge", f"board-{world.board_id}-open"]),
                "HX-Current-URL": st.sampled_from(
                    ["http://localhost/boards/private/", "http://evil.example/", "javascript:alert(1)"]
                ),
                "HX-User": st.sampled_from(world.victims),
            },
        )
        self.headers = st.one_of(htmx, st.dictionaries(TEXTS, SCALARS, max_size=3))
        self.bad_headers = st.one_of(SCALARS, st.lists(SCALARS, max_size=2))
        self.action = st.one_of(
            st.sampled_from(route.actions),
            st.sampled_from(route.actions),
            st.sampled_from(route.actions),
            st.sampled_from(EVERY_ACTION),
            st.sampled_from(NOT_ACTIONS),
            TEXTS,
            NESTED,
        )
        valid = dump({"action": route.actions[0], "task": 1}, True)
        self.broken_json = st.one_of(
            st.sampled_from(["{", "{'action': 'x'}", '{"action": "x",}', "NaN", "[1, 2", "\x00", "{}}", '"']),
            st.integers(1, len(valid) - 1).map(lambda cut: valid[:cut]),
            st.just("9" * 5000),
            st.just(f'{{"action": "mark_read", "notification_id": {"9" * 5000}}}'),
        )
        self.non_object = NESTED.filter(lambda v: not isinstance(v, dict))
        self.binary = st.one_of(st.binary(min_size=1, max_size=200), st.just(b'{"action": "mark_all_read"}'))
        self.garbage = st.one_of(
            st.text(max_size=200).map(lambda t: Frame("text", text=t)),
            self.binary.map(lambda b: Frame("binary", data=b)),
            self.broken_json.map(lambda t: Frame("non-json", text=t)),
            self.non_object.map(lambda v: Frame("non-object", text=json.dumps(v))),
        ).filter(lambda f: not f.json_object)  # never an object, so the parser refuses every one
        self.small = small_frame(self)
        self.structured = structured_frame(self)

    def _values(self, action: str) -> st.SearchStrategy[dict[str, Any]]:
        if action == "task.create":  # every field hostile, and at least one the form or parser refuses
            base = st.fixed_dictionaries(
                {},
                optional={
                    "title": self.value,
                    "description": self.value,
                    "assignee": self.ids,
                    "due_date": self.value,
                },
            )
            poison = st.one_of(
                invalid_title(),
                st.sampled_from(BAD_DATES).map(lambda d: {"due_date": d}),
                st.sampled_from([10**6, -1, "nobody", 2**64, [1], {"id": 1}]).map(lambda a: {"assignee": a}),
                st.sampled_from(["Fine \ud800", "\udfff", "a\udbffb"]).map(lambda t: {"title": t}),
                st.sampled_from(["\ud800", "x\udc00"]).map(lambda t: {"title": "Fine", "description": t}),
            )
            return st.tuples(base, poison).map(lambda pair: poisoned(*pair))
        if action == "message.send":  # empty, too long, NUL, a lone surrogate, a bad client id
            base = st.fixed_dictionaries({}, optional={"message": self.value, "client_id": self.value})
            poison = st.one_of(
                st.sampled_from([MISSING, None, "", " \n\t ", "\u2003"]).map(lambda m: {"message": m}),
                st.integers(4001, 4100).map(lambda n: {"message": "m" * n}),
                st.sampled_from(["\x00", "hi\x00", "hi \ud800", "\udfff", "ok\udbff"]).map(
                    lambda m: {"message": m}
                ),
                st.integers(65, 200).map(lambda n: {"message": "hi", "client_id": "c" * n}),
                st.sampled_from(["id\x00", "\ud800"]).map(lambda c: {"message": "hi", "client_id": c}),
                NESTED.filter(lambda v: isinstance(v, list | dict)).map(lambda v: {"message": v}),
            )
            return st.tuples(base, poison).map(lambda pair: poisoned(*pair))
        if action in REF_FIELDS:  # anything at all: nothing here is the fuzzing user's to change
            return st.fixed_dictionaries({}, optional={REF_FIELDS[action]: st.one_of(self.ids, self.value)})
        return st.dictionaries(st.text(max_size=8), SCALARS, max_size=3)


class Frame:
    """One frame to send, and what the test knows about it (a plain class: hypothesis shows
    a failing one by its short ``repr``, not its whole 64 KiB)."""

    def __init__(
        self, kind: str, text: str | None = None, data: bytes | None = None, action: Any = None
    ) -> None:
        self.kind, self.text, self.data = kind, text, data
        self.action = action  # the action it names, when it is a structured frame

    def __repr__(self) -> str:
        body = self.text if self.data is None else self.data
        shown = repr(body) if len(body) <= 160 else f"{body[:100]!r}...({len(body)} long)...{body[-30:]!r}"
        return f"Frame({self.kind}, {shown})"

    @property
    def over_cap(self) -> bool:
        return self.text is not None and len(self.text.encode("utf-8", "surrogatepass")) > CAP

    @property
    def json_object(self) -> bool:
        """Parses as a JSON object (so it may reach an action and needs a probe to end it)."""
        if self.text is None:
            return False
        try:
            return isinstance(json.loads(self.text), dict)
        except (ValueError, RecursionError):
            return False


def dump(value: Any, ascii_only: bool) -> str:
    """JSON as a browser might send it; lone surrogates can only travel as \\u escapes."""
    text = json.dumps(value, ensure_ascii=True)
    if ascii_only:
        return text
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:
        return text


@st.composite
def structured_frame(draw: Any, hostile: Hostile) -> Frame:
    """An action frame in one of the shapes htmx sends, with hostile contents."""
    action = draw(hostile.action)
    values = draw(hostile.values[action if action in EVERY_ACTION else ""])
    values = {**values, **draw(hostile.forged)}
    values["action"] = action
    if draw(RARELY):
        del values["action"]
        action = None
    shape = draw(st.sampled_from(SHAPES))
    if shape == "none":
        frame: Any = values
    elif shape == "htmx2":
        frame = {**values, "HEADERS": draw(hostile.headers)}
    elif shape == "htmx4-beta":
        frame = {"headers": draw(hostile.headers), "body": values}
    elif shape == "htmx4":
        frame = {**values, "headers": draw(hostile.headers)}
    elif shape == "bad-headers":
        frame = {**values, "HEADERS": draw(hostile.bad_headers)}
    else:
        frame = {**values, "HEADERS": draw(hostile.headers), "headers": draw(hostile.headers)}
    return Frame(f"action:{shape}", text=dump(frame, draw(st.booleans())), action=action)


def padded(action: str, size: int, fill: str = "x") -> str:
    """A frame of exactly ``size`` UTF-8 bytes (``fill`` is one byte or two)."""
    head, tail = f'{{"action": "{action}", "pad": "', '"}'
    room = size - len(head.encode()) - len(tail)
    width = len(fill.encode())
    return head + fill * (room // width) + "x" * (room % width) + tail


BIG_KINDS = ("deep", "deep-field", "many-keys", "huge-key", "oversized", "at-cap")


@st.composite
def big_frame(draw: Any, route: Route, kind: str) -> Frame:
    """Deep, wide, long-keyed, oversized and exactly-at-the-cap frames (built, not drawn: fast)."""
    harmless = st.sampled_from([*INBOX, "fuzz.unknown", "websocket.disconnect"])
    if kind in {"deep", "deep-field"}:
        depth = draw(st.sampled_from([10_000, 20_000, 32_000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"action":', "}")]))
        nest = opener * depth + "1" + closer * depth
        if kind == "deep-field":
            nest = f'{{"action": "{draw(st.sampled_from(route.actions))}", "task": {nest}}}'
        return Frame(kind, text=nest)
    action = draw(harmless)
    if kind == "many-keys":
        count = draw(st.sampled_from([1_000, 5_000, 100_000]))
        keys = ", ".join(f'"k{i}": {i}' for i in range(count))
        return Frame(kind, text=f'{{"action": "{action}", {keys}}}', action=action)
    if kind == "huge-key":
        length = draw(st.sampled_from([1_000, 60_000, 70_000]))
        return Frame(kind, text=json.dumps({"action": action, "k" * length: 1}), action=action)
    if kind == "oversized":
        size = draw(st.sampled_from([CAP + 1, CAP + 100, 2 * CAP, 1 << 20]))
        fill = draw(st.sampled_from(["x", "é"]))  # "é": under the cap in characters, over it in bytes
        return Frame(kind, text=padded("task.create", size, fill), action="task.create")
    return Frame(kind, text=padded(action, CAP), action=action)


SMALL_KINDS = ["action"] * 14 + ["text"] * 2 + ["bytes", "binary", "non-json", "non-object"]


@st.composite
def small_frame(draw: Any, hostile: Hostile) -> Frame:
    """Mostly action frames; the rest garbage and binary."""
    kind = draw(st.sampled_from(SMALL_KINDS))
    if kind == "action":
        return draw(hostile.structured)
    if kind == "text":
        return Frame(kind, text=draw(st.text(max_size=200)))
    if kind == "bytes":
        return Frame(kind, text=draw(st.binary(max_size=200)).decode("latin-1"))
    if kind == "binary":
        return Frame(kind, data=draw(hostile.binary))
    if kind == "non-json":
        return Frame(kind, text=draw(hostile.broken_json))
    return Frame(kind, text=json.dumps(draw(hostile.non_object)))


# --- driving a socket ------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


@dataclass
class Figures:
    frames: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    handling: dict[str, list[float]] = field(default_factory=dict)  # seconds in receive(), by kind
    current: str | None = None  # the kind of the frame being handled, while a fuzz test sends
    round_trips: list[float] = field(default_factory=list)
    reconnects: int = 0
    seconds: float = 0.0
    routes: set[str] = field(default_factory=set)


FIGURES = Figures()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """Print the figures of the whole file (``-s`` shows them); the plan asks for 10,000+ frames."""
    yield
    f = FIGURES
    if not f.frames:
        return
    handling = [seconds for times in f.handling.values() for seconds in times]
    slowest = sorted(f.handling, key=lambda kind: -percentile(f.handling[kind], 0.99))[:3]
    ms = 1e3
    print(
        f"\nfuzzed frames: {f.frames} on {len(f.routes)} routes in {f.seconds:.1f} s "
        f"({f.reconnects} reconnects after closes)\n"
        f"  handling per frame (the consumer's receive()): p50 {percentile(handling, 0.5) * ms:.2f} ms, "
        f"p99 {percentile(handling, 0.99) * ms:.2f} ms, max {max(handling) * ms:.1f} ms; slowest kinds (p99): "
        + ", ".join(f"{kind} {percentile(f.handling[kind], 0.99) * ms:.1f} ms" for kind in slowest)
        + f"\n  round trip per frame (send to its last answer): p99 {percentile(f.round_trips, 0.99) * ms:.2f} ms\n"
        f"  kinds: {dict(sorted(f.kinds.items()))}\n"
        f"  outcomes: {dict(sorted(f.outcomes.items()))}"
    )
    if f.routes == {route.name for route in ROUTES}:  # the whole file ran: the plan's figures
        assert f.frames >= 10_000
        every_kind = {*SMALL_KINDS, *BIG_KINDS, *(f"action:{shape}" for shape in SHAPES)} - {"action"}
        assert every_kind <= set(f.kinds), every_kind - set(f.kinds)


def login_cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def element_ok(route: Route, element: Any) -> bool:
    return any(element.id == r or (r.endswith("-") and element.id.startswith(r)) for r in route.replies)


ERROR_FRAME = re.compile(
    r'<div id="live-error" hx-swap-oob="true" [^<>]*>\s*<p [^<>]*>[^<>]+</p>\s*</div>\s*'
)


def assert_error_frame(text: str) -> None:
    """The error banner alone: one paragraph of text, whatever the frame carried (its
    content escaped, so it can never add an element, an id or an hx- attribute)."""
    assert ERROR_FRAME.fullmatch(text), text


def ambient(text: str) -> bool:
    """Frames that come by themselves: who is here, the connection indicator, who is typing."""
    return all(
        e.id and e.id.startswith(("presence-", "live-status", "live-announce", "typing-room-"))
        for e in parse(text)
    )


class Fuzzer:
    """One route's socket, reopened after a close, with the checks every frame must pass."""

    def __init__(
        self, route: Route, world: World, connect: Any, user: Any, caplog: Any, writes: dbstate.RowWrites
    ) -> None:
        self.route, self.world, self.open, self.user = route, world, connect, user
        self.caplog, self.writes = caplog, writes
        self.socket: Any = None
        self.cookie: tuple[bytes, bytes] | None = None
        self.baseline: dict[str, Any] | None = None
        self.probes = 0
        self.logged = 0  # log records already checked
        self.hostile = Hostile(route, world)

    async def ensure_open(self) -> None:
        """(Re)connect with the same session: a new login would change the user's row."""
        if self.socket is None:
            if self.cookie is None:
                self.cookie = await db(login_cookie)(self.user)
            self.socket = await self.open(self.route.path(self.world), None, headers=[self.cookie])
            assert self.socket.connected
            await next_frame(self.socket)  # the snapshot
            if self.baseline is None:
                self.baseline = await db(dbstate.fingerprint)()

    async def outputs_until(self, done: Callable[[dict[str, Any]], bool], timeout: float = 5) -> list[Any]:
        """What the socket sends until ``done(message)`` (that message included)."""
        received = []
        while True:
            message = await self.socket.receive_output(timeout=timeout)  # a crash raises here
            received.append(message)
            if done(message) or message["type"] == "websocket.close":
                return received

    async def send(self, frame: Frame) -> None:
        await self.ensure_open()
        self.writes.reset()
        FIGURES.frames += 1
        FIGURES.kinds[frame.kind] += 1
        FIGURES.current = frame.kind
        started = time.perf_counter()
        if frame.data is not None:
            await self.socket.send_input({"type": "websocket.receive", "bytes": frame.data})
        else:
            await self.socket.send_input({"type": "websocket.receive", "text": frame.text})

        if frame.over_cap:  # the indicator says "stopped", then closed with 1009; nothing else said
            received = await self.outputs_until(lambda m: False)
            said = [m["text"] for m in received if m["type"] == "websocket.send" and not ambient(m["text"])]
            assert said == [] and received[-1] == {"type": "websocket.close", "code": CloseCode.TOO_BIG}
            assert any('data-state="stopped"' in m.get("text", "") for m in received)
            self.socket, FIGURES.reconnects = None, FIGURES.reconnects + 1
            FIGURES.outcomes["closed 1009"] += 1
        elif not frame.json_object:  # not an object: exactly one error fragment
            received = await self.outputs_until(
                lambda m: m["type"] == "websocket.send" and not ambient(m["text"])
            )
            assert received[-1]["type"] == "websocket.send", f"{frame.kind} closed the socket: {received[-1]}"
            assert_error_frame(received[-1]["text"])
            FIGURES.outcomes["error"] += 1
        else:  # an object: it may reach an action; a probe after it marks the end of its answer
            self.probes += 1
            marker = f"probe:{self.probes}"
            await self.socket.send_input(
                {"type": "websocket.receive", "text": json.dumps({"action": marker})}
            )
            received = await self.outputs_until(lambda m: marker in m.get("text", ""))
            assert received[-1]["type"] == "websocket.send", f"{frame.kind} closed the socket: {received[-1]}"
            answers = [m["text"] for m in received[:-1] if not ambient(m["text"])]
            for text in answers:
                elements = by_id(text)  # top-level elements with ids and explicit swaps only
                strays = [e.id for e in elements.values() if not element_ok(self.route, e)]
                assert not strays, f"unexpected regions {strays} for {frame.text[:200]!r}"
                if "live-error" in elements:
                    assert_error_frame(text)
            if frame.action not in self.route.actions and answers:  # unknown, or not an action at all
                assert len(answers) == 1 and list(by_id(answers[0])) == ["live-error"], answers
            FIGURES.outcomes["answered" if answers else "silent"] += 1
        FIGURES.round_trips.append(time.perf_counter() - started)
        FIGURES.current = None
        assert self.writes.rows == 0, (
            f"{frame.kind} wrote {self.writes.statements}: {str(frame.text)[:300]!r}"
        )
        logged, self.logged = self.caplog.records[self.logged :], len(self.caplog.records)
        errors = [record.getMessage() for record in logged if record.levelno >= logging.ERROR]
        assert not errors, errors

    async def check_example(self) -> None:
        """After each example: the whole database as it was before the first frame."""
        assert self.baseline is not None
        assert dbstate.changed(self.baseline, await db(dbstate.fingerprint)()) == []


@pytest.fixture
def timed_receive(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Seconds each fuzzed frame spends in the consumer's ``receive()`` (probes left out)."""
    original = LiveConsumer.receive

    async def receive(
        self: LiveConsumer, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        started = time.perf_counter()
        try:
            await original(self, text_data=text_data, bytes_data=bytes_data)
        finally:
            if FIGURES.current and not (text_data or "").startswith('{"action": "probe:'):
                FIGURES.handling.setdefault(FIGURES.current, []).append(time.perf_counter() - started)

    monkeypatch.setattr(LiveConsumer, "receive", receive)
    yield
    FIGURES.current = None


@pytest.fixture
def no_rate_limit(settings: Any) -> None:
    settings.LIVE = {**settings.LIVE, "RATE": (1e9, 10**9), "MAX_FRAME_BYTES": CAP}


@pytest.fixture
def fuzzer_for(
    world: World, connect: Any, mallory: Any, caplog: Any, timed_receive: Any
) -> Iterator[Callable[[Route], Fuzzer]]:
    """``fuzzer_for(route)``: that route's fuzzer, made on first use and kept across the
    examples of one test (hypothesis runs them all within one fixture's life)."""
    made: dict[str, Fuzzer] = {}
    caplog.set_level(logging.WARNING)
    with dbstate.RowWrites().watching() as writes:

        def get(route: Route) -> Fuzzer:
            if route.name not in made:
                made[route.name] = Fuzzer(route, world, connect, mallory, caplog, writes)
            return made[route.name]

        yield get


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
@FUZZ
@given(data=st.data())
async def test_hostile_frames_get_an_error_silence_or_1009_and_change_nothing(
    route: Route, fuzzer_for: Callable[[Route], Fuzzer], no_rate_limit: None, data: Any
) -> None:
    fuzzer = fuzzer_for(route)
    started = time.perf_counter()
    small = st.lists(fuzzer.hostile.small, min_size=FRAMES_PER_EXAMPLE - 1, max_size=FRAMES_PER_EXAMPLE - 1)
    frames = data.draw(small)
    # and one big frame (those over the cap close the socket: each costs a reconnect)
    big = data.draw(big_frame(route, data.draw(st.permutations(BIG_KINDS))[0]))
    frames.insert(data.draw(st.integers(0, len(frames))), big)
    for frame in frames:
        try:
            await fuzzer.send(frame)
        except AssertionError as failure:
            raise AssertionError(f"after {frame!r}: {failure}") from None
    await fuzzer.check_example()
    FIGURES.seconds += time.perf_counter() - started
    FIGURES.routes.add(route.name)


async def test_the_checks_see_a_write_made_through_the_socket(
    fuzzer_for: Callable[[Route], Fuzzer], no_rate_limit: None
) -> None:
    """The control for the test above: a legitimate create through the same socket is seen by
    the per-frame row count and by the whole-database comparison."""
    fuzzer = fuzzer_for(ROUTES[0])
    await fuzzer.ensure_open()
    fuzzer.writes.reset()

    await fuzzer.socket.send_to(text_data=json.dumps({"action": "task.create", "title": "Legit"}))
    card = await next_frame(fuzzer.socket)

    assert "Legit" in card
    assert fuzzer.writes.rows >= 2  # the task, the board's change number, the activity line
    changed = dbstate.changed(fuzzer.baseline, await db(dbstate.fingerprint)())
    assert {"tasks_task:count", "tasks_task:rows", "tasks_board:rows"} <= set(changed)


def parses(frame: Frame) -> bool:
    """Gets past the parser, and is an action, not a signal (those have a budget of their own,
    live/ratelimit.py; the last test here floods with them)."""
    try:
        inbound = protocol.parse(frame.text, max_bytes=CAP)
    except protocol.FrameError:
        return False
    return inbound.action not in RoomConsumer.signals


async def flood(fuzzer: Fuzzer, frames: list[Frame]) -> tuple[list[str], int]:
    """Send ``frames`` at once on a fresh socket; what came back and the close code."""
    fuzzer.socket = None
    await fuzzer.ensure_open()
    fuzzer.writes.reset()
    for frame in frames:
        message = {"bytes": frame.data} if frame.data is not None else {"text": frame.text}
        await fuzzer.socket.send_input({"type": "websocket.receive", **message})
    received = []
    with contextlib.suppress(TimeoutError):  # not closed: a quiet second ends the wait
        received += await fuzzer.outputs_until(lambda m: False, timeout=1)
    fuzzer.socket = None
    answers = [m["text"] for m in received if m["type"] == "websocket.send" and not ambient(m["text"])]
    for text in answers:
        assert all(element_ok(fuzzer.route, e) for e in by_id(text).values()), text
    assert fuzzer.writes.rows == 0, fuzzer.writes.statements
    await fuzzer.check_example()
    return answers, received[-1].get("code", 0) if received else 0


LIMITER = settings(FUZZ, max_examples=4)
FLOOD = 10 + STRIKES_BEFORE_CLOSE + 5  # the burst, the strikes, and a few more


@LIMITER
@given(data=st.data())
async def test_the_rate_limit_closes_a_fuzzing_socket_4429(
    fuzzer_for: Callable[[Route], Fuzzer], settings: Any, data: Any
) -> None:
    """The long runs lift the limit; with it in place (5/s, bursts of 10), a socket flooded
    with hostile action frames is warned, then closed with 4429, having changed nothing."""
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10), "MAX_FRAME_BYTES": CAP}
    fuzzer = fuzzer_for(ROUTES[4])
    drawn = data.draw(st.lists(fuzzer.hostile.structured, min_size=3 * FLOOD, max_size=3 * FLOOD))
    frames = [frame for frame in drawn if parses(frame)][:FLOOD]
    assume(len(frames) == FLOOD)

    answers, code = await flood(fuzzer, frames)

    assert code == CloseCode.TOO_MANY
    assert any("slow down" in text for text in answers)


@LIMITER
@given(data=st.data())
async def test_frames_the_parser_refuses_count_against_the_rate_limit_too(
    fuzzer_for: Callable[[Route], Fuzzer], settings: Any, data: Any
) -> None:
    """Frames refused before any action runs (not JSON, binary, bad headers) each cost an
    answer too, so they take tokens like any other: a burst of them ends with 4429."""
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10), "MAX_FRAME_BYTES": CAP}
    fuzzer = fuzzer_for(ROUTES[0])
    frames = data.draw(st.lists(fuzzer.hostile.garbage, min_size=FLOOD, max_size=FLOOD))

    answers, code = await flood(fuzzer, frames)

    assert code == CloseCode.TOO_MANY, f"not closed after {len(frames)} refused frames in a burst"


async def test_a_flood_of_signals_ends_with_4429_too(
    fuzzer_for: Callable[[Route], Fuzzer], settings: Any
) -> None:
    """Signals (typing, read) have a bigger budget and over it are kept for later without a
    word, but they count strikes like any frame: a socket that keeps sending them is closed."""
    settings.LIVE = {**settings.LIVE, "RATE": (5.0, 10), "SIGNAL_RATE": (20.0, 100), "MAX_FRAME_BYTES": CAP}
    fuzzer = fuzzer_for(ROUTES[4])
    typing = Frame("signal", text=json.dumps({"action": "typing"}), action="typing")

    answers, code = await flood(fuzzer, [typing] * (100 + STRIKES_BEFORE_CLOSE + 5))

    assert code == CloseCode.TOO_MANY
    assert not any("slow down" in text for text in answers)  # signals are refused silently
