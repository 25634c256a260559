"""The mailbox form of the admins' page: the fields of `services.mailboxes.mailbox_save`.
Password fields are never filled in from what is stored: empty keeps the password, the
"remove" box removes it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.channels.mailbox_models import Security
from afterdesk.commerce.models import Store


class MailboxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.EmailField(label=_("Address buyers write to"), max_length=254)
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.order_by("name"),
        required=False,
        help_text=_("The store new buyers of this mailbox belong to"),
    )
    enabled = forms.BooleanField(
        label=_("Enabled (polled and used for sending)"), required=False, initial=True
    )
    imap_host = forms.CharField(label=_("IMAP server"), max_length=255, required=False)
    imap_port = forms.IntegerField(
        label=_("IMAP port"),
        min_value=1,
        max_value=65535,
        required=False,
        help_text=_("Empty: 993 with SSL/TLS, 143 otherwise"),
    )
    imap_security = forms.ChoiceField(
        label=_("IMAP security"), choices=Security.choices, initial=Security.SSL
    )
    imap_username = forms.CharField(label=_("IMAP user name"), max_length=255, required=False)
    imap_password = forms.CharField(
        label=_("IMAP password"),
        max_length=1000,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    imap_password_remove = forms.BooleanField(label=_("Remove the IMAP password"), required=False)
    imap_folder = forms.CharField(label=_("Folder to poll"), max_length=255, initial="INBOX")
    smtp_host = forms.CharField(label=_("SMTP server"), max_length=255, required=False)
    smtp_port = forms.IntegerField(
        label=_("SMTP port"),
        min_value=1,
        max_value=65535,
        required=False,
        help_text=_("Empty: 465 with SSL/TLS, 587 with STARTTLS, 25 otherwise"),
    )
    smtp_security = forms.ChoiceField(
        label=_("SMTP security"), choices=Security.choices, initial=Security.STARTTLS
    )
    smtp_username = forms.CharField(label=_("SMTP user name"), max_length=255, required=False)
    smtp_password = forms.CharField(
        label=_("SMTP password"),
        max_length=1000,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    smtp_password_remove = forms.BooleanField(label=_("Remove the SMTP password"), required=False)

    def __init__(self, *args: Any, password_set: dict[str, bool] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for which, is_set in (password_set or {}).items():
            field = self.fields[f"{which}_password"]
            field.help_text = _("Set; leave empty to keep it") if is_set else _("Not set")

    def changes(self) -> dict[str, Any]:
        """What `mailbox_save` takes: passwords only when typed or removed."""
        data = dict(self.cleaned_data)
        store = data.pop("store")
        changes: dict[str, Any] = {**data, "store": store.code if store else None}
        for which in ("imap", "smtp"):
            remove = changes.pop(f"{which}_password_remove")
            if remove:
                changes[f"{which}_password"] = ""
            elif not changes[f"{which}_password"]:
                del changes[f"{which}_password"]
        return changes
