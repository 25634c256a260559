from django.contrib import admin
from django.urls import include, path

from afterdesk.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("afterdesk.accounts.urls")),
    path("", include("afterdesk.tickets.urls")),
]
