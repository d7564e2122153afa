"""REST API for chat: rooms you can read, their messages, your read position. Rooms you
cannot read answer 404, like rooms that do not exist. A message posted here appears live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from chat import actions
from chat.models import BODY_MAX, Message, Room
from chat.selectors import HISTORY, latest_messages, older, read_position, rooms_visible_to
from tasks.numbers import whole_number
from tasks.openapi import INVALID, ErrorsDocumented


class RoomSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        write_only=True,
        help_text="User ids to invite to a private room.",
    )

    class Meta:
        model = Room
        fields = ["slug", "name", "board", "is_private", "members", "created_at"]
        read_only_fields = ["slug", "board", "created_at"]


class MessageSerializer(serializers.ModelSerializer):
    body = serializers.CharField(max_length=BODY_MAX, allow_blank=False, trim_whitespace=True)
    client_id = serializers.CharField(
        max_length=64,
        required=False,
        write_only=True,
        help_text="Your id for this message: sending it again stores it once.",
    )
    attachment = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "seq", "author", "body", "client_id", "attachment", "created_at"]
        read_only_fields = ["id", "seq", "author", "created_at"]
        # Not the validator DRF derives from the (author, client_id) constraint: it makes the
        # optional client_id required. actions.message_send keeps a resend to one message.
        validators: list[Any] = []

    def get_attachment(self, message: Message) -> dict[str, Any] | None:
        if message.attachment is None:
            return None
        return {
            "name": message.attachment.name,
            "size": message.attachment.size,
            "content_type": message.attachment.content_type,
            "url": message.attachment.get_absolute_url(),
        }


ReadSerializer = inline_serializer("ReadPosition", {"upto": serializers.IntegerField(min_value=0)})
MessagePage = inline_serializer(
    "MessagePage",
    {
        "results": MessageSerializer(many=True),
        "more": serializers.BooleanField(help_text="Older messages exist (ask with ?before=)."),
        "page_size": serializers.IntegerField(),
    },
)


class RoomViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Chat rooms you can read."""

    serializer_class = RoomSerializer
    schema = ErrorsDocumented()
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"  # a slug, as in the pages' URLs (and so in the schema)

    def get_queryset(self) -> QuerySet[Room]:
        return rooms_visible_to(self.request.user).order_by("name")

    def perform_create(self, serializer: RoomSerializer) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = actions.room_create(
                by=self.request.user,
                name=data["name"],
                is_private=data.get("is_private", False),
                members=list(data.get("members", [])),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None

    @extend_schema(
        methods=["GET"],
        responses={200: MessagePage, 400: INVALID},
        parameters=[
            OpenApiParameter("before", OpenApiTypes.INT, description="Only messages before this seq.")
        ],
    )
    @extend_schema(methods=["POST"], request=MessageSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["get", "post"])
    def messages(self, request: Request, slug: str | None = None) -> Response:
        """GET: a page of messages, oldest first (the latest 50, or 50 before ``before``).
        POST: send one; it appears live in the room."""
        room = self.get_object()
        if request.method == "POST":
            serializer = MessageSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                message = actions.message_send(
                    room=room,
                    by=request.user,
                    body=serializer.validated_data["body"],
                    client_id=serializer.validated_data.get("client_id"),
                )
            except DjangoValidationError as exc:
                raise ValidationError(exc.message_dict) from None
            return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
        before = request.query_params.get("before")
        if before is not None:
            before_seq = whole_number(before)
            if before_seq is None:
                raise ValidationError({"before": [_("A whole number.")]})
            rows, more = older(room.pk, before_seq)
        else:
            rows, more = latest_messages(room.pk)
        return Response(
            {"results": MessageSerializer(rows, many=True).data, "more": more, "page_size": HISTORY}
        )

    @extend_schema(methods=["GET"], responses=ReadSerializer)
    @extend_schema(methods=["POST"], request=ReadSerializer, responses=ReadSerializer)
    @action(detail=True, methods=["get", "post"])
    def read(self, request: Request, slug: str | None = None) -> Response:
        """Your read position in the room (a message seq). POST moves it forward, never back."""
        room = self.get_object()
        if request.method == "POST":
            data = request.data if isinstance(request.data, Mapping) else {}  # JSON may be "a string"
            upto = data.get("upto")
            if not isinstance(upto, int) or isinstance(upto, bool) or upto < 0:
                raise ValidationError({"upto": [_("A whole number, zero or more.")]})
            return Response({"upto": actions.read_upto(room=room, user=request.user, seq=upto)})
        return Response({"upto": read_position(room.pk, request.user.pk)})
