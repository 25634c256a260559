from django.contrib import admin
from django.urls import include, path

from afterdesk.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("afterdesk.accounts.urls")),
    path("calendars/", include("afterdesk.calendars.urls")),
    path("performance/", include("afterdesk.metrics.urls")),
    path("alerts/", include("afterdesk.alerts.urls")),
    path("reports/", include("afterdesk.reports.urls")),
    path("bonuses/", include("afterdesk.bonuses.urls")),
    path("channels/", include("afterdesk.channels.urls")),
    path("widget/", include("afterdesk.channels.widget_urls")),  # the store chat widget
    path("webhooks/tracking/", include("afterdesk.parcels.webhook_urls")),  # AfterShip, 17TRACK
    path("webhooks/", include("afterdesk.stores.webhook_urls")),  # Shopify, WooCommerce
    path("stores/", include("afterdesk.stores.urls")),
    path("replies/", include("afterdesk.replies.urls")),  # templates, macros, knowledge base
    path("", include("afterdesk.core.urls")),  # /healthz, /metrics
    path("", include("afterdesk.surveys.urls")),  # /s/<token>/ (buyers), /surveys/settings/
    path("", include("afterdesk.sla.urls")),  # /sla/policies/, a ticket's "no response needed"
    path("", include("afterdesk.returns.urls")),  # /returns/: queue, cases, warehouse check-in
    path("", include("afterdesk.routing.urls")),  # /routing/: rules, skills, presence, approvals
    path("", include("afterdesk.automations.urls")),  # /automations/: rules, dry run, log
    path("", include("afterdesk.notifications.urls")),  # /notifications/
    path("", include("afterdesk.qa.urls")),  # /qa/: rubrics, review queues, disputes, calibration
    path("", include("afterdesk.training.urls")),  # /training/: courses, exams, certifications
    path("", include("afterdesk.recognition.urls")),  # /recognition/: monthly awards, badges
    path("", include("afterdesk.tickets.urls")),
]
