"""URL configuration. Each app owns its URLs; this module only mounts them."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from config.health import health, web_health
from elections import views as election_views
from elections.eligibility import eligibility

urlpatterns = [
    path("", election_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("healthz/web", web_health, name="health_web"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path("accounts/", include("allauth.urls")),
    path("eligibility/", eligibility, name="eligibility"),
    path("results/", include("elections.results.urls")),
    path("api/", include("elections.results.api_urls")),
    path("vote/", include("elections.voting.urls")),
    path("officials/", include("elections.results.dashboard_urls")),
    path("", include("elections.urls")),
]
