# syntax=docker/dockerfile:1.7
#
# One Dockerfile for every Thread Weaver image.
#
#   service images:  docker build --build-arg SERVICE=command .   (target `service`, the default)
#                    SERVICE is one of command, query, projector, rest-edge
#   jobs image:      docker build --target jobs .                 (create-tables + SQL migrations)
#
# Stages: `manifests` extracts the package.json files (so `npm ci` is cached
# until a dependency changes), `build` generates protobuf/Prisma code and
# compiles everything, `service-tree` / `jobs-tree` run
# deploy/scripts/assemble-service.mjs (the same script
# deploy/test/image-assembly.int.test.ts boots services from) to lay out
# the workspaces one image needs, compiled JavaScript only, with the
# production dependencies of those workspaces alone, at the lock's versions.
# The final stages copy that tree onto a distroless Node.js image that has
# no shell and runs as uid 65532. Generated code is produced here and never
# committed.

# Node.js 24 LTS, both images pinned by digest (the multi-arch index digests),
# so a rebuild gets the same bytes until someone bumps them on purpose.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:3638d9a6fe4030bd716be989438248074489337ba3275657f93595428be4fc03
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a

# --- package manifests only: the cache key for `npm ci` -------------------
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# find lists every workspace, so a new package needs no Dockerfile change.
RUN mkdir -p /out \
 && cp package.json package-lock.json /out/ \
 && find proto libs services tools -mindepth 1 -maxdepth 2 -name package.json -not -path '*/node_modules/*' \
      -exec cp --parents {} /out/ \;

# --- full install, code generation, compile -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /out/ ./
# The npm cache is shared with the *-tree stages, which then install offline.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY proto ./proto
COPY libs ./libs
COPY services ./services
# tools/tw (the CLI) is built too, since the root tsconfig references it; no image ships it.
COPY tools ./tools
RUN npm run gen && npx tsc -b
COPY deploy/scripts ./deploy/scripts

# --- the runtime tree of one service ---------------------------------------
# The built tree is mounted, not copied: the script reads package.json, dist
# and the few runtime files of the service's workspace closure, writes them
# with a root manifest listing only that closure, and runs
# `npm ci --omit=dev --omit=peer --ignore-scripts` there. It refuses a
# SERVICE that is not a directory of services/, naming the valid ones.
FROM ${NODE_IMAGE} AS service-tree
ARG SERVICE
RUN --mount=type=bind,from=build,source=/app,target=/src \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    node /src/deploy/scripts/assemble-service.mjs --source /src --out /app --prefer-offline "${SERVICE:-}"

# --- the runtime tree of the jobs ------------------------------------------
# create-tables (journal-dynamodb) and dbmate with the migrations
# (readmodel; dbmate and its platform binary are its production dependencies).
FROM ${NODE_IMAGE} AS jobs-tree
RUN --mount=type=bind,from=build,source=/app,target=/src \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    node /src/deploy/scripts/assemble-service.mjs --source /src --out /app --prefer-offline \
      --workspace libs/journal-dynamodb --workspace libs/readmodel

# --- jobs: create the DynamoDB tables, migrate SQL ------------------------
FROM ${RUNTIME_IMAGE} AS jobs
WORKDIR /app
ENV NODE_ENV=production
COPY --from=jobs-tree /app/ ./
USER 65532:65532
# The Job manifests choose the command; this default creates the tables.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["libs/journal-dynamodb/dist/create-tables-main.js"]

# --- a service (default target) -------------------------------------------
FROM ${RUNTIME_IMAGE} AS service
ARG SERVICE
WORKDIR /app
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="threadweaver-${SERVICE}" \
      org.opencontainers.image.source="https://github.com/threadweaver/threadweaver"
COPY --from=service-tree /app/ ./
WORKDIR /app/services/${SERVICE}
USER 65532:65532
# Exec form: node is PID 1 and receives SIGTERM directly; each service
# drains and exits 0 on it. Equivalent to the package's `npm start`
# (`node --import ./dist/instrumentation.js dist/main.js`: the OpenTelemetry
# SDK and its ESM loader hook start before the service's modules load)
# without npm in between swallowing signals.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["--import", "./dist/instrumentation.js", "dist/main.js"]
