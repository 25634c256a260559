from django.urls import URLPattern

app_name = "recognition"

urlpatterns: list[URLPattern] = []
