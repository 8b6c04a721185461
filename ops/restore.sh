#!/bin/sh
# Restore a backup made by ops/backup.sh: the database into an EMPTY database (DATABASE_URL),
# the media files into MEDIA_ROOT (or, with S3_ENDPOINT_URL and S3_BUCKET, into the bucket),
# the private files into PRIVATE_ROOT. The checksums are verified first; a database that holds
# tables is refused. An encrypted backup (*.age, *.gpg) is decrypted with BACKUP_AGE_IDENTITY
# (age's identity file) or gpg's keyring into a temporary folder, removed afterwards.
#
#   ops/restore.sh /backups/20261206T020000Z
set -eu

source_dir=${1:?usage: restore.sh BACKUP_DIRECTORY}
: "${DATABASE_URL:?DATABASE_URL is required}"
MEDIA_ROOT=${MEDIA_ROOT:-/app/var/media}
PRIVATE_ROOT=${PRIVATE_ROOT:-/app/var/private}
PG_RESTORE=${PG_RESTORE:-pg_restore}
PSQL=${PSQL:-psql}

(cd "$source_dir" && sha256sum --check --quiet SHA256SUMS)

tables=$("$PSQL" "$DATABASE_URL" -tAc \
  "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "restore.sh: the database is not empty ($tables tables); restore into a new one" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The backup's files in clear, in $work when they were encrypted.
for file in database.dump media.tar.gz private.tar.gz; do
  if [ -f "$source_dir/$file.age" ]; then
    age --decrypt --identity "${BACKUP_AGE_IDENTITY:?BACKUP_AGE_IDENTITY is required}" \
      --output "$work/$file" "$source_dir/$file.age"
  elif [ -f "$source_dir/$file.gpg" ]; then
    gpg --batch --quiet --decrypt --output "$work/$file" "$source_dir/$file.gpg"
  elif [ -f "$source_dir/$file" ]; then
    ln -s "$(cd "$source_dir" && pwd)/$file" "$work/$file"
  fi
done

"$PG_RESTORE" --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$work/database.dump"

if [ -f "$work/media.tar.gz" ]; then
  if [ -n "${S3_ENDPOINT_URL:-}" ]; then
    : "${S3_BUCKET:?S3_BUCKET is required with S3_ENDPOINT_URL}"
    mkdir "$work/media"
    tar -C "$work/media" -xzf "$work/media.tar.gz"
    mc alias set bangfu-restore "$S3_ENDPOINT_URL" "${S3_ACCESS_KEY:?}" "${S3_SECRET_KEY:?}" >/dev/null
    mc mirror --quiet "$work/media" "bangfu-restore/$S3_BUCKET"
  else
    mkdir -p "$MEDIA_ROOT"
    tar -C "$MEDIA_ROOT" -xzf "$work/media.tar.gz"
  fi
fi
if [ -f "$work/private.tar.gz" ]; then
  mkdir -p "$PRIVATE_ROOT"
  tar -C "$PRIVATE_ROOT" -xzf "$work/private.tar.gz"
fi
echo "restored $source_dir"
