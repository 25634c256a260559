from django.urls import path

from afterdesk.stores import views

app_name = "stores"

urlpatterns = [
    path("", views.connections_page, name="connections"),
    path("new/", views.connection_edit, name="connection_new"),
    path("<int:connection_id>/", views.connection_edit, name="connection"),
    path("<int:connection_id>/sync/", views.connection_sync_now, name="connection_sync"),
    path(
        "<int:connection_id>/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry_now,
        name="delivery_retry",
    ),
    path("import/", views.import_page, name="import"),
    path("import/<int:import_id>/confirm/", views.import_run, name="import_confirm"),
]
