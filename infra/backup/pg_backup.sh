#!/usr/bin/env bash
# Back up govhall's PostgreSQL database to a compressed custom-format dump.
#   PGURL=postgresql://govhall:…@db:5432/govhall infra/backup/pg_backup.sh /backups
# Keeps the newest $KEEP dumps (default 14). Run daily from cron or a CronJob; the
# dump is consistent (one snapshot) while govhall keeps serving.
set -euo pipefail
dir="${1:?usage: pg_backup.sh DIRECTORY}"
: "${PGURL:?set PGURL to the URL of the database owner}"
keep="${KEEP:-14}"
mkdir -p "$dir"
file="$dir/govhall-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --compress=6 --no-owner --file="$file.partial" "$PGURL"
mv "$file.partial" "$file"
pg_restore --list "$file" >/dev/null   # the dump is readable
ls -1t "$dir"/govhall-*.dump | tail -n +"$((keep + 1))" | xargs -r rm --
echo "$file"
