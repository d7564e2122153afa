"""The assumptions of the engine's fast paths (live/fast/), checked against the installed
libraries: one contract per library. A failure here names the private name or behaviour that
changed in that library's version; until live/fast/<library>.py is fixed, turn its setting off
(LIVE_FAST_UVICORN, LIVE_FAST_ORM, LIVE_FAST_SESSIONS, LIVE_FAST_CHANNELS_REDIS) or pin the
library back to the range in requirements.txt. These tests run whatever the settings say:
they test the libraries, not the configuration."""

from __future__ import annotations

import asyncio
import datetime
import inspect
from importlib.metadata import version
from typing import Any

import pytest
from django.utils import timezone

from live.fast import channels_redis as fast_redis
from live.fast import django_orm, django_sessions
from live.fast import uvicorn as fast_uvicorn
from live.wire import Outgoing


def broken(library: str, module: str, what: str) -> str:
    return (
        f"{library} {version(library)}: {what}. live/fast/{module}.py relies on it: turn its "
        f"setting off or pin {library} to the range requirements.txt names (see that module's docstring)."
    )


# --- uvicorn -------------------------------------------------------------------------------------


def test_uvicorn_a_frame_written_to_the_transport_arrives_as_one_sent_through_send() -> None:
    """A real uvicorn (websockets-sansio) serving a small ASGI app: its ``send`` leads to the
    protocol object the fast path knows, with every attribute it reads, and a frame written
    straight to the transport reaches the client exactly as the text sent through ``send()``,
    in order; a closing connection is refused by the fast path."""
    import uvicorn
    from websockets.asyncio.client import connect

    assert fast_uvicorn.WebSocketsSansIOProtocol is not None, broken(
        "uvicorn", "uvicorn", "uvicorn.protocols.websockets.websockets_sansio_impl is gone"
    )
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        connection = fast_uvicorn.direct(send)
        seen["connection"] = type(inspect.unwrap(send).__self__).__name__
        if connection is None:
            return
        seen["missing"] = [a for a in fast_uvicorn.CONNECTION_ATTRIBUTES if not hasattr(connection, a)]
        seen["missing"] += [
            f"conn.{a}" for a in fast_uvicorn.PROTOCOL_ATTRIBUTES if not hasattr(connection.conn, a)
        ]
        if seen["missing"]:
            return
        seen["writable"] = isinstance(connection.writable, asyncio.Event)
        seen["direct"] = fast_uvicorn.write(connection, Outgoing("first é 🙂" * 30).wire)
        await send({"type": "websocket.send", "text": "second"})
        seen["big"] = fast_uvicorn.write(connection, Outgoing("x" * 70_000).wire)
        await send({"type": "websocket.close", "code": 1000})
        seen["after_close"] = fast_uvicorn.write(connection, Outgoing("never").wire)

    async def scenario() -> list[str]:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            ws="websockets-sansio",
            ws_per_message_deflate=False,  # as scripts/serve-prod.sh: a compressed socket is never written directly
            lifespan="off",
            log_level="warning",
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            received = []
            async with connect(f"ws://127.0.0.1:{port}/", max_size=None) as client:
                try:
                    while True:
                        received.append(await asyncio.wait_for(client.recv(), 5))
                except Exception:  # noqa: BLE001 (the server's close ends the loop)
                    pass
            return received
        finally:
            server.should_exit = True
            await serving

    received = asyncio.run(scenario())

    assert seen.get("connection") == "WebSocketsSansIOProtocol", broken(
        "uvicorn", "uvicorn", f"an ASGI send is bound to {seen.get('connection')}, not the protocol"
    )
    assert not seen["missing"], broken("uvicorn", "uvicorn", f"the connection has no {seen['missing']}")
    assert seen["writable"], broken("uvicorn", "uvicorn", "connection.writable is no asyncio.Event")
    assert seen["direct"] and seen["big"], broken(
        "uvicorn", "uvicorn", "an open connection refused the direct write"
    )
    assert received == ["first é 🙂" * 30, "second", "x" * 70_000], broken(
        "uvicorn", "uvicorn", "frames written to the transport did not arrive as sent"
    )
    assert seen["after_close"] is False, broken(
        "uvicorn", "uvicorn", "a closing connection took a direct write"
    )


# --- Django's ORM --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_django_a_compiled_query_gives_what_the_orm_gives(django_user_model: Any) -> None:
    """On Django's own models: plain rows, a nullable and a required select_related, an
    annotation, a datetime parameter; instances with the same values, types and loaded
    relations as the ORM's."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count
    from django.db.models.query import get_related_populators

    assert callable(get_related_populators)
    now = timezone.now()
    alice = django_user_model.objects.create_user("alice", date_joined=now - datetime.timedelta(days=3))
    django_user_model.objects.create_user("bob", date_joined=now)
    alice.groups.add(Group.objects.create(name="g"))

    compiled = django_orm.CompiledQuery(lambda pk: Permission.objects.filter(pk=pk), (-7001,))
    compiled.compile()
    compiler = Permission.objects.all().query.get_compiler(using="default")
    compiler.as_sql()
    missing = [name for name in django_orm.COMPILER_ATTRIBUTES if not hasattr(compiler, name)]
    assert not missing, broken("Django", "django_orm", f"a SQL compiler has no {missing}")

    def values(obj: Any) -> dict[str, Any]:
        return {
            f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname)))
            for f in obj._meta.concrete_fields
        }

    permission = Permission.objects.first()
    assert permission is not None
    cases: list[tuple[Any, tuple[object, ...], tuple[object, ...], list[str]]] = [
        (
            lambda pk: Permission.objects.filter(pk=pk).select_related("content_type"),
            (-7001,),
            (permission.pk,),
            ["content_type"],
        ),
        (
            lambda pk: ContentType.objects.filter(pk=pk).values_list("app_label", "model"),
            (-7001,),
            (permission.content_type_id,),
            [],
        ),
        (
            lambda since: (
                django_user_model.objects.filter(date_joined__date__gte=since)
                .annotate(n=Count("groups"))
                .order_by("pk")
            ),
            (datetime.date(1901, 1, 1),),
            (timezone.localdate() - datetime.timedelta(days=5),),
            [],
        ),
    ]
    for build, stand_ins, params, relations in cases:
        query = django_orm.CompiledQuery(build, stand_ins)
        orm = list(build(*params))
        if orm and isinstance(orm[0], tuple):
            assert query.rows(params) == orm, broken(
                "Django", "django_orm", "compiled rows differ from the ORM's"
            )
            continue
        mine = query.objects(params)
        assert [values(o) for o in mine] == [values(o) for o in orm], broken(
            "Django", "django_orm", "compiled instances differ from the ORM's"
        )
        for name in relations:
            assert [values(o._state.fields_cache[name]) for o in mine] == [
                values(o._state.fields_cache[name]) for o in orm
            ], broken("Django", "django_orm", f"the related populators did not load {name!r} as the ORM does")
        if hasattr(orm[0], "n"):
            assert [o.n for o in mine] == [o.n for o in orm] == [1, 0], broken(
                "Django", "django_orm", "annotation_col_map no longer places annotations"
            )


# --- Django's database sessions ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["valid", "expired", "tampered", "missing", "none"])
def test_django_the_sessions_row_read_agrees_with_the_session_store(
    django_user_model: Any, case: str
) -> None:
    """The overridden ``_get_session_from_db`` is what ``load()`` calls, and the store built on
    it decodes exactly what Django's own store decodes, for every kind of key."""
    from django.contrib.sessions.backends import db
    from django.contrib.sessions.models import Session

    assert callable(getattr(db.SessionStore, "_get_session_from_db", None)), broken(
        "Django", "django_sessions", "db.SessionStore has no _get_session_from_db"
    )
    assert db.SessionStore().key_salt == django_sessions.DatabaseSession().key_salt, broken(
        "Django", "django_sessions", "db.SessionStore's key_salt changed"
    )
    called: list[str] = []

    class Watched(django_sessions.DatabaseSession):
        def _get_session_from_db(self) -> Any:
            called.append("yes")
            return super()._get_session_from_db()

    store = db.SessionStore()
    store["answer"] = 42
    store.create()
    key: str | None = store.session_key
    if case == "expired":
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - datetime.timedelta(seconds=1)
        )
    elif case == "tampered":
        Session.objects.filter(session_key=key).update(session_data="not-signed:xyz")
    elif case == "missing":
        key = "x" * 32
    elif case == "none":
        key = None

    mine, theirs = Watched(key), db.SessionStore(key)
    assert dict(mine.items()) == dict(theirs.items()), broken(
        "Django", "django_sessions", f"a {case} session decodes differently from db.SessionStore"
    )
    assert mine.session_key == theirs.session_key
    assert (dict(mine.items()) == {"answer": 42}) is (case == "valid")
    if case != "none":
        assert called, broken(
            "Django", "django_sessions", "SessionStore.load() no longer calls _get_session_from_db"
        )


# --- channels-redis ------------------------------------------------------------------------------


@pytest.mark.redis
def test_channels_redis_the_group_read_follows_group_add_and_discard() -> None:
    """The private group key and shard lookup find what the public ``group_add`` and
    ``group_discard`` did."""
    from channels_redis.core import RedisChannelLayer

    from tests.services import redis_url

    url = redis_url()
    layer = RedisChannelLayer(hosts=[url], prefix="contract")
    missing = [name for name in ("_group_key", "consistent_hash", "connection") if not hasattr(layer, name)]
    assert not missing and fast_redis.supports(layer), broken(
        "channels-redis", "channels_redis", f"RedisChannelLayer has no {missing}"
    )

    async def scenario() -> list[bool]:
        channel = await layer.new_channel()
        answers = [await fast_redis.lists(layer, "live.contract", channel)]
        await layer.group_add("live.contract", channel)
        answers.append(await fast_redis.lists(layer, "live.contract", channel))
        answers.append(await fast_redis.lists(layer, "live.contract", channel + "x"))
        await layer.group_discard("live.contract", channel)
        answers.append(await fast_redis.lists(layer, "live.contract", channel))
        await layer.flush()
        return answers

    assert asyncio.run(scenario()) == [False, True, False, False], broken(
        "channels-redis", "channels_redis", "the group read does not follow group_add/group_discard"
    )
