"""The page crawler's own rules: which links it follows, and how it keeps a walk finite."""

from tests.crawler import QUERY_VARIANTS, VERSIONS_PER_MODEL, _Frontier, links_of, read_page

PAGE = """
<a href="/patients/">list</a> <a href="RD-001/#queries">relative, with a fragment</a>
<a href="https://example.org/">another site</a> <a href="mailto:x@example.org">mail</a>
<a href="/static/css/edc.css">a static file</a>
<form method="post" action="/queries/1/close/"><input name="note" value="x"></form>
<form action="/patients/"><input name="q" value=""><select name="page">
  <option value="1">1</option><option value="2" selected>2</option></select>
  <input type="checkbox" name="locked" value="1"><button type="submit">Search</button></form>
"""


def test_links_are_same_site_pages_and_get_forms_as_submitted():
    assert links_of(PAGE, "/patients/") == [
        "/patients/", "/patients/RD-001/", "/patients/?q=&page=2"]


def test_post_forms_are_counted_with_those_that_lack_the_csrf_token():
    tokened = ('<form method="POST"><input type="hidden" name="csrfmiddlewaretoken" value="t">'
               '<input name="reason"></form>')
    page = read_page(PAGE + tokened + tokened, "/patients/")
    assert (page.post_forms, page.untokened_post_forms) == (3, 1)
    empty_token = '<form method="post"><input name="csrfmiddlewaretoken" value=""></form>'
    assert read_page(empty_token, "/").untokened_post_forms == 1


def test_a_path_is_followed_with_a_few_query_strings_only():
    frontier = _Frontier("/")
    for sort in range(QUERY_VARIANTS + 3):
        frontier.add(f"/admin/pk/pksample/?o={sort}", "/")
    frontier.add("/admin/pk/pksample/", "/")
    assert len(frontier.queue) == 1 + QUERY_VARIANTS + 1


def test_the_way_back_to_a_changelist_does_not_make_another_page():
    frontier = _Frontier("/")
    frontier.add("/admin/pk/pksample/3/change/?_changelist_filters=o%3D1", "/")
    frontier.add("/admin/pk/pksample/3/change/?_changelist_filters=o%3D2", "/")
    assert [url for url, _ in frontier.queue][1:] == ["/admin/pk/pksample/3/change/"]


def test_past_versions_are_sampled_per_model_while_every_object_is_visited():
    frontier = _Frontier("/")
    for pk in range(1, 6):
        frontier.add(f"/admin/pk/pksample/{pk}/history/", "/")
        frontier.add(f"/admin/pk/pksample/{pk}/history/{pk + 100}/", "/")
    queued = [url for url, _ in frontier.queue]
    assert sum(url.endswith("/history/") for url in queued) == 5
    assert len(queued) == 1 + 5 + VERSIONS_PER_MODEL
