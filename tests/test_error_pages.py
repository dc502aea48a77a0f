"""Pages a person follows a link to answer errors as pages in Baton's style, saying what to do;
APIs keep answering JSON."""


def test_a_missing_admin_page_is_a_styled_page_with_a_way_back(client):
    answer = client.get("/app/no-such-page")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert "<h1>This page does not exist</h1>" in page
    assert 'href="/app"' in page and "admin.css" in page and "favicon.svg" in page
    assert "Werkzeug" not in page and "The requested URL was not found" not in page


def test_an_api_path_keeps_its_json_error(client):
    answer = client.get("/admin/api/no-such-thing")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"


def test_the_favicon_is_served(client):
    answer = client.get("/static/favicon.svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
