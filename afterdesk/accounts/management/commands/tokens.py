"""`afterdesk tokens create USERNAME NAME [--expires-in-days N | --expires-at WHEN]`,
`afterdesk tokens list [--user USERNAME]` and `afterdesk tokens revoke ID`.

`create` prints the token's key on stdout and nothing else: it is shown this once (only its
SHA-256 is stored), e.g. to give a script its first token without a browser (docs/api.md,
"Authentication"). The same rules as the API and the API tokens page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from afterdesk.accounts import services
from afterdesk.accounts.models import ApiToken, User
from afterdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = actions.add_parser("create", help="a new token; prints its key, shown once")
        create.add_argument("username", help="the user the token acts as")
        create.add_argument("name", help="what the token is for, e.g. nightly-export")
        lifetime = create.add_mutually_exclusive_group()
        lifetime.add_argument(
            "--expires-in-days", type=int, help="the token stops working this many days on"
        )
        lifetime.add_argument(
            "--expires-at",
            help="ISO 8601 moment the token stops working (without a zone: in TIME_ZONE)",
        )
        listing = actions.add_parser("list", help="every token (never the keys), newest first")
        listing.add_argument("--user", help="only this user's tokens")
        revoke = actions.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as error:
            field = f" ({error.field})" if error.field else ""
            raise CommandError(f"{error.message}{field}") from error

    def _create(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        expires_at = None
        if options["expires_at"]:
            try:
                expires_at = datetime.fromisoformat(options["expires_at"])
            except ValueError as error:
                raise CommandError(
                    f"--expires-at {options['expires_at']!r} is not an ISO 8601 moment"
                ) from error
        expiry = services.api_token_expiry(
            expires_at=expires_at, expires_in_days=options["expires_in_days"]
        )
        _token, key = services.api_token_create(user=user, name=options["name"], expires_at=expiry)
        self.stdout.write(key)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        now = timezone.now()
        for token in tokens:
            expired = token.expires_at is not None and token.expires_at <= now
            state = "revoked" if token.revoked_at else "expired" if expired else "active"
            expires = token.expires_at.isoformat() if token.expires_at else "never"
            last = token.last_used_at.isoformat() if token.last_used_at else "-"
            self.stdout.write(
                f"{token.pk}\t{token.user.username}\t{token.name}\t{token.prefix}…\t"
                f"{state}\texpires {expires}\tlast used {last}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"no token {options['id']}")
        services.api_token_revoke(token=token)
        self.stdout.write(f"revoked token {token.pk} ({token})")
