"""What the dashboard is asked to show: the period, the granularity of its time charts and
the order of its top products, read from the query string. Bad input gets its error and the
defaults in its place, so the page still shows."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.http import QueryDict
from django.utils.http import urlencode

from dashboard import roles, selectors
from dashboard.kpis import GRANULARITIES, Period, today
from shop.models import User

PRESETS = {
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "12m": "Last 12 months",
}
DEFAULT_PERIOD = "30d"
TOP_BY = {"revenue": "By revenue", "units": "By units"}


def preset(name: str, *, until: date | None = None) -> Period:
    """A named period ending on `until` (today by default); "12m" starts the day after the
    same day a year before."""
    end = until or today()
    if name == "12m":
        try:
            year_before = end.replace(year=end.year - 1)
        except ValueError:  # 29 February
            year_before = end.replace(year=end.year - 1, day=28)
        return Period(year_before + timedelta(days=1), end)
    return Period.last({"today": 1, "7d": 7, "30d": 30, "90d": 90}[name], until=end)


@dataclass(frozen=True)
class Choice:
    """The dashboard's state. `granularity` is "" when left to the period's length."""

    period_name: str
    period: Period
    granularity: str = ""
    top: str = "revenue"

    @property
    def step(self) -> str:
        """The time charts' granularity: as chosen, else days up to 45 days, weeks up to
        200, months beyond."""
        if self.granularity:
            return self.granularity
        days = self.period.days
        return "day" if days <= 45 else "week" if days <= 200 else "month"

    def params(self, **changes: object) -> dict[str, str]:
        """The query parameters that say this state, defaults left out."""
        choice = replace(self, **changes)
        params = {}
        if choice.period_name != DEFAULT_PERIOD:
            params["period"] = choice.period_name
        if choice.period_name == "custom":
            params["start"] = choice.period.start.isoformat()
            params["end"] = choice.period.end.isoformat()
        if choice.granularity:
            params["granularity"] = choice.granularity
        if choice.top != "revenue":
            params["top"] = choice.top
        return params

    def query(self, **changes: object) -> str:
        params = self.params(**changes)
        return f"?{urlencode(params)}" if params else ""


class DashboardForm(forms.Form):
    period = forms.ChoiceField(
        label="Period", required=False, choices=[*PRESETS.items(), ("custom", "Custom range")]
    )
    start = forms.DateField(label="From", required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    granularity = forms.ChoiceField(
        label="Show by", required=False,
        choices=[("", "Automatic"), *((g, g.capitalize()) for g in GRANULARITIES)],
    )
    top = forms.ChoiceField(label="Rank products", required=False, choices=list(TOP_BY.items()),
                            widget=forms.RadioSelect)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("period") == "custom" and "start" in data and "end" in data:
            if not data["start"] or not data["end"]:
                raise forms.ValidationError("Give both the first and the last day of the range.")
            try:
                data["range"] = Period(data["start"], data["end"])
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        return data

    def choice(self) -> Choice:
        """The state asked for; for what is invalid, the default (call after is_valid())."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        name = data.get("period") or DEFAULT_PERIOD
        if name == "custom" and "range" not in data:
            name = DEFAULT_PERIOD
        period = data["range"] if name == "custom" else preset(name)
        return Choice(name, period, data.get("granularity") or "", data.get("top") or "revenue")


def read_choice(params: QueryDict) -> tuple[Choice, DashboardForm]:
    """The state a query string asks for, and the form showing it (with its errors)."""
    form = DashboardForm(params)
    form.is_valid()
    choice = form.choice()
    if form.errors:
        return choice, form
    # Shown as it is now: a preset's own dates, so a switch to "custom" starts from them.
    shown = {**choice.params(period_name="custom"), "period": choice.period_name,
             "granularity": choice.granularity, "top": choice.top}
    return choice, DashboardForm(shown)


class ActivityForm(forms.Form):
    """The activity log's filters: who, what, and which day."""

    actor = forms.ModelChoiceField(
        label="Staff member", required=False, queryset=User.objects.none(),
        empty_label="Anyone",
    )
    action = forms.ChoiceField(label="Action", required=False)
    day = forms.DateField(label="Day", required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = selectors.staff_members()
        self.fields["action"].choices = [("", "Any action"),
                                         *((a, a) for a in selectors.actions())]


# --- managing staff -------------------------------------------------------------------------


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    roles = RolesField(help_text="You can give only roles you hold yourself.")

    def __init__(self, *args: Any, grantable: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(role, role) for role in grantable]


class RolesForm(forms.Form):
    roles = RolesField(required=False)

    def __init__(self, *args: Any, grantable: list[str], held: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        # What the person holds is shown, even roles the editor may not give.
        shown = [role for role in roles.ROLES if role in grantable or role in held]
        self.fields["roles"].choices = [(role, role) for role in shown]


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ: type the same one twice.")
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
