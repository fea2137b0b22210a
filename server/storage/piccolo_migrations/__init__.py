"""Carnet's Piccolo migrations.

`carnet_2026_11_24t08_05_14_636558.py` builds the initial schema: every table, then the raw SQL
the tables cannot declare (composite indexes, append-only triggers). Never edit it, nor any
migration after it once merged: each schema change is a new migration, added after the others.

To add one, from the repository root:

1. Change `server/storage/tables.py`.
2. Generate the migration; Piccolo compares the tables with the snapshot the migrations describe
   and does not touch the database (against SQLite it warns that auto migrations are not fully
   supported; the generated file is the same)::

       DATABASE_URL=sqlite:///data/carnet.sqlite PICCOLO_CONF=server.storage.piccolo_conf \\
           .venv/bin/piccolo migrations new carnet --auto --desc="what changes"

3. What Piccolo cannot declare (an index over several columns, a trigger) goes in a hand-written
   migration (`piccolo migrations new carnet --desc=...`, then `manager.add_raw(...)`), with the
   SQL for both SQLite and PostgreSQL. Piccolo runs `add_raw` before the tables the same
   migration creates, so raw SQL on a new table goes in a migration of its own, after it.

Keep migrations additive: new tables, new columns (nullable or with a default), new indexes and
triggers. Renaming or dropping waits until no released code reads the old name.
`tests/server/test_migrations.py` checks, on both engines, that the migrated database equals the
tables' definition and that `--auto` finds nothing left to generate.
"""
