#!/usr/bin/env bash
# Mirror the blob store (materials, documents, certificates) to a second
# S3-compatible bucket or a directory with MinIO's client.
#   SOURCE=govhall/govhall TARGET=backup/govhall-blobs infra/backup/blobs_backup.sh
# Set the aliases first: mc alias set govhall http://minio:9000 KEY SECRET.
# Blobs are written once and never changed, so a mirror without --remove
# is an incremental, append-only copy; take the database dump first, then mirror,
# and every blob the dump refers to is in the copy.
set -euo pipefail
: "${SOURCE:?set SOURCE (alias/bucket)}" "${TARGET:?set TARGET (alias/bucket or directory)}"
mc mirror --overwrite --preserve "$SOURCE" "$TARGET"
