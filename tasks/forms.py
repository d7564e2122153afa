from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import Board, Task
from tasks.selectors import assignable_users

INPUT = (
    "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm "
    "focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 "
    "aria-invalid:border-red-500"
)


class TaskForm(forms.ModelForm):
    """Create a task: the HTML form and the ``task.create`` socket action share it."""

    class Meta:
        model = Task
        fields = ["title", "description", "assignee", "due_date"]
        labels = {
            "title": _("Title"),
            "description": _("Description"),
            "assignee": _("Assignee"),
            "due_date": _("Due date"),
        }
        error_messages = {"title": {"required": _("Give the task a title.")}}
        widgets = {
            "title": forms.TextInput(attrs={"class": INPUT, "autocomplete": "off", "maxlength": 200}),
            "description": forms.Textarea(attrs={"class": INPUT, "rows": 3}),
            "assignee": forms.Select(attrs={"class": INPUT}),
            "due_date": forms.DateInput(attrs={"class": INPUT, "type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(board)
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["assignee"].empty_label = _("Nobody")


class TaskRefForm(forms.Form):
    """A socket action that names one task: ``{"action": "task.complete", "task": 42}``."""

    task = forms.IntegerField(min_value=1)
