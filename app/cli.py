"""`flask baton ...` commands for developers and operators."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.config import ROOT
from app.tunnel import TunnelError, point_at_tunnel

baton = AppGroup("baton", help="Baton's developer and operator commands.")


@baton.command("tunnel")
@click.argument("url")
@click.option("--toml", "toml_path", default=str(ROOT / "shopify.app.toml"), type=Path)
@click.option("--env", "env_path", default=str(ROOT / ".env"), type=Path)
def tunnel(url: str, toml_path: Path, env_path: Path) -> None:
    """Point shopify.app.toml and .env at a tunnel URL such as https://x.ngrok-free.app."""
    try:
        origin = point_at_tunnel(url, toml_path, env_path)
    except TunnelError as error:
        raise click.BadParameter(str(error)) from error
    click.echo(f"App URL is now {origin}. Run `shopify app deploy` to push the new URLs,")
    click.echo("then restart `make run` so the app reads SHOPIFY_APP_URL.")


@baton.command("sweep")
def sweep() -> None:
    """Queue stored deliveries that never reached the worker (the worker also does this)."""
    from app.intake import announce_deliveries, waiting_deliveries

    waiting, _ = waiting_deliveries()
    if not announce_deliveries(waiting):
        raise click.ClickException("Redis did not answer; the worker's sweeper will queue them.")
    click.echo(f"queued {len(waiting)} deliveries")


@baton.command("replay")
@click.argument("delivery_id", type=int)
def replay(delivery_id: int) -> None:
    """Put a failed or ignored delivery back in line for processing."""
    from app.intake import requeue_delivery

    click.echo(requeue_delivery(delivery_id))


@baton.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored secret under the first of ENCRYPTION_KEYS, and report counts."""
    from app.key_rotation import rotate_keys as rotate

    reports = rotate()
    for name, report in reports.items():
        click.echo(
            f"{name}: {report.rotated} re-encrypted, {report.current} already under the first"
            f" key, {report.unreadable} unreadable"
        )
    if any(report.unreadable for report in reports.values()):
        raise click.ClickException(
            "Some values no key in ENCRYPTION_KEYS can read: keep the key that wrote them."
        )
    click.echo("Every readable secret is under the first key; older keys can now be removed.")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(baton)
