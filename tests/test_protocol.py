"""One parser for what every htmx sends over a socket (live/protocol.py), on frames recorded
from Debian's Chromium on the chat page: htmx 2.0 with htmx-ext-ws 2, and htmx 4.0 beta with
hx-ws, as django-htmx ships them (the composer's message, its typing signal, the read marker's
report). htmx 4.0.1 changed the shape again; its frame is the one its hx-ws.js builds."""

from __future__ import annotations

import pytest

from live.protocol import FrameError, Inbound, parse

CAP = 64 * 1024

HTMX2 = {
    "message": '{"action":"message.send","client_id":"87cdb9543c00444c8d305df48bb6f578","message":"Hi @maria","HEADERS":{"HX-Request":"true","HX-Trigger":null,"HX-Trigger-Name":null,"HX-Target":null,"HX-Current-URL":"http://127.0.0.1:8765/chat/team/","X-CSRFToken":"mfKK5Ft5KSrfDERtaf0LPap6fIogiKDzdAZNgKrO8SIwLTqDN8KW0DAMpGrECFBZ"}}',
    "typing": '{"action":"typing","client_id":"87cdb9543c00444c8d305df48bb6f578","message":"H","HEADERS":{"HX-Request":"true","HX-Trigger":"message","HX-Trigger-Name":"message","HX-Target":"message","HX-Current-URL":"http://127.0.0.1:8765/chat/team/","X-CSRFToken":"mfKK5Ft5KSrfDERtaf0LPap6fIogiKDzdAZNgKrO8SIwLTqDN8KW0DAMpGrECFBZ"}}',
    "read": '{"action":"read","upto":2,"HEADERS":{"HX-Request":"true","HX-Trigger":null,"HX-Trigger-Name":null,"HX-Target":null,"HX-Current-URL":"http://127.0.0.1:8765/chat/team/","X-CSRFToken":"mfKK5Ft5KSrfDERtaf0LPap6fIogiKDzdAZNgKrO8SIwLTqDN8KW0DAMpGrECFBZ"}}',
}
HTMX4_BETA = {
    "message": '{"headers":{"HX-Request":"true","HX-Source":"form","HX-Current-URL":"http://127.0.0.1:8765/chat/team/","HX-Request-Type":"partial","HX-Target":"form","HX-Request-ID":"f291b90e-9e10-483b-8b2a-9a45fd89870c"},"body":{"action":"message.send","client_id":"87cdb9543c00444c8d305df48bb6f578","message":"Hi @maria"}}',
    "typing": '{"headers":{"HX-Request":"true","HX-Source":"input#message","HX-Current-URL":"http://127.0.0.1:8765/chat/team/","HX-Request-Type":"partial","HX-Target":"input#message","HX-Request-ID":"0d342f93-60fa-49e3-9b10-145749bb9786"},"body":{"action":"typing","client_id":"87cdb9543c00444c8d305df48bb6f578","message":"H"}}',
    "read": '{"headers":{"HX-Request":"true","HX-Source":"div","HX-Current-URL":"http://127.0.0.1:8765/chat/team/","HX-Request-Type":"partial","HX-Target":"div","HX-Request-ID":"5d8fb62f-06d6-49a0-a170-6705af65236d"},"body":{"action":"read","upto":2}}',
}
HTMX4 = {  # 4.0.1: JSON.stringify({...values, headers: {...}})
    "message": '{"action":"message.send","client_id":"87cdb9543c00444c8d305df48bb6f578","message":"Hi @maria","headers":{"HX-Request":"true","HX-Source":"form#room-1-composer","HX-Current-URL":"http://127.0.0.1:8765/chat/team/","HX-Target":"form#room-1-composer"}}',
    "typing": '{"action":"typing","client_id":"87cdb9543c00444c8d305df48bb6f578","message":"H","headers":{"HX-Request":"true","HX-Source":"input#message","HX-Current-URL":"http://127.0.0.1:8765/chat/team/","HX-Target":"input#message"}}',
    "read": '{"action":"read","upto":2,"headers":{"HX-Request":"true","HX-Source":"div","HX-Current-URL":"http://127.0.0.1:8765/chat/team/","HX-Target":"div"}}',
}
EXPECTED = {
    "message": ("message.send", {"client_id": "87cdb9543c00444c8d305df48bb6f578", "message": "Hi @maria"}),
    "typing": ("typing", {"client_id": "87cdb9543c00444c8d305df48bb6f578", "message": "H"}),
    "read": ("read", {"upto": "2"}),  # a JSON number reaches the form as text, as a POST would
}


@pytest.mark.parametrize("recorded", [HTMX2, HTMX4_BETA, HTMX4], ids=["htmx2", "htmx4-beta", "htmx4.0.1"])
@pytest.mark.parametrize("what", list(EXPECTED))
def test_every_htmx_frame_reads_as_the_same_action_and_values(recorded: dict[str, str], what: str) -> None:
    inbound = parse(recorded[what], max_bytes=CAP)

    assert isinstance(inbound, Inbound)
    assert (inbound.action, inbound.values) == EXPECTED[what]
    assert inbound.headers["HX-Current-URL"] == "http://127.0.0.1:8765/chat/team/"


@pytest.mark.parametrize(
    "text",
    [
        '{"headers": {"HX-Request": "true"}, "body": {"message": "no action"}}',
        '{"headers": [1], "action": "read"}',
        '{"HEADERS": "x", "action": "read"}',
        '{"action": "read", "upto": [1, 2]}',  # htmx 4 sends repeated names as lists: no form of ours has one
        '{"headers": {}, "body": {"action": {"nested": true}}}',
    ],
)
def test_frames_of_no_known_shape_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(FrameError) as refused:
        parse(text, max_bytes=CAP)
    assert str(refused.value).startswith("Message")
