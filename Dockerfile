# turnstone-migrate in a container: build on Debian 12, run on a slim Debian 12 with only the
# runtime libraries. Needs no network at run time (only the database it is pointed at).
#
#   docker build -t turnstone-migrate .            (or: podman build, see scripts/container-check)
#   docker run --rm -v "$PWD/data:/data" turnstone-migrate upgrade head     # SQLite in /data
#   docker run --rm -e TURNSTONE_DATABASE_URL=postgresql://user:pass@db/turnstone \
#     turnstone-migrate upgrade head

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ cmake ninja-build pkg-config libcli11-dev \
      libpqxx-dev libpq-dev libsqlite3-dev libmariadb-dev libfmt-dev libspdlog-dev libssl-dev nlohmann-json3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTSM_BUILD_TESTS=OFF \
 && cmake --build /build --target turnstone-migrate -j2 \
 && strip /build/turnstone-migrate

FROM debian:bookworm
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpqxx-6.4 libpq5 libmariadb3 libsqlite3-0 \
      libfmt9 libspdlog1.10 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin turnstone \
 && mkdir /data && chown turnstone:turnstone /data
COPY --from=build /build/turnstone-migrate /usr/local/bin/turnstone-migrate
USER turnstone
# The default database URL is sqlite:///turnstone.db relative to the working directory, so the
# SQLite files (turnstone.db, turnstone-context.db) land in the volume. Set
# TURNSTONE_DATABASE_URL (and TURNSTONE_CONTEXT_DATABASE_URL) to use a server instead.
WORKDIR /data
VOLUME /data
ENTRYPOINT ["turnstone-migrate"]
CMD ["--help"]
