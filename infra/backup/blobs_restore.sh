#!/usr/bin/env bash
# Copy the blobs back from a mirror made by blobs_backup.sh into the (new) store.
#   SOURCE=backup/govhall-blobs TARGET=govhall/govhall infra/backup/blobs_restore.sh
set -euo pipefail
: "${SOURCE:?set SOURCE}" "${TARGET:?set TARGET}"
mc mirror --preserve "$SOURCE" "$TARGET"
