from django.urls import path

from exports.views import export_view

urlpatterns = [
    path("sdtm.zip", export_view("sdtm"), name="api-export-sdtm"),
    path("odm.xml", export_view("odm"), name="api-export-odm"),
    path("forms.zip", export_view("forms"), name="api-export-forms"),
]
