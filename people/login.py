"""The sign-in page (and the admin's sign-in form) with the failed sign-in limits of
people/login_throttle.py: past a limit the form says how long to wait, with 429 and
``Retry-After``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse

from people.login_throttle import wait_message


class ThrottledFormMixin:
    """An authentication form whose error says "wait" when the attempt was refused for
    too many failures (the password was then not even checked)."""

    request: Any

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            wait = getattr(self.request, "login_retry_after", 0)
            if wait:
                raise forms.ValidationError(wait_message(wait), code="throttled") from None
            raise


class LoginForm(ThrottledFormMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledFormMixin, AdminAuthenticationForm):
    pass


def with_retry_after(request: Any, response: HttpResponse) -> HttpResponse:
    wait = getattr(request, "login_retry_after", 0)
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        return with_retry_after(self.request, super().form_invalid(form))
