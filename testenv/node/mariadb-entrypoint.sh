#!/bin/bash
# The official mysql image's contract, as the chart uses it, for Debian's MariaDB: on an empty
# /var/lib/mysql, create the root password, the database and its user from MYSQL_ROOT_PASSWORD,
# MYSQL_DATABASE, MYSQL_USER and MYSQL_PASSWORD; then run the server on every address.
set -euo pipefail
datadir=/var/lib/mysql
quote() { printf "'%s'" "${1//\'/\'\'}"; }

if [ ! -d "$datadir/mysql" ]; then
  mariadb-install-db --datadir="$datadir" --auth-root-authentication-method=normal --skip-test-db >/dev/null
  socket=/tmp/mariadb-init.sock
  mariadbd --datadir="$datadir" --skip-networking --socket="$socket" &
  server=$!
  until mariadb-admin --socket="$socket" ping --silent 2>/dev/null; do
    kill -0 "$server"
    sleep 0.2
  done
  root_password=$(quote "$MYSQL_ROOT_PASSWORD")
  mariadb --socket="$socket" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY $root_password;
CREATE USER 'root'@'%' IDENTIFIED BY $root_password;
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/}\`;
CREATE USER $(quote "$MYSQL_USER")@'%' IDENTIFIED BY $(quote "$MYSQL_PASSWORD");
GRANT ALL ON \`${MYSQL_DATABASE//\`/}\`.* TO $(quote "$MYSQL_USER")@'%';
SQL
  kill "$server"
  wait "$server" || true
fi
exec mariadbd --datadir="$datadir" --bind-address=0.0.0.0 --port=3306 "$@"
