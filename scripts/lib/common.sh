# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this
# Shared helpers for the scripts in scripts/. Sourced, never run.
# Everything here targets Debian 12 (bookworm) run as root, with or without a tty.

TSM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TSM_CACHE_DIR="${TSM_CACHE_DIR:-/var/cache/turnstone-migrate}"
export DEBIAN_FRONTEND=noninteractive

# Packages that build the tool (scripts/setup, Dockerfile builder stage).
TSM_BUILD_PACKAGES=(g++ cmake ninja-build pkg-config libcli11-dev libpqxx-dev libpq-dev
                    libsqlite3-dev libmariadb-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libssl-dev)
# What the test suite adds: Catch2, both servers and their clients, the sqlite3 shell, and
# Debian's Alembic for the parity test (tests/parity/alembic_differential.py), and the clusters
# (scripts/test-servers): Galera with rsync SST, pgbouncer.
TSM_TEST_PACKAGES=(catch2 postgresql mariadb-server mariadb-client sqlite3 shellcheck python3-alembic
                   galera-4 rsync pgbouncer)
# What bench/fuzz/run adds (never the test command: the fuzz corpus replays with g++): clang, and
# libFuzzer's runtime, which clang only recommends; `time` for the CPU-time column.
TSM_FUZZ_PACKAGES=(clang libclang-rt-14-dev time)
# The binary's runtime libraries are libpqxx-6.4 libpq5 libmariadb3 libsqlite3-0 libfmt9
# libspdlog1.10: listed in the Dockerfile's runtime stage and cmake/packaging.cmake.

log()  { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${TSM_SCRIPT:-tsm}" "$*" >&2; }
warn() { printf '\n!!!!! WARNING [%s]: %s\n\n' "${TSM_SCRIPT:-tsm}" "$*" >&2; }
die()  { printf 'error [%s]: %s\n' "${TSM_SCRIPT:-tsm}" "$*" >&2; exit 1; }

is_ci() { [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; }

# Installs the given Debian packages that are not installed yet. apt-get update runs only when
# something is missing, so a machine that has everything needs no network and no root.
apt_install_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}); run as root or install them first"
  log "installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Debian mirror of this machine's apt configuration (deb822 or one-line format).
debian_mirror() {
  local mirror=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
    mirror="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)"
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

# Prints the path of a tarball of a pristine `debootstrap --variant=minbase bookworm` root whose
# apt sources are this machine's. Built once and cached: debootstrap is the slow part.
base_rootfs_tarball() {
  local tarball="$TSM_CACHE_DIR/debian-bookworm-minbase.tar"
  if [[ -s "$tarball" && -z "${TSM_FRESH_DEBOOTSTRAP:-}" ]]; then
    echo "$tarball"
    return 0
  fi
  apt_install_missing debootstrap
  mkdir -p "$TSM_CACHE_DIR"
  local rootfs mirror
  rootfs="$(mktemp -d "$TSM_CACHE_DIR/rootfs.XXXXXX")"
  chmod 755 "$rootfs"  # it becomes "/": the postgres and mysql users must traverse it
  mirror="$(debian_mirror)"
  log "debootstrap --variant=minbase bookworm from $mirror (cached in $tarball afterwards)"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    tail -n 20 "$rootfs.log" >&2
    rm -rf --one-file-system "$rootfs" "$rootfs.log"
    die "debootstrap failed"
  fi
  copy_apt_sources "$rootfs"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf --one-file-system "$rootfs" "$rootfs.log"
  echo "$tarball"
}

# Gives a root this machine's apt sources (bookworm, -updates, -security), like Debian's images.
copy_apt_sources() {
  local root="$1"
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    mkdir -p "$root/etc/apt/sources.list.d"
    cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
    rm -f "$root/etc/apt/sources.list"
  elif [[ -f /etc/apt/sources.list ]]; then
    cp /etc/apt/sources.list "$root/etc/apt/sources.list"
  fi
}

# Mounts what a chroot needs to run apt, servers and compilers. Undo with chroot_umount.
chroot_mount() {
  local root="$1" dir
  mount -t proc proc "$root/proc"
  mount --bind /sys "$root/sys"
  mount --bind /dev "$root/dev"
  for dir in /dev/pts /dev/shm; do
    if mountpoint -q "$dir"; then
      mkdir -p "$root$dir"
      mount --bind "$dir" "$root$dir"
    fi
  done
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}

# Unmounts everything below root, deepest first; safe to call twice.
chroot_umount() {
  local root mnt
  root="$(realpath -m "$1")"
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r)
}

# True when nothing is mounted below root (so rm -rf cannot reach the host's /dev or /proc).
nothing_mounted_below() {
  local root
  root="$(realpath -m "$1")"
  ! awk -v r="$root" '$2 == r || index($2, r "/") == 1 {found = 1} END {exit !found}' /proc/mounts
}
