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
    # Links the pages build keep Shopify's query so the next page opens authorised.
    assert f'"query": "shop={SHOP}\\u0026host=abc"' in html
    assert "demo-banner" not in html


@pytest.mark.parametrize("page", list(PAGES))
def test_inside_shopify_app_bridge_draws_the_navigation_and_title_bar(client, installed_shop, page):
    installed_shop()
    path = "/app" if page == "home" else f"/app/{page}"
    html = client.get(f"{path}?shop={SHOP}&host=abc&id_token={session_token()}").get_data(
        as_text=True
    )
    # The admin's sidebar is the navigation: no second one drawn in the page.
    assert '<ui-nav-menu>\n    <a href="/app" rel="home">Home</a>' in html
    assert 'class="app-nav"' not in html
    # The admin's title bar has the page's title; the h1 stays for screen readers.
    assert f'<ui-title-bar title="{PAGES[page][0]}">' in html
    assert f"<h1>{PAGES[page][0]}</h1>" in html
    assert html.index("/static/polaris-tokens.css") < html.index("/static/admin.css")


def test_inside_shopify_the_editor_has_app_bridges_save_bar_and_a_save_action(
    client, installed_shop
):
    installed_shop()
    for path, title in (
        ("/app/campaigns/new", "New campaign"),
        ("/app/campaigns/7", "Edit campaign"),
    ):
        html = client.get(f"{path}?shop={SHOP}&host=abc&id_token={session_token()}").get_data(
            as_text=True
        )
        assert '<ui-save-bar id="campaign-save-bar">' in html
        assert '<button variant="primary" id="app-save"></button>' in html
        assert f'<ui-title-bar title="{title}">' in html
        # Saving is the save bar's: the title bar has no second Save competing with it.
        assert 'id="title-save"' not in html
        assert f'<a variant="breadcrumb" href="/app/campaigns?shop={SHOP}&amp;host=abc">' in html
        # The in-page bar stays for a blocked App Bridge, and for field errors.
        assert 'class="save-bar"' in html and 'id="form-message"' in html
        assert 'class="app-nav"' not in html
    campaigns = client.get(f"/app/campaigns?shop={SHOP}&id_token={session_token()}")
    assert (
        f'<a variant="primary" href="/app/campaigns/new?shop={SHOP}">New campaign</a>'
        in campaigns.get_data(as_text=True)
    )


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
        # Outside Shopify there is no App Bridge: the page draws its own navigation and bars.
        html = page.get_data(as_text=True)
        assert 'class="app-nav"' in html and "app-bridge.js" not in html
        assert "<ui-nav-menu>" not in html and "<ui-title-bar" not in html
        editor = client.get("/demo/admin/campaigns/new").get_data(as_text=True)
        assert "<ui-save-bar" not in editor and 'class="save-bar"' in editor
        token = client.get("/demo/admin/session-token").get_json()["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["dest"] == "https://baton-demo.myshopify.com"
    assert claims["exp"] - claims["iat"] <= 60
