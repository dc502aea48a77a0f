"""The admin's page routes: embedded pages behind Shopify's id_token, the preview frame, and the
demo admin, which exists only while no real Shopify credentials are configured."""

import jwt
import pytest

from app.admin.pages import PAGES
from tests.factories import demo_app
from tests.shopify_signing import SHOP, session_token


@pytest.mark.parametrize("page", [key for key in PAGES if key != "home"])
def test_every_embedded_page_renders_for_its_shop_and_only_frames_in_its_admin(
    client, installed_shop, page
):
    installed_shop()
    answer = client.get(f"/app/{page}?shop={SHOP}&host=abc&id_token={session_token()}")
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    )
    html = answer.get_data(as_text=True)
    assert "app-bridge.js" in html and 'id="page-error"' in html
    # Links inside the app keep Shopify's query so the next page opens authorised.
    assert f'href="/app/{page}?shop={SHOP}&amp;host=abc"' in html
    assert "demo-banner" not in html


def test_the_campaign_editor_pages_render(client, installed_shop):
    installed_shop()
    for path in ("/app/campaigns/new", "/app/campaigns/7"):
        answer = client.get(f"{path}?shop={SHOP}&id_token={session_token()}")
        assert answer.status_code == 200
        assert 'id="preview"' in answer.get_data(as_text=True)


def test_an_unknown_page_is_a_404_and_a_stale_token_bounces(client, installed_shop):
    installed_shop()
    assert client.get(f"/app/nope?shop={SHOP}&id_token={session_token()}").status_code == 404
    stale = session_token(exp=1_000_000_000)
    bounced = client.get(f"/app/analytics?shop={SHOP}&id_token={stale}")
    assert bounced.status_code == 302 and "shopify-reload" in bounced.headers["Location"]


def test_the_preview_frame_holds_no_data_and_serves_only_the_widget(client):
    page = client.get("/admin/preview")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self';"
    assert client.get("/admin/preview/assets/baton-game.js").status_code == 200
    assert client.get("/admin/preview/assets/baton-embed.liquid").status_code == 404
    assert client.get("/admin/preview/assets/..%2Fblocks%2Fbaton-embed.liquid").status_code == 404


def test_the_demo_admin_is_refused_outright_with_real_credentials(client):
    # The suite's app is configured with Shopify credentials: no demo routes exist at all.
    for path in ("/demo/admin", "/demo/admin/analytics", "/demo/admin/session-token"):
        assert client.get(path).status_code == 404


def test_the_demo_admin_needs_no_session_token_and_mints_one_for_the_demo_shop(
    demo_database, redis_server
):
    demo = demo_app(demo_database, redis_server.url)
    with demo.test_client() as client:
        page = client.get("/demo/admin/analytics")
        assert page.status_code == 200 and "Demo mode." in page.get_data(as_text=True)
        token = client.get("/demo/admin/session-token").get_json()["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["dest"] == "https://baton-demo.myshopify.com"
    assert claims["exp"] - claims["iat"] <= 60
