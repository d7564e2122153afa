"""Chat pages. Messages are sent over the room's socket; files go up by HTTP (htmx multipart:
a WebSocket frame cannot carry a file without custom JavaScript) and are then shared live."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import actions, files
from chat.consumers import ReadForm, SendForm
from chat.forms import InviteForm, RoomForm, UploadForm
from chat.live import composer, message_item, send_from_composer
from chat.models import Attachment, Room
from chat.permissions import can_read
from chat.selectors import older, room_get_for_user, rooms_visible_to
from live.poll import nudge, socket_path
from tasks.numbers import whole_number


@require_GET
def seen_style(request: HttpRequest) -> HttpResponse:
    """ "Seen by" without the reader: the line is one render for everyone in the room
    (chat/regions.py), so each reader's page takes their own name out of it with one rule of
    CSS (and the line as a whole when nobody else has read it)."""
    css = ""
    if request.user.is_authenticated:
        me = f'.seen-name[data-reader="{request.user.pk}"]'
        css = (
            f"{me} {{ display: none; }}\n"
            f"{me}:first-child + .seen-name > .seen-sep {{ display: none; }}\n"
            f'.seen-by:not(:has(.seen-name:not([data-reader="{request.user.pk}"]))) {{ display: none; }}\n'
        )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    patch_cache_control(response, private=True, max_age=24 * 3600)
    patch_vary_headers(response, ("Cookie",))
    return response


def _rooms_context(request: HttpRequest) -> dict[str, object]:
    return {"rooms": rooms_visible_to(request.user)}


@login_required
@require_http_methods(["GET", "POST"])
def room_list(request: HttpRequest) -> HttpResponse:
    """Every room the user can read, and the form to make a new one."""
    form = RoomForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            room = actions.room_create(
                by=request.user,
                name=form.cleaned_data["name"],
                is_private=form.cleaned_data["is_private"],
                members=list(form.cleaned_data["members"]),
            )
        except ValidationError as exc:
            form.add_error("name", exc.messages)
        else:
            return redirect(room)
    status = 422 if form.errors else 200
    context = {"form": form, "live_socket": socket_path("rooms-socket")}
    return render(request, "chat/rooms.html", context, status=status)


@login_required
@require_GET
def room_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _room_page(request, room_get_for_user(request.user, slug=slug))


def _room_page(
    request: HttpRequest, room: Room, *, invite: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        **_rooms_context(request),
        "room": room,
        "composer": composer(room, oob=False),
        "upload": UploadForm(),
        "invite": invite or InviteForm(room=room),
        "members": room.members.order_by("first_name", "username") if room.is_private else None,
        "live_socket": socket_path("room-socket", room=room.slug),
    }
    return render(request, "chat/room.html", context, status=status)


@login_required
@require_GET
def room_messages(request: HttpRequest, room_id: int) -> HttpResponse:
    """Older messages ("load older", htmx): a page of them with the next button above."""
    room = room_get_for_user(request.user, pk=room_id)
    before = whole_number(request.GET.get("before"))
    if before is None:
        raise Http404(_("Bad page."))
    messages, more = older(room.pk, before)
    context = {
        "room_id": room.pk,
        "before": messages[0].seq if messages and more else None,
        "items": [message_item(message) for message in messages],
    }
    return render(request, "chat/partials/older_page.html", context)


@login_required
@require_POST
def room_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Share a file: refused ones say why, in the form; a shared one appears in the room live."""
    room = room_get_for_user(request.user, slug=slug)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.attachment_share(
                room=room,
                by=request.user,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
            )
        except files.Refused as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            form.add_error("caption", exc.messages)
        else:
            form = UploadForm()
            return nudge(
                render(request, "chat/partials/upload.html", {"room": room, "upload": form, "shared": True})
            )
    return render(request, "chat/partials/upload.html", {"room": room, "upload": form}, status=422)


@login_required
@require_POST
def room_send(request: HttpRequest, slug: str) -> HttpResponse:
    """Post a message from the composer over HTTP, while the page's socket is down (live/poll.py):
    the same as over the socket. The answer is the composer, fresh or showing what is wrong."""
    room = room_get_for_user(request.user, slug=slug)
    form = SendForm(request.POST)
    if not form.is_valid():
        error = _("That message could not be read.")
        return HttpResponse(
            composer(room, value=request.POST.get("message", ""), error=error, oob=False), status=422
        )
    html, posted = send_from_composer(
        room, request.user, form.cleaned_data["message"], form.cleaned_data["client_id"], oob=False
    )
    return nudge(HttpResponse(html)) if posted else HttpResponse(html, status=422)


@login_required
@require_POST
def room_read(request: HttpRequest, room_id: int) -> HttpResponse:
    """Move one's read position forward over HTTP (the read marker while the page polls)."""
    room = room_get_for_user(request.user, pk=room_id)
    form = ReadForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    actions.read_upto(room=room, user=request.user, seq=form.cleaned_data["upto"])
    return HttpResponse(status=204)


@login_required
@require_POST
def room_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Add someone to a private room; a refused choice shows its reason on the room page."""
    room = room_get_for_user(request.user, slug=slug)
    form = InviteForm(request.POST, room=room)
    if form.is_valid():
        try:
            actions.room_invite(room=room, by=request.user, user=form.cleaned_data["user"])
        except PermissionDenied:
            raise PermissionDenied(_("Only members of a private room can invite to it.")) from None
        except ValidationError as exc:
            form.add_error("user", exc.messages)
        else:
            return redirect(room)
    return _room_page(request, room, invite=form, status=422)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A shared file, for those who can read its room only (404 for everyone else, like a
    missing one). Never rendered by the browser as a page: images inline, the rest downloaded."""
    found = Attachment.objects.filter(pk=pk).select_related("room", "room__board").first()
    if found is None or not can_read(request.user, found.room):
        raise Http404(_("No such file."))
    inline = found.is_image and "download" not in request.GET
    response = FileResponse(
        found.file.open("rb"), as_attachment=not inline, filename=found.name, content_type=found.content_type
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
