"""The sitemap of public threads (issue 6 point 2): answers in forums anyone may read reach people searching.
Members-only threads are never listed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from peerpath.forum.models import Thread
from peerpath.forum.selectors import public_threads

if TYPE_CHECKING:
    ThreadSitemapBase = Sitemap[Thread]
else:
    ThreadSitemapBase = Sitemap  # Django's Sitemap is generic for the type checker only


class PublicThreadSitemap(ThreadSitemapBase):
    changefreq = "daily"
    limit = 5000

    def items(self) -> QuerySet[Thread]:
        return public_threads().only("pk", "space_id", "last_activity_at")

    def location(self, item: Thread) -> str:
        return reverse("thread_detail", kwargs={"space_id": item.space_id, "thread_id": item.pk})

    def lastmod(self, item: Thread) -> datetime:
        return item.last_activity_at


SITEMAPS: dict[str, type[ThreadSitemapBase]] = {"forum": PublicThreadSitemap}
