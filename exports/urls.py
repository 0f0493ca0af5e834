from django.urls import path

from .views import ExportView

urlpatterns = [
    path("sdtm.zip", ExportView.as_view(kind="sdtm"), name="api-export-sdtm"),
    path("odm.xml", ExportView.as_view(kind="odm"), name="api-export-odm"),
    path("forms.zip", ExportView.as_view(kind="forms"), name="api-export-forms"),
]
