"""The small forms of the query cycle, shown on the record's page."""

from django import forms

from core.forms import required_text_field

WHOLE_RECORD = ("", "The whole record")


class QueryRaiseForm(forms.Form):
    field_name = forms.ChoiceField(label="About", required=False)
    question = required_text_field("Query")

    def __init__(self, *args, field_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_name"].choices = [WHOLE_RECORD, *field_choices]


class QueryAnswerForm(forms.Form):
    answer = required_text_field("Answer")


class QueryReopenForm(forms.Form):
    reason = required_text_field("Why re-open")


def field_choices(crf_form) -> list[tuple[str, str]]:
    """(field name, label) of a CRF form's data fields, for "About"."""
    form = crf_form()
    return [(name, str(field.label)) for name, field in form.fields.items()
            if name not in ("row_version", "reason")]
