"""The path converter of subject IDs in URLs: `<subject:subject_id>`.

The model refuses subject IDs that a URL path segment cannot carry as they are (`trial_edc.
subject_ids`), but a database may hold IDs given before that rule, with a "/" or a space.
Django's `<str:>` cannot match a "/", so a page linking to such a patient failed to build the
link and answered 500, for every role. This converter percent-encodes the ID into one segment and
decodes it back, so every ID has a working link; an ID of letters, digits, "-" and "_" (every ID
the rules now admit) is written unchanged.
"""

from urllib.parse import quote, unquote

from django.urls import register_converter

SUBJECT = "subject"
SUBJECT_ID = f"<{SUBJECT}:subject_id>"  # the path parameter, as the URL configurations write it


class SubjectIdConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return unquote(value)

    def to_url(self, value) -> str:
        segment = quote(str(value), safe="")
        # "." and ".." are path steps to a browser, which would resolve them away.
        return segment.replace(".", "%2E") if segment in (".", "..") else segment


register_converter(SubjectIdConverter, SUBJECT)
