from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.report_page, name="report"),
    path("plots/<slug:name>/", views.plot_download, name="plot"),
    path("report.pdf", views.pdf_download, name="pdf"),
]
