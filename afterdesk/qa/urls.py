from django.urls import URLPattern

app_name = "qa"

urlpatterns: list[URLPattern] = []
