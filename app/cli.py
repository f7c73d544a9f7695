"""Flask commands: demo data, the audit trail check, the outbox relay, the deadline sweep and
the rotation of the key that encrypts stored secrets."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db


@click.command("seed-demo")
@with_appcontext
@click.option("--quiet", is_flag=True, help="Do not print the demo accounts.")
def seed_demo_command(quiet: bool) -> None:
    """Seed the fictional demo world (once; does nothing if it is already there)."""
    from app.demo.seed import seed_demo

    accounts = seed_demo(current_app.config["DEMO_PASSWORD"])
    if accounts is None:
        click.echo("Demo data is already present.")
        return
    if not quiet:
        click.echo(f"Demo accounts (password from DEMO_PASSWORD: {current_app.config['DEMO_PASSWORD']}):")
        for account in accounts:
            click.echo(f"  {account.email:<48} {account.authority:<42} {account.role}")


@click.command("verify-audit")
@click.option("--anchors", "anchor_files", type=click.File("r"), multiple=True,
              help="A log holding earlier 'audit-head' lines: each chain must still hold them.")
@with_appcontext
def verify_audit_command(anchor_files) -> None:
    """Prove that no authority's audit trail was altered outside the product, then print each
    chain's head as an anchor line for the application log (keep them: pass them back with
    --anchors to prove later that no chain was cut short or rewritten since)."""
    from app.audit.services import check_anchor, current_anchor, verify_chain
    from app.tenants.models import Authority
    from app.tenants.scoping import acting_for_chain

    anchors = _newest_anchors(anchor_files)
    failures = 0
    chains = [(None, "platform")] + [
        (a.id, a.name) for a in db.session.scalars(select(Authority).order_by(Authority.id))
    ]
    heads = []
    for tenant_id, name in chains:
        with acting_for_chain(db.session, tenant_id, why="verifying the audit trail"):
            problems = verify_chain(db.session, tenant_id)
            anchored = anchors.pop(tenant_id or 0, None)
            if anchored is not None:
                problems += check_anchor(db.session, tenant_id, anchored)
            heads.append(current_anchor(db.session, tenant_id))
        for problem in problems:
            click.echo(f"{name}: {problem}", err=True)
        failures += len(problems)
    for chain in anchors:
        click.echo(f"chain {chain}: anchored but its authority is gone", err=True)
        failures += 1
    for head in filter(None, heads):
        current_app.logger.info(head.line())
        click.echo(head.line())
    if failures:
        raise click.ClickException(f"{failures} problem(s) found in the audit trail")
    click.echo(f"Audit trail intact for {len(chains)} chains.")


@click.command("refresh-key-dates")
@with_appcontext
def refresh_key_dates_command() -> None:
    """Recompute the key dates each host shares with placing authorities (run once after
    upgrading to revision 0010; every change of a case keeps them fresh afterwards)."""
    from app.cases.key_dates import refresh_authority
    from app.tenants.models import Authority
    from app.tenants.scoping import acting_for_authority

    total = 0
    for authority_id in list(db.session.scalars(select(Authority.id).order_by(Authority.id))):
        with acting_for_authority(db.session, authority_id, why="refreshing key dates"):
            total += refresh_authority(authority_id)
    click.echo(f"Key dates refreshed for {total} cases.")


def _newest_anchors(files) -> dict:
    """Return, per chain, the longest anchor found in the given logs."""
    from app.audit.services import Anchor

    newest: dict[int, Anchor] = {}
    for file in files:
        for line in file:
            anchor = Anchor.parse(line)
            if anchor and anchor.length >= getattr(newest.get(anchor.chain), "length", -1):
                newest[anchor.chain] = anchor
    return newest


outbox_cli = click.Group("outbox", help="The outbox of messages waiting to be sent.")


@outbox_cli.command("relay")
@click.option("--loop", "interval", type=float, default=None,
              help="Keep relaying every INTERVAL seconds instead of once.")
@with_appcontext
def relay_command(interval: float | None) -> None:
    """Hand due messages to RQ (or, with no REDIS_URL, deliver them here)."""
    import time

    from app.jobs.outbox import relay_once
    from app.jobs.queue import enqueuer

    while True:
        try:
            handed = relay_once(enqueuer())
            click.echo(f"{handed} message(s) handed on")
        except Exception as error:  # the database went away: say so and carry on looping
            if interval is None:
                raise
            click.echo(f"relay failed, trying again: {error}", err=True)
        if interval is None:
            return
        db.session.remove()
        time.sleep(interval)


sweep_cli = click.Group("sweep", help="Reminders of deadlines coming due and broken.")


@sweep_cli.command("run")
@with_appcontext
def sweep_run_command() -> None:
    """Queue the deadline reminders now due (once), then hand them on as the relay does."""
    from app.jobs.outbox import relay_once
    from app.jobs.queue import enqueuer
    from app.jobs.sweep import sweep_once

    queued = sweep_once()
    handed = relay_once(enqueuer())
    click.echo(f"{queued} reminder(s) queued, {handed} message(s) handed on")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the recurring work (outbox relay, deadline sweep) until stopped; survives outages."""
    import logging
    import signal
    import threading

    from app.jobs.scheduler import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("scheduler started")
    run(stop)
    click.echo("scheduler stopped")


@click.command("rotate-secrets")
@with_appcontext
def rotate_secrets_command() -> None:
    """Re-encrypt stored secrets under the first SECRETS_ENCRYPTION_KEY key (after adding one)."""
    from app.admin.operations import rotate_secrets

    click.echo(f"{rotate_secrets()} secret(s) re-encrypted under the first key")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(rotate_secrets_command)
    app.cli.add_command(verify_audit_command)
    app.cli.add_command(refresh_key_dates_command)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(sweep_cli)
    app.cli.add_command(scheduler_command)
