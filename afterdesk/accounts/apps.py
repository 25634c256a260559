from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "afterdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"
