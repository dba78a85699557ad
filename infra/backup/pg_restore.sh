#!/usr/bin/env bash
# Restore a dump made by pg_backup.sh into an EMPTY database, then bring the schema
# up to date (a dump of an older version) and check the audit chains.
#   PGURL=postgresql://govhall:…@db:5432/govhall_restored infra/backup/pg_restore.sh FILE
# Stop web, worker and cron first when restoring over the live database's name.
set -euo pipefail
file="${1:?usage: pg_restore.sh DUMP_FILE}"
: "${PGURL:?set PGURL to the (empty) target database, as its owner}"
tables=$(psql "$PGURL" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "refusing: the target database is not empty ($tables tables)" >&2
  exit 1
fi
pg_restore --no-owner --exit-on-error --single-transaction --dbname="$PGURL" "$file"
GOVHALL_DATABASE_URL="$PGURL" govhall migrate
GOVHALL_DATABASE_URL="$PGURL" govhall audit verify
