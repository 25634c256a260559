"""The connection form and the CSV upload form (secrets write-only: never filled in again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.commerce.models import Platform, Store

SECRET_HELP = _("Stored encrypted, never shown. Leave empty to keep the stored one.")


class ConnectionForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    name = forms.CharField(label=_("Name"), max_length=150)
    base_url = forms.CharField(
        label=_("Store address"),
        max_length=300,
        required=False,
        help_text=_(
            "https://your-shop.myshopify.com or your WordPress site (https). Amazon and eBay: "
            "leave empty."
        ),
    )
    api_version = forms.CharField(
        label=_("Shopify API version"), max_length=20, required=False, help_text="2025-10"
    )
    market = forms.CharField(label=_("Market"), max_length=10, required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    access_token = forms.CharField(
        label=_("Shopify Admin API access token"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=SECRET_HELP,
    )
    consumer_key = forms.CharField(
        label=_("WooCommerce consumer key"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=SECRET_HELP,
    )
    consumer_secret = forms.CharField(
        label=_("WooCommerce consumer secret"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=SECRET_HELP,
    )
    client_id = forms.CharField(
        label=_("Client ID (Amazon LWA, eBay App ID)"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=SECRET_HELP,
    )
    client_secret = forms.CharField(
        label=_("Client secret (Amazon LWA, eBay Cert ID)"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=SECRET_HELP,
    )
    refresh_token = forms.CharField(
        label=_("Refresh token (Amazon, eBay)"),
        max_length=4000,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=SECRET_HELP,
    )
    region = forms.ChoiceField(
        label=_("Amazon region"),
        required=False,
        choices=[("", "—"), ("NA", "NA"), ("EU", "EU"), ("FE", "FE")],
    )
    marketplace_id = forms.CharField(
        label=_("Amazon marketplace ID"),
        max_length=20,
        required=False,
        help_text="ATVPDKIKX0DER (US), A1PA6795UKMFR9 (DE), A1F83G8C2ARO7P (UK) …",
    )
    seller_id = forms.CharField(label=_("Amazon seller ID"), max_length=40, required=False)
    environment = forms.ChoiceField(
        label=_("eBay environment"),
        required=False,
        choices=[("", "—"), ("production", _("Production")), ("sandbox", _("Sandbox"))],
    )
    webhook_secret = forms.CharField(
        label=_("Webhook secret"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Shopify: the app's client secret. WooCommerce: the webhook's secret."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["platform"].disabled = True


class ImportForm(forms.Form):
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=Store.objects.order_by("name", "code"), to_field_name="code"
    )
    file = forms.FileField(label=_("CSV file"))
