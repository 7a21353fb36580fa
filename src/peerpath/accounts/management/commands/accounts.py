"""`peerpath accounts erase-requested`: carry out the account deletions people asked for."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from peerpath.accounts import services
from peerpath.accounts.models import DeletionRequest


class Command(BaseCommand):
    help = "Account administration. `erase-requested` erases every account whose owner asked for deletion."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("erase-requested", help="Erase accounts with a pending deletion request.")

    def handle(self, *args: Any, **options: Any) -> None:
        pending = DeletionRequest.objects.filter(processed_at__isnull=True).select_related("user")
        erased = 0
        for request in pending:
            services.account_erase(actor=None, user=request.user)
            erased += 1
        self.stdout.write(self.style.SUCCESS(f"Erased {erased} account(s)."))
