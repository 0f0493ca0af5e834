from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from api.docs import RedocPage, SwaggerPage
from casebook import site_views as views
from casebook.notification_views import my_notifications

admin.site.site_header = "RD13-02 trial EDC: administration"
admin.site.site_title = "Trial EDC admin"
handler400 = views.bad_request

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("patients/", include("casebook.patient_urls")),
    path("product/", include("casebook.product_urls")),
    path("queries/", include("casebook.monitoring_urls")),
    path("dlt-review/", include("casebook.dlt_urls")),
    path("deviations/", include("casebook.deviation_urls")),
    path("casebook-signature/", include("casebook.signoff_urls")),
    path("reports/", include("reporting.urls")),
    path("notifications/", my_notifications, name="my-notifications"),
    path("api/v1/exports/", include("exports.urls")),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/schema/swagger-ui/", SwaggerPage.as_view(url_name="api-schema"),
         name="api-swagger-ui"),
    path("api/schema/redoc/", RedocPage.as_view(url_name="api-schema"),
         name="api-redoc"),
    path("admin/", admin.site.urls),
]
