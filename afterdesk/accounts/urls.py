from django.contrib.auth import views as auth_views
from django.urls import path

from afterdesk.accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's view: POST `language` (+ `next`), stores the choice in the language cookie (and
    # on the signed-in person's account, for their emails).
    path("language/", views.language_set, name="set_language"),
    path("positions/", views.positions_page, name="positions"),
    path("positions/<path:username>/", views.position_set, name="position_set"),
    path("people/", views.people_page, name="people"),
    path("people/teams/", views.team_add, name="team_add"),
    path("people/teams/<int:team_id>/", views.team_rename, name="team_rename"),
    path("people/<path:username>/", views.person_page, name="person"),
    path("tokens/", views.tokens_page, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
