"""REST API: the lesson's TaskViewSet, on the same actions as the pages, so every API write
updates open boards exactly like a click does. Scoped to the boards the caller can see:
another board's ids answer like ids that do not exist."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tasks import actions
from tasks.models import Board, Task
from tasks.numbers import whole_number
from tasks.openapi import ErrorsDocumented
from tasks.selectors import boards_visible_to, default_board


class TaskSerializer(serializers.ModelSerializer):
    board = serializers.PrimaryKeyRelatedField(
        queryset=Board.objects.none(), required=False, help_text="Board id; the default board if omitted."
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="User id of the assignee, or null.",
    )
    completed = serializers.BooleanField(required=False, help_text="Set to complete or reopen.")

    class Meta:
        model = Task
        fields = ["id", "board", "title", "description", "assignee", "due_date", "completed", "version"]
        read_only_fields = ["id", "version"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["board"].queryset = boards_visible_to(request.user)
        return fields

    def validate_board(self, board: Board) -> Board:
        if self.instance is not None and board != self.instance.board:
            raise ValidationError(_("A task cannot move to another board through the API."))
        return board


def _as_drf(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("board", OpenApiTypes.INT, description="Only this board's tasks."),
            OpenApiParameter(
                "completed", OpenApiTypes.BOOL, description="Only done (true) or open (false) tasks."
            ),
        ]
    )
)
class TaskViewSet(viewsets.ModelViewSet):
    """Tasks on the boards you can see, newest change first."""

    serializer_class = TaskSerializer
    schema = ErrorsDocumented()

    def get_queryset(self) -> QuerySet[Task]:
        tasks = Task.objects.filter(board__in=boards_visible_to(self.request.user)).select_related("board")
        board = self.request.query_params.get("board")
        if board is not None:
            board_id = whole_number(board)
            tasks = tasks.filter(board_id=board_id) if board_id is not None else tasks.none()
        completed = self.request.query_params.get("completed")
        if completed in {"true", "1", "false", "0"}:
            tasks = tasks.filter(completed=completed in {"true", "1"})
        return tasks.order_by("-version")

    def perform_create(self, serializer: TaskSerializer) -> None:
        data = dict(serializer.validated_data)
        board = data.pop("board", None) or default_board()
        if board is None:
            raise ValidationError({"board": [_("There is no default board; name one.")]})
        completed = data.pop("completed", False)
        try:
            task = actions.task_create(board=board, by=self.request.user, **data)
            if completed:
                task = actions.task_complete(task=task, by=self.request.user)
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None
        serializer.instance = task

    def perform_update(self, serializer: TaskSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("board", None)
        completed = data.pop("completed", None)
        task = serializer.instance
        try:
            if data:
                task = actions.task_update(task=task, by=self.request.user, **data)
            if completed is True:
                task = actions.task_complete(task=task, by=self.request.user)
            elif completed is False:
                task = actions.task_reopen(task=task, by=self.request.user)
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None
        serializer.instance = task

    def perform_destroy(self, instance: Task) -> None:
        actions.task_delete(task=instance, by=self.request.user)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the task done (no change if it already is)."""
        task = actions.task_complete(task=self.get_object(), by=request.user)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Mark the task not done (no change if it already is open)."""
        task = actions.task_reopen(task=self.get_object(), by=request.user)
        return Response(self.get_serializer(task).data)
