"""C16 (issue 6): the random-disconnect property test. Several boards, sockets of board pages
(/ws/boards/<id>/) and of the home page (/ws/tasks/), several hundred task events (create,
complete, reopen, delete) committed through the REST API and the board's HTML forms at random
moments, while a seeded random.Random takes pages off the network at random points: off-line
for a random while, an abrupt transport abort (1006), right after the k-th frame of a burst
(mid-stream), and while a write is in flight (before its commit, between its commit and its
publish, or between the publish and the delivery).

What a user would see: whatever the network did, every open page ends showing exactly what
the database holds (lists in order, counters, cards, the board's activity feed, the home
page's summary cards and cross-board feed), with no card or activity line shown twice on the
way and no line of a board's stream applied out of its commit order.

From the frames each socket received it counts, after the fact:

- duplicates: a card inserted into a board's lists while it is still in one of them (no
  delete in between), or an activity line inserted into a feed that already holds it;
- order violations: an activity line of a board (one per event: the stream's sequence
  number) inserted after a newer line of the same board, on the same page since its last
  snapshot;
- lost: an event of a board the page watches whose line the page never showed, neither
  inserted live nor covered by a later snapshot (one holding that line or a newer one).

The home page's feed merges every board's stream; a line inserted there above a newer line of
another board is counted apart (it stays misplaced until the next snapshot, so the end-state
comparison with a fresh page is what fails for it).

It also prints how often a frame left a list out of order for a moment (not asserted: the
hub renders a card as the database has it when the event is rendered, but places it in event
order, so a hub running behind may show a card above a newer one until that one's own event
arrives; the end state is asserted).

The draws are seeded (the timing is the machine's). Figures are printed (run with -s);
FAULTS_SCALE=full runs it at full size. One run uses the in-memory channel layer (one
daphne), one a Redis of the test's own with two daphne processes behind it (every socket and
every write split across them).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from tests.dom import Page, page_of, parse
from tests.faultkit import (
    HtmxSocket,
    Missing,
    RedisProcess,
    Reply,
    api,
    converge,
    cookie_for,
    db_board,
    http,
    open_sockets,
    percentiles,
    sized,
    stop_all,
    swap_errors,
    truth,
    until,
)
from tests.services import unavailable
from tests.test_faults import report

FEED_LIMIT = 20  # tasks.selectors.ACTIVITY_LIMIT: a render shows the 20 latest activity lines
HOME_FEED = "activity-feed"
WRITERS = 5  # write requests in flight at once
SUMMARY_TEXT = re.compile(r"(\d+) open · (\d+) done")


# --- what each socket's frames did -----------------------------------------------------------


def _number(element_id: str) -> int:
    return int(element_id.rsplit("-", 1)[1])


class FrameLog:
    """The inserts, deletes and whole replacements (snapshots) of one page's lists and feeds,
    in the order its frames brought them, read from the frames themselves; and how often a
    frame left one of them out of order on the page (newest first) for a moment."""

    def __init__(self, page: Page, containers: list[str]) -> None:
        self.page = page
        self.containers = frozenset(containers)
        self.entries: list[tuple[str, str, tuple[str, ...]]] = []
        for container in containers:  # the page as the HTTP render left it
            node = page.element(container)
            ids = tuple(child.id or "" for child in node.elements()) if node is not None else ()
            self.entries.append(("replace", container, ids))
        self.disordered: set[str] = set()
        self.misorders = 0

    def __call__(self, sock: HtmxSocket, text: str, now: float) -> None:
        touched: set[str] = set()
        for element in parse(text):
            element_id = element.id or ""
            swap = element.attrs.get("hx-swap-oob") or "true"
            if element_id in self.containers:
                ids = tuple(child.id or "" for child in element.elements())
                if swap in ("true", "outerHTML"):
                    self.entries.append(("replace", element_id, ids))
                elif swap in ("afterbegin", "beforeend"):
                    self.entries.append(("insert", element_id, ids))
                touched.add(element_id)
            elif swap == "delete":
                self.entries.append(("delete", element_id, ()))
                touched |= {c for c in self.containers if _card_group(c) is not None}
        if touched:
            self._check_order(touched)

    def _check_order(self, containers: set[str]) -> None:
        for container in containers:
            node = self.page.element(container)
            items = node.elements() if node is not None else []
            if container == HOME_FEED or container.endswith("-activity"):
                keys = [_number(item.id or "x-0") for item in items]
            else:
                keys = [int(item.attrs.get("data-version") or 0) for item in items]
            ordered = all(a > b for a, b in zip(keys, keys[1:], strict=False))
            if not ordered and container not in self.disordered:
                self.misorders += 1
                self.disordered.add(container)
            elif ordered:
                self.disordered.discard(container)


@dataclass
class Findings:
    duplicate_cards: int = 0
    duplicate_lines: int = 0
    order_violations: int = 0
    cross_board_inversions: int = 0  # home feed: a line inserted above a newer one of another board
    lost: int = 0
    examples: list[str] = field(default_factory=list)


def _card_group(container: str) -> str | None:
    """board-3-open and board-3-done hold one board's cards: a card belongs in one of them."""
    if container.endswith(("-open", "-done")):
        return container.rsplit("-", 1)[0]
    return None


def analyse(
    name: str,
    log: FrameLog,
    board_of: dict[int, int],
    new_lines: dict[int, list[int]],
    streams: list[int],
    findings: Findings,
) -> None:
    """Walk one socket's log: duplicates and out-of-order lines as they happened, then the
    lines of the run that the page never showed (lost). ``board_of``: activity id -> board;
    ``new_lines``: board -> the activity ids committed during the run."""
    members: dict[str, set[str]] = {container: set() for container in log.containers}
    last: dict[tuple[str, int], int] = {}
    inserted: set[int] = set()
    newest_shown: dict[str, int] = {}  # feed -> its newest line (any board)
    snapshot_max: dict[int | None, int] = {}  # board (None: any board) -> newest line of a snapshot

    def note(text: str) -> None:
        if len(findings.examples) < 8:
            findings.examples.append(f"socket {name}: {text}")

    for kind, container, ids in log.entries:
        if kind == "delete":
            for held in members.values():
                held.discard(container)
            continue
        group = _card_group(container)
        if kind == "replace":
            members[container] = set(ids)
            if group is None:  # a feed: where each board's stream now stands on this page
                lines = [(_number(i), board_of[_number(i)]) for i in ids if _number(i) in board_of]
                for board in {board for _line, board in lines}:
                    newest = max(line for line, of in lines if of == board)
                    last[(container, board)] = newest
                    snapshot_max[board] = max(snapshot_max.get(board, 0), newest)
                snapshot_max[None] = max([snapshot_max.get(None, 0), *(line for line, _board in lines)])
                newest_shown[container] = max((line for line, _board in lines), default=0)
            continue
        for item in ids:  # an insert
            if group is not None:
                siblings = [c for c in members if _card_group(c) == group]
                if any(item in members[c] for c in siblings):
                    findings.duplicate_cards += 1
                    note(f"{item} inserted into {container} while already on the page")
            else:
                if item in members[container]:
                    findings.duplicate_lines += 1
                    note(f"{item} inserted into {container} twice")
                line = _number(item)
                board = board_of.get(line)
                if board is not None:
                    key = (container, board)
                    if line <= last.get(key, 0):
                        findings.order_violations += 1
                        note(f"{item} (board {board}) inserted after line {last[key]} of that board")
                    elif container == HOME_FEED and line < newest_shown.get(container, 0):
                        findings.cross_board_inversions += 1
                    last[key] = max(line, last.get(key, 0))
                    inserted.add(line)
                newest_shown[container] = max(line, newest_shown.get(container, 0))
            members[container].add(item)

    cross_board = HOME_FEED in log.containers
    for board in streams:
        covered = snapshot_max.get(None if cross_board else board, 0)
        missed = [line for line in new_lines.get(board, []) if line not in inserted and line > covered]
        findings.lost += len(missed)
        if missed:
            note(f"{len(missed)} lines of board {board} never shown, e.g. activity-{missed[0]}")


# --- the pages, as a fresh render shows them ---------------------------------------------------


def feed_head(page: Page, feed_id: str) -> tuple[str, ...]:
    """The lines a render of the feed shows (the latest FEED_LIMIT), markup and all."""
    node = page.element(feed_id)
    return tuple(item.canonical() for item in node.elements()[:FEED_LIMIT]) if node is not None else ()


def home_view(page: Page, board_ids: list[int]) -> tuple[Any, ...]:
    summaries = []
    for board in board_ids:
        node = page.element(f"board-{board}-summary")
        summaries.append(node.canonical() if node is not None else None)
    return (*summaries, feed_head(page, HOME_FEED))


async def fresh_page(base: str, path: str, cookie: str) -> Page:
    """What a page opened now shows: the snapshot of a new socket (tests.faultkit.fresh_board
    reads a board's lists from the same frame)."""
    from websockets.asyncio.client import connect

    async with connect(
        base.replace("http", "ws", 1) + path,
        additional_headers={"Cookie": cookie},
        origin=base,  # type: ignore[arg-type]
        compression=None,
        max_size=None,
        ping_interval=None,
        open_timeout=10,
    ) as ws:
        return page_of(str(await asyncio.wait_for(ws.recv(), 10)))


def db_feeds(board_ids: list[int]) -> dict[int | None, tuple[str, ...]]:
    """The ids of the latest FEED_LIMIT activity lines of each board, and over all (None)."""
    from tasks.models import Activity

    feeds: dict[int | None, tuple[str, ...]] = {
        board: tuple(
            f"activity-{pk}"
            for pk in Activity.objects.filter(board_id=board).values_list("pk", flat=True)[:FEED_LIMIT]
        )
        for board in board_ids
    }
    overall = Activity.objects.filter(board_id__in=board_ids).values_list("pk", flat=True)[:FEED_LIMIT]
    feeds[None] = tuple(f"activity-{pk}" for pk in overall)
    return feeds


def _ids(page: Page, feed_id: str) -> tuple[str, ...]:
    node = page.element(feed_id)
    return tuple(item.id or "" for item in node.elements()[:FEED_LIMIT]) if node is not None else ()


def feed_difference(page: Page, feed_id: str, in_db: tuple[str, ...]) -> str:
    shown = _ids(page, feed_id)
    at = next((i for i, (x, y) in enumerate(zip(shown, in_db, strict=False)) if x != y), None)
    if at is None and len(shown) == len(in_db):
        return "feed: same lines, a line's markup differs"
    at = min(len(shown), len(in_db)) if at is None else at
    return f"feed from line {at}: {shown[at : at + 4]} where the database has {in_db[at : at + 4]}"


# --- writes -----------------------------------------------------------------------------------


@dataclass
class Actor:
    user: Any
    cookie: str
    token: str
    csrf: str = ""


def csrf_token(base: str, actor: Actor, slug: str) -> str:
    page = http(f"{base}/boards/{slug}/", headers={"Cookie": actor.cookie})
    for name, value in page.headers.items():
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError(f"the board page set no CSRF cookie ({page.status})")


def form_post(base: str, actor: Actor, path: str, values: dict[str, str] | None = None) -> Reply:
    """A click or a submit on the page: an htmx POST with the session and the CSRF token."""
    return http(
        base + path,
        "POST",
        body=urllib.parse.urlencode(values or {}).encode(),
        headers={
            "Cookie": f"{actor.cookie}; csrftoken={actor.csrf}",
            "X-CSRFToken": actor.csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one if None)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _task_id_by_title(title: str) -> int:
    from tasks.models import Task

    return Task.objects.get(title=title).pk


@dataclass
class Card:
    board: int
    completed: bool
    creator: int  # index into the actors


@dataclass
class Writes:
    cards: dict[int, Card]
    busy: set[int] = field(default_factory=set)
    issued: int = 0
    done: Counter[str] = field(default_factory=Counter)  # committed, by "op via path"
    unexpected: list[str] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)


# --- the network, taken away at random ----------------------------------------------------------


class Chaos:
    """Takes pages off the network at random points (seeded): off-line for a random while,
    an abrupt abort, after the k-th frame of what arrives next, or while a write is in flight."""

    def __init__(self, rng: random.Random, sockets: list[HtmxSocket], watching: dict[int, list[HtmxSocket]]):
        self.rng = rng
        self.sockets = sockets
        self.watching = watching  # board -> the sockets that show it
        self.cut_after: dict[HtmxSocket, int] = {}
        self.drops: Counter[str] = Counter()
        self.missed = 0  # chosen, but closed by then (already reconnecting)
        self.stopped = False

    def stop(self) -> None:
        """No more cuts, not even those already scheduled."""
        self.stopped = True
        self.cut_after.clear()

    def cut(self, sock: HtmxSocket, kind: str) -> None:
        if self.stopped:
            return
        if not sock.is_open:
            self.missed += 1
            return
        self.drops[kind] += 1
        if kind == "abort" or self.rng.random() < 0.5:
            sock.offline_for(0)  # the transport dies (1006); htmx retries after U(0, 1) s
        else:
            sock.offline_for(self.rng.uniform(0.05, 2.0))  # and stays off-line a while

    def listener(self, sock: HtmxSocket, text: str, now: float) -> None:
        left = self.cut_after.get(sock)  # (HtmxSocket hashes by identity)
        if left is None:
            return
        if left > 1:
            self.cut_after[sock] = left - 1
            return
        del self.cut_after[sock]
        self.cut(sock, "mid-stream")

    def around_write(self, board: int) -> None:
        """Maybe cut a page of ``board`` a few ms after a write's request goes out, while it
        commits and publishes."""
        if self.rng.random() < 0.25:
            sock = self.rng.choice(self.watching[board])
            delay = self.rng.uniform(0, 0.04)
            asyncio.get_running_loop().call_later(delay, self.cut, sock, "during a write")

    async def run(self, stop: asyncio.Event, mean_gap: float) -> None:
        while not stop.is_set():
            await asyncio.sleep(self.rng.expovariate(1 / mean_gap))
            candidates = [sock for sock in self.sockets if sock.is_open and sock not in self.cut_after]
            if not candidates:
                continue
            sock = self.rng.choice(candidates)
            kind = self.rng.choices(["off-line", "abort", "mid-stream"], weights=[3, 2, 2])[0]
            if kind == "mid-stream":
                self.cut_after[sock] = self.rng.randint(1, 4)
            elif kind == "abort":
                self.cut(sock, "abort")
            else:
                self.drops["off-line"] += 1
                sock.offline_for(self.rng.uniform(0.05, 2.5))


# --- the test -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "seed"),
    [("memory", 1601), pytest.param("redis", 1602, marks=pytest.mark.redis)],
)
def test_random_disconnects_every_page_ends_showing_exactly_the_database(
    layer: str, seed: int, start_server: Any, team: Any, make_user: Any
) -> None:
    """Pages drop off the network and come back at random points while up to 300 task events
    (several thousand at full size) are committed over three boards: at the end every page shows exactly what the
    database shows (and what a page opened now shows), and on the way no card or line was
    shown twice, none of a board's events was applied out of order, none was lost."""
    from tasks import actions
    from tasks.models import Activity, Board, Membership, Role

    started_at = time.monotonic()
    rng = random.Random(seed)
    events = sized(300, 2000)
    write_budget = sized(20.0, 300.0)  # seconds of writing at most, whatever the count
    board_sockets, home_sockets = sized(8, 40), sized(8, 40)  # per board / in all

    boards = [
        team,
        Board.objects.create(name="Ops", slug="ops"),
        Board.objects.create(name="Design", slug="design"),
    ]
    board_ids = [board.pk for board in boards]
    users = [make_user("alice"), make_user("bob"), make_user("maya", first_name="Maya")]
    Membership.objects.create(board=team, user=users[2], role=Role.MANAGER)
    actors = [Actor(user, cookie_for(user), Token.objects.create(user=user).key) for user in users]
    ops_token = Token.objects.create(user=make_user("ops", is_staff=True)).key
    cards: dict[int, Card] = {}
    for board in boards:  # a few tasks to complete and delete from the start
        for index in range(6):
            creator = index % len(actors)
            task = actions.task_create(board=board, by=users[creator], title=f"Seeded {board.slug} {index}")
            if index % 3 == 0:
                task = actions.task_complete(task=task, by=users[creator])
            cards[task.pk] = Card(board.pk, task.completed, creator)
    first_new_line = (Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    redis: RedisProcess | None = None
    if layer == "redis":
        try:
            redis = RedisProcess()
        except Missing as exc:
            unavailable(str(exc))
    try:
        env = {"REDIS_URL": redis.url, "REDIS_PREFIX": "c16"} if redis is not None else {}
        servers = [start_server(**env) for _ in range(2 if redis is not None else 1)]
        bases = [server.url for server in servers]
        for actor in actors:
            actor.csrf = csrf_token(bases[0], actor, team.slug)
        cookies = [actor.cookie for actor in actors]
        writes = Writes(cards)

        def write_once(wrng: random.Random) -> tuple[str, int]:
            """Choose a write that is possible now (a create if nothing else is) and reserve
            its task: (op, task id), or ("create", board id)."""
            board = wrng.choice(board_ids)
            free = [pk for pk, card in writes.cards.items() if card.board == board and pk not in writes.busy]
            op = wrng.choices(["create", "complete", "reopen", "delete"], weights=[4, 3, 1.5, 1.5])[0]
            wanted = {
                "complete": [pk for pk in free if not writes.cards[pk].completed],
                "reopen": [pk for pk in free if writes.cards[pk].completed],
                "delete": free,
            }
            if op != "create" and not wanted[op]:
                op = "create"
            if op == "create":
                return op, board
            pk = wrng.choice(wanted[op])
            writes.busy.add(pk)
            return op, pk

        def perform(op: str, target: int, via: str, base: str, actor_index: int, label: str) -> Reply:
            actor = actors[actor_index]
            if op == "create":
                slug = next(board.slug for board in boards if board.pk == target)
                if via == "api":
                    return api(base, actor.token, "POST", "/api/tasks/", {"title": label, "board": target})
                return form_post(base, actor, f"/boards/{slug}/tasks/", {"title": label})
            if via == "api":
                if op == "delete":
                    return api(base, actor.token, "DELETE", f"/api/tasks/{target}/")
                return api(base, actor.token, "POST", f"/api/tasks/{target}/{op}/")
            return form_post(base, actor, f"/tasks/{target}/{op}/")

        expected_status = {
            ("create", "api"): 201,
            ("create", "form"): 200,
            ("delete", "api"): 204,
            ("complete", "api"): 200,
            ("reopen", "api"): 200,
            # the form's buttons are answered with the note the actor's focus lands on (issue 13)
            ("complete", "form"): 200,
            ("reopen", "form"): 200,
            ("delete", "form"): 200,
        }

        async def writer(index: int, chaos: Chaos, deadline: float) -> None:
            wrng = random.Random(seed * 1000 + index)
            while writes.issued < events and time.monotonic() < deadline:
                op, target = write_once(wrng)
                writes.issued += 1
                via = "api" if wrng.random() < 0.6 else "form"
                base = wrng.choice(bases)
                if op == "create":
                    actor_index, board = wrng.randrange(len(actors)), target
                else:
                    card = writes.cards[target]
                    board = card.board
                    actor_index = card.creator if op == "delete" else wrng.randrange(len(actors))
                label = f"C16 {seed} write {writes.issued}"
                chaos.around_write(board)
                await asyncio.sleep(wrng.uniform(0, 0.02))  # random moments
                reply = await asyncio.to_thread(perform, op, target, via, base, actor_index, label)
                writes.ms.append(reply.ms)
                if reply.status != expected_status.get((op, via), 204):
                    writes.unexpected.append(f"{op} via {via}: {reply.status} {reply.body[:120]!r}")
                    if op != "create":
                        writes.busy.discard(target)
                    continue
                writes.done[f"{op} via {via}"] += 1
                if op == "create":
                    pk = (
                        reply.json()["id"]
                        if via == "api"
                        else await asyncio.to_thread(_task_id_by_title, label)
                    )
                    writes.cards[pk] = Card(board, False, actor_index)
                elif op == "delete":
                    del writes.cards[target]
                else:
                    writes.cards[target].completed = op == "complete"
                if op != "create":
                    writes.busy.discard(target)

        async def scenario() -> dict[str, Any]:
            watching: dict[int, list[HtmxSocket]] = {board: [] for board in board_ids}
            by_board: dict[int, list[HtmxSocket]] = {board: [] for board in board_ids}
            logs: dict[HtmxSocket, FrameLog] = {}
            streams: dict[HtmxSocket, list[int]] = {}
            home: list[HtmxSocket] = []
            opening = time.monotonic()
            share = len(bases)
            groups = [(base, number, board) for number, base in enumerate(bases) for board in [*boards, None]]
            opened = await asyncio.gather(
                *(
                    open_sockets(
                        base,
                        "/ws/tasks/" if board is None else f"/ws/boards/{board.pk}/",
                        cookies,
                        (home_sockets if board is None else board_sockets) // share,
                        page="/" if board is None else f"/boards/{board.slug}/",
                        seed=seed + number + (7 if board is None else board.pk * 10),
                    )
                    for base, number, board in groups
                )
            )
            for (_base, _number, board), group in zip(groups, opened, strict=True):
                for sock in group:
                    assert sock.page is not None
                    if board is None:
                        home.append(sock)
                        logs[sock] = FrameLog(sock.page, [HOME_FEED])
                        streams[sock] = list(board_ids)
                        for each in board_ids:
                            watching[each].append(sock)
                    else:
                        by_board[board.pk].append(sock)
                        watching[board.pk].append(sock)
                        lists = [f"board-{board.pk}-{which}" for which in ("open", "done", "activity")]
                        logs[sock] = FrameLog(sock.page, lists)
                        streams[sock] = [board.pk]
            opening = time.monotonic() - opening
            sockets = list(logs)
            for index, sock in enumerate(sockets):
                sock.name = f"{'home' if sock in home else 'board'}-{index}"
            chaos = Chaos(random.Random(rng.random()), sockets, watching)
            for sock in sockets:  # the log first: it reads the frame before a cut
                sock.listeners += [logs[sock], chaos.listener]

            # --- events at random moments while pages drop and return
            cpu_before = (cpu_seconds(), [cpu_seconds(server.process.pid) for server in servers])
            writing = time.monotonic()
            stop = asyncio.Event()
            dropping = asyncio.create_task(chaos.run(stop, mean_gap=0.1))
            await asyncio.gather(*(writer(i, chaos, writing + write_budget) for i in range(WRITERS)))
            stop.set()
            await dropping
            chaos.stop()
            written = time.monotonic()
            write_seconds = written - writing
            cpu_used = (
                round((cpu_seconds() - cpu_before[0]) / write_seconds * 100),
                [
                    round((cpu_seconds(server.process.pid) - before) / write_seconds * 100)
                    for server, before in zip(servers, cpu_before[1], strict=True)
                ],
            )

            # --- the truth: the database, and a page opened now (checked against each other)
            reading = time.monotonic()
            in_db = {board: await asyncio.to_thread(db_board, board) for board in board_ids}
            feeds_in_db = await asyncio.to_thread(db_feeds, board_ids)
            truths = await asyncio.gather(
                *(truth(bases[0], f"/ws/boards/{board}/", cookies, board) for board in board_ids)
            )
            views = dict(zip(board_ids, truths, strict=True))
            pairs = [(board, cookie) for board in board_ids for cookie in cookies]
            fresh_boards = await asyncio.gather(
                *(fresh_page(bases[-1], f"/ws/boards/{board}/", cookie) for board, cookie in pairs)
            )
            fresh_board_feeds: dict[tuple[int, str], tuple[str, ...]] = {}
            for (board, cookie), page in zip(pairs, fresh_boards, strict=True):
                assert _ids(page, f"board-{board}-activity") == feeds_in_db[board]
                fresh_board_feeds[(board, cookie)] = feed_head(page, f"board-{board}-activity")
            fresh_homes = await asyncio.gather(*(fresh_page(bases[-1], "/ws/tasks/", c) for c in cookies))
            fresh_home: dict[str, tuple[Any, ...]] = {}
            for cookie, page in zip(cookies, fresh_homes, strict=True):
                assert _ids(page, HOME_FEED) == feeds_in_db[None]
                for board in board_ids:
                    node = page.element(f"board-{board}-summary")
                    assert node is not None
                    shown = SUMMARY_TEXT.search(node.text())
                    assert shown is not None and shown.groups() == in_db[board][2:], (board, node.text())
                fresh_home[cookie] = home_view(page, board_ids)
            reading = time.monotonic() - reading

            # --- every page converges on it
            def feeds_shown() -> bool:
                return all(
                    feed_head(sock.page, f"board-{streams[sock][0]}-activity")
                    == fresh_board_feeds[(streams[sock][0], sock.cookie)]
                    for sock in sockets
                    if sock not in home and sock.page is not None
                ) and all(
                    home_view(sock.page, board_ids) == fresh_home[sock.cookie] for sock in home if sock.page
                )

            settle = sized(30.0, 120.0)  # a page off-line 2.5 s may wait up to 16 s more (backoff)
            outcome = await asyncio.gather(
                *(converge(by_board[board], views[board], board, timeout=settle) for board in board_ids),
                until(feeds_shown, timeout=settle),
            )
            converged = time.monotonic() - written
            lists_took = [took for took, _problems in outcome[:-1]]
            problems = [problem for _took, found in outcome[:-1] for problem in found]
            feeds_took = outcome[-1]
            if feeds_took is None:
                for sock in sockets:
                    assert sock.page is not None
                    if sock in home:
                        shown, fresh = home_view(sock.page, board_ids), fresh_home[sock.cookie]
                        if shown != fresh:
                            what = [
                                f"board {b}'s summary"
                                for b, x, y in zip(board_ids, shown, fresh, strict=False)
                                if x != y
                            ]
                            if shown[-1] != fresh[-1]:
                                what.append(feed_difference(sock.page, HOME_FEED, feeds_in_db[None]))
                            problems.append(f"{sock.name} (open={sock.is_open}): {'; '.join(what)}")
                    else:
                        board = streams[sock][0]
                        feed = feed_head(sock.page, f"board-{board}-activity")
                        if feed != fresh_board_feeds[(board, sock.cookie)]:
                            difference = feed_difference(
                                sock.page, f"board-{board}-activity", feeds_in_db[board]
                            )
                            problems.append(
                                f"{sock.name} (open={sock.is_open}): board {board}'s {difference}"
                            )
            all_took = [*lists_took, feeds_took]
            healed = None if None in all_took else round(converged, 2)

            # --- what the frames did on the way
            lines = await asyncio.to_thread(
                lambda: list(Activity.objects.filter(pk__gte=first_new_line).values_list("pk", "board_id"))
            )
            board_of = dict(
                await asyncio.to_thread(lambda: list(Activity.objects.values_list("pk", "board_id")))
            )
            new_lines: dict[int, list[int]] = {board: [] for board in board_ids}
            for pk, board in lines:
                new_lines[board].append(pk)
            findings = Findings()
            for sock in sockets:
                analyse(sock.name, logs[sock], board_of, new_lines, streams[sock], findings)
            stats = [await asyncio.to_thread(api, base, ops_token, "GET", "/live/stats/") for base in bases]
            counters = [reply.json() for reply in stats]
            committed = sum(writes.done.values())
            figures = {
                "layer, servers, seed": (layer, len(bases), seed),
                "boards": len(board_ids),
                "sockets: board pages / home pages": (len(sockets) - len(home), len(home)),
                "opening them / reading the truth at the end (s)": (round(opening, 2), round(reading, 2)),
                "events committed (target)": (committed, events),
                "events by kind and path": dict(sorted(writes.done.items())),
                "events committed / activity lines committed during the run": (committed, len(lines)),
                "writing took (s), events/s": (round(write_seconds, 2), round(committed / write_seconds, 1)),
                "write latency (ms)": percentiles(writes.ms),
                "CPU while writing, % of one core: this process (clients), server(s)": cpu_used,
                "unexpected write answers": writes.unexpected[:5],
                "drops by kind": dict(chaos.drops),
                "drops in all (chosen but already closed)": (sum(chaos.drops.values()), chaos.missed),
                "reconnects": sum(sock.reconnects for sock in sockets),
                "failed attempts (while off-line)": sum(sock.attempts - sock.opens for sock in sockets),
                "close codes seen": dict(Counter(code for sock in sockets for code in sock.close_codes)),
                "pages that gave up": sum(sock.final_code is not None for sock in sockets),
                "frames received": sum(sock.frames for sock in sockets),
                "end of writing -> every page shows the database (s)": healed,
                "lists / feeds converged after (s)": (
                    [None if t is None else round(t, 2) for t in lists_took],
                    None if feeds_took is None else round(feeds_took, 2),
                ),
                "duplicated inserts: cards / activity lines": (
                    findings.duplicate_cards,
                    findings.duplicate_lines,
                ),
                "order violations (a board's line after a newer one)": findings.order_violations,
                "home feed: lines inserted above a newer line of another board": findings.cross_board_inversions,
                "lost (never shown, never covered by a snapshot)": findings.lost,
                "lists left out of order for a moment (transient, healed by the next event)": sum(
                    log.misorders for log in logs.values()
                ),
                # (the page model also counts an id twice when a snapshot moves a card from one
                # list to the other: the frame-based duplicate count above is the exact one)
                "page model: oob targets missing / ids added twice": swap_errors(sockets),
                "server: gaps healed (dropped), duplicates dropped, resyncs, snapshots": [
                    tuple(c.get(key, 0) for key in ("dropped", "duplicates", "resyncs", "snapshots"))
                    for c in counters
                ],
                "examples": findings.examples,
                "problems": problems[:8],
            }
            await stop_all(sockets)
            return figures

        figures = asyncio.run(scenario())
    finally:
        if redis is not None:
            redis.stop()
    figures["wall time of the test (s)"] = round(time.monotonic() - started_at, 1)
    report(f"C16: random disconnects ({layer} layer, seed {seed})", figures)

    assert figures["unexpected write answers"] == []
    committed, lines = figures["events committed / activity lines committed during the run"]
    assert committed == lines and committed >= 50  # each write committed once, with its one event
    assert figures["pages that gave up"] == 0
    assert sum(figures["drops by kind"].values()) >= 20 and figures["reconnects"] >= 20
    assert figures["lost (never shown, never covered by a snapshot)"] == 0, figures["examples"]
    assert figures["duplicated inserts: cards / activity lines"] == (0, 0), figures["examples"]
    assert figures["order violations (a board's line after a newer one)"] == 0, figures["examples"]
    assert not figures["problems"], figures["problems"]
    assert figures["end of writing -> every page shows the database (s)"] is not None
