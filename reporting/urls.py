from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.report_page, name="report"),
    path("plots/<slug:name>/", views.plot_download, name="plot"),
    path("report.pdf", views.pdf_download, name="pdf"),
    path("data-cuts/", views.data_cuts, name="data-cuts"),
    path("data-cuts/<int:cut_pk>/", views.data_cut_report, name="data-cut"),
    path("data-cuts/<int:cut_pk>/plots/<slug:name>/", views.data_cut_plot, name="data-cut-plot"),
    path("data-cuts/<int:cut_pk>/report.pdf", views.data_cut_pdf, name="data-cut-pdf"),
]
