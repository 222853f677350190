# syntax=docker/dockerfile:1
#
# gphotos-sync: one backup pass per container run.
#
#   DOCKER_BUILDKIT=1 docker build -t gphotos-sync \
#     --build-arg VERSION="$(node -p "require('./package.json').version")" \
#     --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run --rm --user "$(id -u):$(id -g)" --stop-timeout 60 -v /volume1/photos:/data \
#     -e GPHOTOS_TOKEN_FILE=/run/secrets/gphotos-token \
#     -v /volume1/docker/gphotos/token.json:/run/secrets/gphotos-token:ro gphotos-sync
#
# Needs BuildKit (the default builder of Docker 23 and later; `docker buildx build` always uses
# it): the cache mounts below are BuildKit's. Released images are built by
# .github/workflows/release.yml for linux/amd64 and linux/arm64, labelled from git and
# package.json.
#
# Every stage uses the same Debian slim Node 24 image, pinned by digest: a rebuild gets the same
# base, byte for byte. The digest must be that of the multi-platform index (which names the amd64
# and the arm64 image), not of one platform's image: the release workflow checks that first.
# Dependabot (.github/dependabot.yml, ecosystem docker) proposes the new digest when the tag
# moves; by hand: `docker buildx imagetools inspect node:24-bookworm-slim` prints it ("Digest:"),
# and all three FROM lines take the same one (test/deploy/dockerfile.test.ts checks it).
# test/deploy/dockerfile.test.ts checks the rules this file follows.

# ---- build: dev dependencies + TypeScript -> dist/ -------------------------------------------
FROM node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` would run `prepare` (the build) before the sources are here: install first, build next,
# so the dependency layer stays cached while only src/ changes.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

# ---- deps: production dependencies only, installed where npm still is -----------------------
FROM node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, and needs TypeScript (a dev dependency); the build
# stage already did it. No dependency needs its install script (the only one, protobufjs'
# postinstall, just prints a version warning).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: production dependencies + dist/ only -------------------------------------------
FROM node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS runtime

# Filled by the release workflow from package.json and git (or by hand, see the top): no version
# is written here.
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="gphotos-sync" \
      org.opencontainers.image.description="Backs up a Google Photos library (Google Drive and the Picasa feeds) to a plain file tree, one unattended pass per run." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# tini is PID 1: it forwards SIGTERM/SIGINT to node (which then stops the pass cleanly and exits
# 143/130) and reaps zombies. Debian's package, not a download. Not version-pinned: the pin would
# break on every Debian security update of the package.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

# The job needs node alone: npm, npx, corepack and yarn (and their own dependencies, with their
# advisories) leave the image. Package installs happened in the deps stage.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-v* \
    && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
        /usr/local/bin/yarn /usr/local/bin/yarnpkg

# MALLOC_ARENA_MAX: as in the bin's shebang (src/cli/main.ts says why): glibc reads it as node
# starts, so it is set here for the entrypoint's node.
ENV NODE_ENV=production \
    GPHOTOS_ROOT=/data \
    MALLOC_ARENA_MAX=2

WORKDIR /app
# package.json, package-lock.json and the production node_modules/ of the deps stage.
COPY --from=deps /app ./
COPY --from=build /app/dist ./dist

# `gphotos-sync` on PATH for `docker exec` / `kubectl exec`; /data owned by the runtime user so a
# fresh named volume is writable. The app's files stay root-owned: the job cannot change them.
# The folder of node's compile cache (src/cli/main.ts) belongs to the runtime user: node names its
# entries by user id, so the runtime user fills it, below.
RUN ln -s /app/dist/cli/main.js /usr/local/bin/gphotos-sync \
    && mkdir -p /data /app/node_modules/.cache/gphotos-sync \
    && chown 1000:1000 /data /app/node_modules/.cache/gphotos-sync

# UID/GID 1000 is the image's `node` user; numeric so Kubernetes can check runAsNonRoot. On a NAS
# whose photo share belongs to another user, run with `--user UID:GID` of that user (who then
# starts without the compile cache: about 0.2 CPU s more per pass, nothing else).
USER 1000:1000

# Fills the compile cache: every module the job loads, compiled once here. The flags are the
# entrypoint's (node keys its cache by them), so every pass starts from it.
RUN ["node", "--liftoff-only", "--max-semi-space-size=4", "--heap-growing-percent=20", "/app/dist/cli/main.js", "--version"]
VOLUME /data

# No HEALTHCHECK: this is a batch job, not a server. A pass runs, exits with a code that tells how
# it went (see the README), and the scheduler (Kubernetes, the NAS task scheduler) reads that code.
HEALTHCHECK NONE

# The node flags are those of the bin's shebang (dist/cli/main.js): V8 takes them only on the
# command line, and they keep the peak memory of a large pass under 300 MiB (README, "Performance").
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--liftoff-only", "--max-semi-space-size=4", "--heap-growing-percent=20", "/app/dist/cli/main.js"]
CMD ["sync", "/data"]
