from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import NETWORK_ROLES, Network, Organisation, Role

PAGE_FIELDS = ["description", "website", "email", "phone", "address", "area"]


class OrganisationPageForm(forms.ModelForm):
    """What an organisation's own editors may change: its public page."""

    website = forms.URLField(
        label=_("website"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = Organisation
        fields = PAGE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, network: Network | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        municipality_id = network.municipality_id if network else self.instance.municipality_id
        self.fields["area"].queryset = self.fields["area"].queryset.filter(
            municipality_id=municipality_id
        )


class OrganisationForm(OrganisationPageForm):
    """What a network administrator may change: the record itself."""

    class Meta(OrganisationPageForm.Meta):
        fields = ["name", "kind", *PAGE_FIELDS, "is_active", "is_trusted"]

    def __init__(self, *args, network: Network, **kwargs) -> None:
        super().__init__(*args, network=network, **kwargs)
        self.network = network

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not slugify(name):
            raise forms.ValidationError(_("Use at least one letter or digit in the name."))
        return name


class NetworkForm(forms.ModelForm):
    class Meta:
        model = Network
        fields = ["name", "tagline", "description", "contact_email", "areas"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "areas": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = self.fields["areas"].queryset.filter(
            municipality_id=self.instance.municipality_id
        )


class MembershipForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We send an invitation to this address. No account yet? One is made."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Leave empty for a network administrator."),
    )

    def __init__(self, *args, network: Network, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.in_network(network).order_by(
            "name"
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        role, organisation = cleaned.get("role"), cleaned.get("organisation")
        if role and role not in NETWORK_ROLES and organisation is None:
            self.add_error("organisation", _("Choose the organisation this role is for."))
        return cleaned


class DeleteAccountForm(forms.Form):
    """Deleting asks for the password: a phone left signed in on a table must not be
    enough to erase someone's account."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        help_text=_("Everything listed above is removed for good."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your password. Your account has not been deleted.")
            )
        return password


class InvitationForm(SetPasswordForm):
    """Someone invited says their name and chooses a password, on one form."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How others in the network see you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["name", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["name"].initial = user.name
        self.order_fields(self.field_order)
