"""Pages and htmx endpoints. Writes call tasks.actions; their effect on the page arrives
over the socket, for the person who acted as for everyone else (one ordered update path),
so these endpoints answer only with what concerns the actor: the form, an error, or a note where
their keyboard focus goes next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from live.poll import nudge, socket_path
from tasks import actions, dom, live
from tasks.forms import TaskForm
from tasks.models import Board
from tasks.regions import done_count, open_count, task_lists
from tasks.selectors import (
    WALL_LIMIT,
    activity_for_user,
    board_get_for_user,
    boards_visible_to,
    following_events,
    task_get_for_user,
    viewer_for,
)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Every board the user can see, with live counts, and the activity across them."""
    board_ids = list(boards_visible_to(request.user).values_list("pk", flat=True))
    feed = live.activity_feed(dom.ACTIVITY_FEED, activity_for_user(request.user), show_board=True, oob=False)
    context = {"board_ids": board_ids, "feed": feed, "live_socket": socket_path("tasks-socket")}
    return render(request, "tasks/home.html", context)


@login_required
@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    """The cross-board activity feed on its own, for a wall screen."""
    activities = activity_for_user(request.user, limit=WALL_LIMIT)
    feed = live.activity_feed(dom.ACTIVITY_FEED, activities, show_board=True, oob=False)
    context = {"feed": feed, "live_socket": socket_path("activity-socket")}
    return render(request, "tasks/activity.html", context)


def _board_page(request: HttpRequest, board: Board, form: TaskForm, *, status: int = 200) -> HttpResponse:
    lists = task_lists.render_lists(viewer=viewer_for(request.user), oob=False, board=board.pk)
    columns = [
        ("open", _("Open"), open_count.render(oob=False, board=board.pk), lists["open"]),
        ("done", _("Done"), done_count.render(oob=False, board=board.pk), lists["done"]),
    ]
    context = {
        "board": board,
        "columns": columns,
        "form": form,
        "live_socket": socket_path("board-socket", board_id=board.pk),
        "following": following_events(request.user, board),
        # a task opened from a notification (?task=<id>): shown which (task_highlight)
        "highlight": int(request.GET["task"]) if request.GET.get("task", "").isdigit() else None,
    }
    return render(request, "tasks/board.html", context, status=status)


@login_required
@require_GET
def board_detail(request: HttpRequest, slug: str) -> HttpResponse:
    board = board_get_for_user(request.user, slug=slug)
    return _board_page(request, board, TaskForm(board=board))


@require_GET
@cache_control(public=True, max_age=7 * 24 * 3600)
def task_highlight(request: HttpRequest, pk: int) -> HttpResponse:
    """The look of the task a notification opened, as a stylesheet of one rule: the card is
    replaced by the socket's snapshot right after the page loads, which ends its ``:target``,
    while a rule on its id outlasts every swap. Says nothing about the task but its number."""
    css = (
        f"#task-{pk} {{ outline: 3px solid var(--color-amber-400); outline-offset: 2px; "
        "background-color: var(--color-amber-50); scroll-margin-top: 5rem; }\n"
    )
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@login_required
@require_POST
def board_follow(request: HttpRequest, slug: str) -> HttpResponse:
    """A manager turns the board's event notifications on or off; the answer is the switch."""
    board = board_get_for_user(request.user, slug=slug)
    try:
        following = actions.board_follow(
            board=board, by=request.user, follow=request.POST.get("follow") == "1"
        )
    except PermissionDenied as exc:
        return _error(request, str(exc), status=403)
    if not request.htmx:
        return redirect(board)
    return render(request, "tasks/partials/follow.html", {"board": board, "following": following})


@login_required
@require_POST
def task_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Create from the board's form. The new card reaches the page over the socket; the
    response is the form again: empty after success, with inline errors (422) otherwise."""
    board = board_get_for_user(request.user, slug=slug)
    form = TaskForm(request.POST, board=board)
    if form.is_valid():
        try:
            task = actions.task_create(board=board, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
        else:
            if request.htmx:
                context = {"form": TaskForm(board=board), "board": board, "created": task}
                return nudge(render(request, "tasks/partials/task_form.html", context))
            return redirect(board)
    if request.htmx:
        return render(request, "tasks/partials/task_form.html", {"form": form, "board": board}, status=422)
    return _board_page(request, board, form, status=422)


def _task_action(request: HttpRequest, pk: int, action: Callable[..., Any], verb: str) -> HttpResponse:
    task = task_get_for_user(request.user, pk)
    try:
        action(task=task, by=request.user)
    except PermissionDenied as exc:
        return _error(request, str(exc), status=403)
    if request.htmx:
        # Into the list's note above the cards (the card's hx-target), which the socket never
        # replaces: the card itself may already be gone when this answer arrives.
        note = render_to_string(
            "tasks/partials/focus_note.html", {"verb": verb, "title": task.title}, request
        )
        return nudge(HttpResponse(note))
    return redirect(task.board)


def _error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """An error for the actor only: the page's error banner (htmx) or the error page."""
    if not request.htmx:
        raise PermissionDenied(message)
    return render(request, "live/error.html", {"message": message, "oob": True}, status=status)


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(request, pk, actions.task_complete, "completed")


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(request, pk, actions.task_reopen, "reopened")


@login_required
@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(request, pk, actions.task_delete, "deleted")
