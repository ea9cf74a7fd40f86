# Sourced by .ci/run and bench/run: installs what is missing from Debian's packages and
# starts PostgreSQL and Redis on their standard ports if they do not answer. Afterwards
# DATABASE_USER holds the role (and password) to connect to PostgreSQL over TCP with.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
postgres_installed() { compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

# install_missing COMMAND:PACKAGE ...: the package of each command that is not on the PATH.
install_missing() {
    local missing=() pair
    for pair in "make:make" "pg_isready:postgresql-client" "redis-server:redis-server" "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    postgres_installed || missing+=(postgresql)
    if [ ${#missing[@]} -gt 0 ]; then
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

start_services() {
    if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
        local cluster version
        cluster="$(pg_lsclusters --no-header 2>/dev/null | awk '$3 == 5432 {print $1, $2; exit}')"
        if [ -z "$cluster" ]; then
            version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
            as_root pg_createcluster --port 5432 "$version" ci >/dev/null
            cluster="$version ci"
        fi
        # shellcheck disable=SC2086 # "version name", two words on purpose
        as_root pg_ctlcluster --skip-systemctl-redirect $cluster start
    fi
    if ! redis_up; then
        as_root mkdir -p /var/lib/redis /var/log/redis
        as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
            --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    fi
    for _ in $(seq 30); do
        pg_isready -h 127.0.0.1 -p 5432 -q && redis_up && break
        sleep 1
    done
    pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL does not answer on 127.0.0.1:5432." >&2; return 1; }
    redis_up || { echo "Redis does not answer on 127.0.0.1:6379." >&2; return 1; }

    # These machines trust local connections as postgres. A stock server asks for a password
    # over TCP: then a role of our own is made through the local socket.
    DATABASE_USER="postgres"
    if ! psql -w -h 127.0.0.1 -U postgres -d postgres -Atc "select 1" >/dev/null 2>&1; then
        DATABASE_USER="shop_ci:shop_ci"
        as_root runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "
            DO \$\$ BEGIN
                CREATE ROLE shop_ci LOGIN CREATEDB PASSWORD 'shop_ci';
            EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;"
    fi
    export DATABASE_USER
}
