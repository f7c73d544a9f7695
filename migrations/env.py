"""Alembic environment: migrations run as the role that owns the tables.

``MIGRATION_DATABASE_URL`` names the owner; the app itself connects through ``DATABASE_URL`` as
a role that only has DML rights, so that PostgreSQL row-level security applies to it.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def migration_url() -> str:
    return current_app.config.get("MIGRATION_DATABASE_URL") or str(
        target_db.engine.url.render_as_string(hide_password=False)
    )


def run_migrations_offline():
    context.configure(url=migration_url(), target_metadata=target_db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.pop("render_as_batch", None)
    engine = create_engine(migration_url())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_db.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                **conf_args,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
