#!/bin/sh
# Back up Bangfu: the database (pg_dump, custom format), the media files (page images,
# documents) and the private files (job uploads and results, documents kept out of the public
# storage), into BACKUP_DIR/<UTC time>/ with a SHA256SUMS file; backups older than
# BACKUP_KEEP_DAYS days are removed. Prints the new backup's directory.
#
#   DATABASE_URL      postgres://user:password@host:5432/name (required)
#   BACKUP_DIR        where backups go (default /backups)
#   BACKUP_KEEP_DAYS  how many days of backups to keep (default 14)
#   MEDIA_ROOT        the media folder (default /app/var/media), archived with tar, unless
#   S3_ENDPOINT_URL   with S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY: object storage (MinIO),
#                     copied with `mc mirror` and archived the same way
#   PRIVATE_ROOT      the private files' folder (default /app/var/private), archived with tar
#   BACKUP_AGE_RECIPIENT  an age public key (age1…): every file is encrypted with `age`, or
#   BACKUP_GPG_RECIPIENT  a key id in gpg's keyring: every file is encrypted with `gpg`;
#                     the key that decrypts is kept apart from the backups (README)
#
# A backup is written to <time>.partial and renamed when complete: a directory without the
# suffix is a whole backup.
set -eu

: "${DATABASE_URL:?DATABASE_URL is required}"
BACKUP_DIR=${BACKUP_DIR:-/backups}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
MEDIA_ROOT=${MEDIA_ROOT:-/app/var/media}
PRIVATE_ROOT=${PRIVATE_ROOT:-/app/var/private}
PG_DUMP=${PG_DUMP:-pg_dump}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/$stamp"
partial="$target.partial"
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT

# --no-owner, --no-privileges: the restore may run as another database user.
"$PG_DUMP" --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" \
  --file="$partial/database.dump"

if [ -n "${S3_ENDPOINT_URL:-}" ]; then
  : "${S3_BUCKET:?S3_BUCKET is required with S3_ENDPOINT_URL}"
  mc alias set bangfu-backup "$S3_ENDPOINT_URL" "${S3_ACCESS_KEY:?}" "${S3_SECRET_KEY:?}" >/dev/null
  mc mirror --quiet "bangfu-backup/$S3_BUCKET" "$partial/media"
  tar -C "$partial/media" -czf "$partial/media.tar.gz" .
  rm -rf "$partial/media"
elif [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$partial/media.tar.gz" .
fi
if [ -d "$PRIVATE_ROOT" ]; then
  tar -C "$PRIVATE_ROOT" -czf "$partial/private.tar.gz" .
fi

files=$(cd "$partial" && ls database.dump media.tar.gz private.tar.gz 2>/dev/null || true)
if [ -n "${BACKUP_AGE_RECIPIENT:-}" ] || [ -n "${BACKUP_GPG_RECIPIENT:-}" ]; then
  encrypted=""
  for file in $files; do
    if [ -n "${BACKUP_AGE_RECIPIENT:-}" ]; then
      age --encrypt --recipient "$BACKUP_AGE_RECIPIENT" --output "$partial/$file.age" \
        "$partial/$file"
      encrypted="$encrypted $file.age"
    else
      gpg --batch --yes --trust-model always --encrypt --recipient "$BACKUP_GPG_RECIPIENT" \
        --output "$partial/$file.gpg" "$partial/$file"
      encrypted="$encrypted $file.gpg"
    fi
    rm -f "$partial/$file"
  done
  files=$encrypted
fi

# shellcheck disable=SC2086 # the names hold no spaces
(cd "$partial" && sha256sum -- $files > SHA256SUMS)
mv "$partial" "$target"
trap - EXIT

find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '2*' -mtime +"$BACKUP_KEEP_DAYS" \
  -exec rm -rf {} +
echo "$target"
