#!/bin/sh
# The standby (docs/replica.md): on an empty volume, a base backup of the primary that streams
# the WAL it needs and writes standby.signal and primary_conninfo (-R), using the replication
# slot the primary keeps for it; then the image's own entrypoint starts PostgreSQL, which
# follows the primary as a hot standby (read-only queries, pg_is_in_recovery() true).
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until PGPASSWORD="$REPLICATION_PASSWORD" pg_isready -h "$PRIMARY_HOST" -U replicator; do
        sleep 2
    done
    PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup \
        --host "$PRIMARY_HOST" --username replicator --pgdata "$PGDATA" \
        --wal-method=stream --write-recovery-conf --slot trygg_standby --checkpoint=fast
    # The password reaches primary_conninfo through this file, readable by postgres only.
    printf '%s:5432:*:replicator:%s\n' "$PRIMARY_HOST" "$REPLICATION_PASSWORD" \
        > /var/lib/postgresql/.pgpass
    chown postgres:postgres /var/lib/postgresql/.pgpass
    chmod 600 /var/lib/postgresql/.pgpass
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
