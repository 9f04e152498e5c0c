"""`assistant follow add URL | list | remove URL | run | article URL`: the followed sources from the terminal."""

from __future__ import annotations

import json

import click


def _follower(ctx: click.Context):
    from assistant.cli import _assistant
    from assistant.follow.follower import Follower

    return Follower(_assistant(ctx))


@click.group(name="follow")
def follow() -> None:
    """Follow news sources (RSS/Atom feeds, sitemaps, a site's page announcing its feed):
    fetched politely, kept under the corpus folder's feeds/, ingested like any file."""


@follow.command(name="add")
@click.argument("url")
@click.pass_context
def follow_add(ctx: click.Context, url: str) -> None:
    """Follow URL: a feed, a sitemap or news sitemap, or a page whose feed it announces."""
    source = _follower(ctx).add(url)
    via = f" (its feed {source.feed_url})" if source.feed_url != source.url else ""
    click.echo(f"Following {source.url}{via}: a {source.kind}{', ' + source.title if source.title else ''}. `assistant follow run` fetches it.")


@follow.command(name="remove")
@click.argument("url")
@click.pass_context
def follow_remove(ctx: click.Context, url: str) -> None:
    """Stop following URL (what was fetched from it stays in the corpus and the index)."""
    source = _follower(ctx).remove(url)
    click.echo(f"No longer following {source.url}.")


@follow.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def follow_list(ctx: click.Context, as_json: bool) -> None:
    """The followed sources: last fetch, new articles and errors."""
    from dataclasses import asdict

    sources = _follower(ctx).sources()
    if as_json:
        click.echo(json.dumps([asdict(s) for s in sources], indent=2))
        return
    if not sources:
        click.echo("No source is followed; add one with `assistant follow add URL`.")
    for s in sources:
        errors = f", {len(s.last_errors)} errors: {s.last_errors[0]}" if s.last_errors else ""
        click.echo(f"{s.url} ({s.kind}): last fetch {s.last_fetch or 'never'}, {s.last_new} new, {s.articles} articles in all{errors}")


@follow.command(name="run")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def follow_run(ctx: click.Context, as_json: bool) -> None:
    """Fetch every followed source once and ingest what is new or changed."""
    from dataclasses import asdict

    report = _follower(ctx).run()
    click.echo(json.dumps(asdict(report), indent=2) if as_json else report.summary())


@follow.command(name="article")
@click.argument("url")
@click.pass_context
def follow_article(ctx: click.Context, url: str) -> None:
    """Fetch one article by URL and add it to the index."""
    result = _follower(ctx).add_article(url)
    click.echo(f"{url}: {len(result.new)} added, {len(result.revised)} new versions, {result.unchanged} unchanged")
