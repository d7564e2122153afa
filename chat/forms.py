from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tasks.forms import INPUT


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, widget=forms.TextInput(attrs={"class": INPUT}))
    is_private = forms.BooleanField(label=_("Private: only the people I invite"), required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("Invite"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": INPUT, "size": 4}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = get_user_model().objects.filter(is_active=True).exclude(pk=user.pk)
        self.fields["members"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    caption = forms.CharField(label=_("Caption"), max_length=4000, required=False)


class InviteForm(forms.Form):
    """Whom a member can add to a private room: active people not in it yet."""

    user = forms.ModelChoiceField(
        label=_("Invite"),
        queryset=get_user_model().objects.none(),
        empty_label=_("Choose someone"),
        error_messages={
            "invalid_choice": _("That person cannot be invited (already a member, or inactive).")
        },
    )

    def __init__(self, *args: Any, room: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(pk__in=room.members.values("pk"))
            .order_by("first_name", "username")
        )
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
