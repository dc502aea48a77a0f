"""`flask baton tunnel URL` points shopify.app.toml and .env at a development tunnel."""

import tomllib

from app.config import ROOT


def test_tunnel_rewrites_the_app_urls(runner, tmp_path):
    toml_path = tmp_path / "shopify.app.toml"
    toml_path.write_text((ROOT / "shopify.app.toml").read_text())
    env_path = tmp_path / ".env"
    env_path.write_text("SECRET_KEY=x\nSHOPIFY_APP_URL=https://old.example\n")

    result = runner.invoke(
        args=[
            "baton",
            "tunnel",
            "https://abc123.ngrok-free.app/",
            "--toml",
            str(toml_path),
            "--env",
            str(env_path),
        ]
    )
    assert result.exit_code == 0, result.output

    config = tomllib.loads(toml_path.read_text())
    assert config["application_url"] == "https://abc123.ngrok-free.app"
    assert config["auth"]["redirect_urls"] == ["https://abc123.ngrok-free.app/auth/callback"]
    # Relative: the CLI resolves it against application_url, so it follows the tunnel.
    assert config["app_proxy"]["url"] == "/proxy"
    assert config["app_proxy"]["prefix"] == "apps"
    # Everything else, webhooks and their comments included, is untouched.
    original = tomllib.loads((ROOT / "shopify.app.toml").read_text())
    assert config["webhooks"] == original["webhooks"]
    assert "# Handler: app.shops.mark_uninstalled" in toml_path.read_text()
    assert env_path.read_text() == "SECRET_KEY=x\nSHOPIFY_APP_URL=https://abc123.ngrok-free.app\n"


def test_tunnel_adds_the_setting_to_an_env_without_it(runner, tmp_path):
    toml_path = tmp_path / "shopify.app.toml"
    toml_path.write_text((ROOT / "shopify.app.toml").read_text())
    env_path = tmp_path / ".env"
    result = runner.invoke(
        args=[
            "baton",
            "tunnel",
            "https://t.trycloudflare.com",
            "--toml",
            str(toml_path),
            "--env",
            str(env_path),
        ]
    )
    assert result.exit_code == 0
    assert env_path.read_text() == "SHOPIFY_APP_URL=https://t.trycloudflare.com\n"


def test_tunnel_refuses_plain_http(runner, tmp_path):
    toml_path = tmp_path / "shopify.app.toml"
    toml_path.write_text((ROOT / "shopify.app.toml").read_text())
    result = runner.invoke(
        args=[
            "baton",
            "tunnel",
            "http://insecure.example",
            "--toml",
            str(toml_path),
            "--env",
            str(tmp_path / ".env"),
        ]
    )
    assert result.exit_code != 0
    assert "https" in result.output
    assert toml_path.read_text() == (ROOT / "shopify.app.toml").read_text()


def test_tunnel_moves_an_absolute_proxy_url_keeping_its_path(runner, tmp_path):
    toml_path = tmp_path / "shopify.app.toml"
    toml_path.write_text(
        (ROOT / "shopify.app.toml")
        .read_text()
        .replace('url = "/proxy"', 'url = "https://old.example/proxy"')
    )
    result = runner.invoke(
        args=[
            "baton",
            "tunnel",
            "https://t.trycloudflare.com",
            "--toml",
            str(toml_path),
            "--env",
            str(tmp_path / ".env"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert tomllib.loads(toml_path.read_text())["app_proxy"]["url"] == (
        "https://t.trycloudflare.com/proxy"
    )
